"""assistant: the stateless chat agent that calls retrieval and recsys as tools."""

__all__: list[str] = []
