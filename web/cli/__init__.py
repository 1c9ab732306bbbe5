"""The `aisle` command line: one parser, each area adds its own subcommands."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from web.cli.output import echo

__all__ = ["CommandGroups", "build_parser", "main"]


@dataclass
class CommandGroups:
    """The parser's subcommand groups that area modules add commands to.

    `root` holds top-level commands (`aisle ingest`), `eval` holds
    `aisle eval <what>` and `serve` holds `aisle serve <part>`. Each command
    sets `func` (called with the parsed namespace, returns an exit code).
    """

    root: argparse._SubParsersAction  # type: ignore[type-arg]
    eval: argparse._SubParsersAction  # type: ignore[type-arg]
    serve: argparse._SubParsersAction  # type: ignore[type-arg]


def build_parser() -> argparse.ArgumentParser:
    """Build the full `aisle` parser from every area's commands."""
    # Imported here so `aisle --help` stays the only thing paying for imports.
    from web.cli import (
        assistant,
        catalog,
        demo,
        embedder,
        experiments,
        ops,
        recsys,
        serve,
        shopper,
        staff,
        transcripts,
    )

    parser = argparse.ArgumentParser(
        prog="aisle", description="Aisle: a conversational shopping assistant."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log at DEBUG level")
    root = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    eval_parser = root.add_parser("eval", help="measure retrieval, recommendation or chat quality")
    eval_group = eval_parser.add_subparsers(dest="what", metavar="WHAT", required=True)
    serve_parser = root.add_parser(
        "serve", help="run every part in one process, or one part (PART) as its own server"
    )
    serve_group = serve_parser.add_subparsers(dest="part", metavar="PART", required=False)
    serve.add_serve_all(serve_parser)
    groups = CommandGroups(root=root, eval=eval_group, serve=serve_group)
    for area in (
        catalog,
        demo,
        recsys,
        embedder,
        experiments,
        serve,
        assistant,
        transcripts,
        shopper,
        staff,
        ops,
    ):
        area.add_commands(groups)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `aisle` console script."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from web.cli.serve import merge_shared_options

    parser = build_parser()
    args = parser.parse_args(argv)
    merge_shared_options(parser, args)
    # A server's logging is its entrypoint's (`aisle serve <part>` runs `python -m <part>`'s
    # `main`), unless DEBUG was asked for.
    if args.verbose or args.command != "serve":
        logging.basicConfig(
            level=logging.DEBUG if args.verbose else logging.WARNING,
            format="%(levelname)s %(name)s: %(message)s",
        )
    # bm25s sets its own logger to DEBUG; keep library chatter out of the terminal.
    for name in ("bm25s", "chromadb", "httpx", "sentence_transformers"):
        logging.getLogger(name).setLevel(logging.DEBUG if args.verbose else logging.WARNING)
    try:
        code: int = args.func(args)
    except KeyboardInterrupt:
        echo("interrupted", err=True)
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
