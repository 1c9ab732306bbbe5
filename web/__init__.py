"""web: the gateway, the console, the widget's files and the `aisle` CLI."""

__all__: list[str] = []
