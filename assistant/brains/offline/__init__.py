"""The offline brain: intents, constraints, references and templates, no network."""

from assistant.brains.offline.brain import OfflineBrain

__all__ = ["OfflineBrain"]
