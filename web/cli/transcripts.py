"""`aisle transcripts migrate|purge`: the transcript database's schema and retention."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from web.cli import CommandGroups
from web.cli.output import echo

if TYPE_CHECKING:
    from web.settings import WebSettings
    from web.store import SqlTranscriptStore


def web_settings(args: argparse.Namespace) -> WebSettings:
    """WebSettings from the environment, with `--data-dir` on top."""
    from web.settings import WebSettings

    overrides: dict[str, Any] = {}
    if getattr(args, "data_dir", None) is not None:
        overrides["data_dir"] = args.data_dir
    return WebSettings(**overrides)


def open_store(args: argparse.Namespace) -> SqlTranscriptStore:
    """The transcript store of the settings, migrated (the caller closes it)."""
    from web.store import make_transcript_store

    return make_transcript_store(web_settings(args))


def where(store: SqlTranscriptStore) -> str:
    """Where the transcripts are, without credentials: a SQLite path or "PostgreSQL"."""
    url = store.engine.url
    if url.get_backend_name() == "sqlite":
        return str(url.database)
    return f"PostgreSQL database {url.database} on {url.host}"


def data_dir_option(parser: argparse.ArgumentParser) -> None:
    """Add `--data-dir` (the web part's AISLE_WEB_DATA_DIR)."""
    parser.add_argument(
        "--data-dir", type=Path, help="data dir holding web/transcripts.db (AISLE_WEB_DATA_DIR)"
    )


def _migrate(args: argparse.Namespace) -> int:
    from web.store import TranscriptError, current_revision

    try:
        store = open_store(args)
    except TranscriptError as e:
        echo(f"error: {e.message}", err=True)
        return 1
    try:
        echo(f"transcripts at schema revision {current_revision(store.engine)} ({where(store)})")
    finally:
        store.close()
    return 0


def _purge(args: argparse.Namespace) -> int:
    from web.store import TranscriptError, purge_older_than

    settings = web_settings(args)
    days = args.days if args.days is not None else settings.retention_days
    if days < 1:
        echo("error: --days must be at least 1", err=True)
        return 2
    try:
        store = open_store(args)
        try:
            report = purge_older_than(store, days, dry_run=args.dry_run)
        finally:
            store.close()
    except TranscriptError as e:
        echo(f"error: {e.message}", err=True)
        return 1
    cutoff = report.cutoff.strftime("%Y-%m-%d %H:%M UTC")
    verb = "would delete" if report.dry_run else "deleted"
    echo(
        f"{verb} {report.conversations} conversations ({report.messages} messages) "
        f"with no activity since {cutoff} ({days} days)"
    )
    return 0


def add_commands(groups: CommandGroups) -> None:
    """Add `aisle transcripts migrate` and `aisle transcripts purge`."""
    group = groups.root.add_parser("transcripts", help="the stored conversations")
    sub = group.add_subparsers(dest="transcripts_command", metavar="COMMAND", required=True)

    migrate = sub.add_parser("migrate", help="create or upgrade the transcript database schema")
    data_dir_option(migrate)
    migrate.set_defaults(func=_migrate)

    purge = sub.add_parser("purge", help="delete conversations older than the retention period")
    purge.add_argument(
        "--days",
        type=int,
        help="delete conversations with no activity for this many days "
        "(default: AISLE_WEB_RETENTION_DAYS, 90)",
    )
    purge.add_argument("--dry-run", action="store_true", help="count only, delete nothing")
    data_dir_option(purge)
    purge.set_defaults(func=_purge)
