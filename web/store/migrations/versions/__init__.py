"""The migration scripts, oldest first (Alembic skips this file)."""
