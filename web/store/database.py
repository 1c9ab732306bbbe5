"""Engines for the transcript database (SQLite in WAL mode or PostgreSQL) and its migrations."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url

__all__ = ["MIGRATIONS", "current_revision", "head_revision", "make_engine", "migrate", "write"]

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Any constant: replicas starting together take turns running the migrations.
_MIGRATION_LOCK = 0x41_49_53_4C_45


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Hand transaction control to SQLAlchemy's "begin" hook below (pysqlite's own
    # implicit BEGIN comes too late for DDL and cannot take the write lock up front).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # FULL: a commit is on disk before we acknowledge it, power loss included.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # Deleted rows are overwritten with zeros, so an erased shopper's text leaves the file.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    # A writer takes the lock at BEGIN, so it waits (busy_timeout) instead of failing
    # later with SQLITE_BUSY when it upgrades a read lock mid-transaction.
    immediate = conn.get_execution_options().get("sqlite_immediate", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str, *, schema: str | None = None, echo: bool = False) -> Engine:
    """An engine for the transcript store.

    SQLite files get WAL mode, full fsync on commit, foreign keys and a busy timeout;
    their folder is created. PostgreSQL sessions run in UTC, optionally in `schema`.

    Args:
        url: a SQLAlchemy URL (`sqlite:///var/web/transcripts.db`,
            `postgresql+psycopg://user@host/db`).
        schema: PostgreSQL only: the schema to use (its search_path); created if absent.
        echo: log every statement (debugging).

    Returns:
        The engine; `dispose()` it when done.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, echo=echo)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    options = "-c timezone=UTC"
    if schema is not None:
        if not schema.replace("_", "").isalnum():
            raise ValueError(f"schema name must be letters, digits and _: {schema!r}")
        options += f" -c search_path={schema}"
    engine = create_engine(parsed, echo=echo, pool_pre_ping=True, connect_args={"options": options})
    if schema is not None:
        with engine.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    return engine


@contextmanager
def write(engine: Engine) -> Iterator[Connection]:
    """A write transaction, committed when the block ends (rolled back on an error).

    On SQLite it begins IMMEDIATE: writers queue on the file lock up front.

    Args:
        engine: the store's engine.

    Yields:
        The connection inside the transaction.
    """
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn = conn.execution_options(sqlite_immediate=True)
        with conn.begin():
            yield conn


def _alembic_config(connection: Connection) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def migrate(engine: Engine, revision: str = "head") -> str | None:
    """Upgrade the schema to `revision` with the migrations shipped in this package.

    Safe to run from several processes at once: they take turns under a lock.

    Args:
        engine: the store's engine.
        revision: the Alembic revision to reach (default: the newest).

    Returns:
        The revision the database is at afterwards.
    """
    from alembic import command

    before = current_revision(engine)
    with write(engine) as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        command.upgrade(_alembic_config(conn), revision)
    after = current_revision(engine)
    if after != before:
        log.info("transcript schema migrated from %s to %s", before or "empty", after)
    return after


def current_revision(engine: Engine) -> str | None:
    """The Alembic revision the database is at, or None before the first migration."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    """The newest revision among the shipped migrations."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()
