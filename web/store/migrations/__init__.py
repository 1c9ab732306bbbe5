"""Alembic migrations of the transcript database (a package so the scripts ship in the wheel)."""
