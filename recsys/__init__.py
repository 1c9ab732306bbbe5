"""recsys: collaborative filtering over shoppers' interactions."""

__all__: list[str] = []
