"""`aisle shopper export|delete ID`: GDPR access and erasure across transcripts and recsys."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from web.cli import CommandGroups
from web.cli.output import echo
from web.cli.transcripts import data_dir_option, open_store, web_settings

if TYPE_CHECKING:
    from recsys import Recommender, RecsysSettings


def _recsys_settings(args: argparse.Namespace) -> RecsysSettings:
    """Recsys settings beside the web data dir unless AISLE_RECSYS_DATA_DIR says otherwise."""
    from recsys import RecsysSettings

    overrides: dict[str, Any] = {}
    if args.data_dir is not None or "AISLE_RECSYS_DATA_DIR" not in os.environ:
        overrides["data_dir"] = web_settings(args).data_dir / "recsys"
    return RecsysSettings(**overrides)


def _recommender(args: argparse.Namespace) -> Recommender:
    from recsys import make_recommender

    return make_recommender(_recsys_settings(args))


def _recsys_held(args: argparse.Namespace, user_ids: list[str]) -> dict[str, Any]:
    """What recsys holds under these ids: the interactions when they are in this process."""
    if _recsys_settings(args).url:
        return {
            "user_ids": user_ids,
            "interactions": None,
            "note": "held by the recsys service; `aisle shopper delete` forgets them there",
        }
    from recsys import InteractionStore

    path = _recsys_settings(args).store_path
    rows: list[dict[str, Any]] = []
    if path.exists():
        frame = InteractionStore(path).load()
        mine = frame[frame["user_id"].isin(user_ids)]
        rows = json.loads(mine.to_json(orient="records", date_format="iso"))
    return {"user_ids": user_ids, "interactions": rows}


def _export(args: argparse.Namespace) -> int:
    from web.store import TranscriptError, export_shopper

    try:
        store = open_store(args)
        try:
            document = export_shopper(store, args.shopper)
        finally:
            store.close()
    except TranscriptError as e:
        echo(f"error: {e.message}", err=True)
        return 1
    document["recsys"] = _recsys_held(args, document.pop("recsys_user_ids"))
    text = json.dumps(document, indent=2, ensure_ascii=False, default=str)
    if args.out is None:
        echo(text)
        return 0
    # Personal data: readable by the operator only.
    fd = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text + "\n")
    n = len(document["conversations"])
    echo(f"wrote {n} conversations of {args.shopper} to {args.out}", err=True)
    return 0


def _delete(args: argparse.Namespace) -> int:
    from recsys import RecsysError
    from web.store import TranscriptError, delete_shopper, recsys_user_ids

    try:
        store = open_store(args)
    except TranscriptError as e:
        echo(f"error: {e.message}", err=True)
        return 1
    try:
        user_ids = recsys_user_ids(store, args.shopper)
        forgotten = 0
        if not args.dry_run:
            # Recsys first: its user ids come from the conversations deleted below.
            recommender = _recommender(args)
            try:
                for user_id in user_ids:
                    forgotten += recommender.forget(user_id)
            except RecsysError as e:
                echo(f"error: recsys could not forget the shopper: {e.message}", err=True)
                echo("nothing was deleted from the transcripts; run the command again", err=True)
                return 1
        report = delete_shopper(store, args.shopper, dry_run=args.dry_run)
    except TranscriptError as e:
        echo(f"error: {e.message}", err=True)
        return 1
    finally:
        store.close()
    if args.dry_run:
        echo(
            f"would delete {report.conversations} conversations ({report.messages} messages) "
            f"and {report.impressions} experiment impressions "
            f"of {args.shopper} and forget {len(user_ids)} recsys user ids"
        )
    else:
        echo(
            f"deleted {report.conversations} conversations ({report.messages} messages) and "
            f"{report.impressions} experiment impressions of "
            f"{args.shopper}; recsys forgot {forgotten} interactions under "
            f"{len(user_ids)} user ids"
        )
    return 0


def add_commands(groups: CommandGroups) -> None:
    """Add `aisle shopper export` and `aisle shopper delete`."""
    group = groups.root.add_parser("shopper", help="GDPR: export or delete a shopper's data")
    sub = group.add_subparsers(dest="shopper_command", metavar="COMMAND", required=True)
    help_id = "the shop's shopper id, or session:<session id> for an anonymous shopper"

    export = sub.add_parser("export", help="everything held about a shopper, as JSON")
    export.add_argument("shopper", metavar="ID", help=help_id)
    export.add_argument("--out", type=Path, help="write to this file (mode 600), not stdout")
    data_dir_option(export)
    export.set_defaults(func=_export)

    delete = sub.add_parser(
        "delete", help="delete a shopper's transcripts and events and forget them in recsys"
    )
    delete.add_argument("shopper", metavar="ID", help=help_id)
    delete.add_argument("--dry-run", action="store_true", help="count only, delete nothing")
    data_dir_option(delete)
    delete.set_defaults(func=_delete)
