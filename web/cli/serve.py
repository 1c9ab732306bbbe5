"""`aisle serve`: every part in one process on the demo shop; `aisle serve web`: the gateway.

Serving is the parts' own entrypoints: `aisle serve <part>` builds the part's settings
from its options and calls `<part>.__main__.main`, as `python -m <part>` does.
"""

from __future__ import annotations

import argparse
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from web.cli import CommandGroups
from web.cli.output import echo

if TYPE_CHECKING:
    from retrieval import RetrievalSettings
    from web.parts import PartsFactory

DEMO_DIR = Path(__file__).resolve().parents[2] / "data" / "demo"


def _settings(args: argparse.Namespace) -> Any:
    from web.settings import WebSettings

    overrides: dict[str, Any] = {}
    if getattr(args, "data_dir", None) is not None:
        overrides["data_dir"] = args.data_dir
    if getattr(args, "host", None):
        overrides["host"] = args.host
    if getattr(args, "port", None) is not None:
        overrides["port"] = args.port
    if getattr(args, "demo", False):
        overrides["demo"] = True
    return WebSettings(**overrides)


def bind_options(args: argparse.Namespace) -> dict[str, Any]:
    """`--host` and `--port` as given, for a part's settings (unset: its own variables)."""
    return {k: v for k in ("host", "port") if (v := getattr(args, k, None)) is not None}


def prepare_demo(data_dir: Path, quiet: bool = False) -> None:
    """Ingest the demo catalog (instant when unchanged) and train recsys once."""
    from recsys import RecsysSettings, train
    from retrieval import read_feed
    from web.cli.catalog import retrieval_settings, run_ingest

    products = DEMO_DIR / "products.jsonl"
    rs = retrieval_settings(
        argparse.Namespace(data_dir=data_dir / "retrieval", chroma_url=None),
        default_currency="GBP",
    )
    feed = read_feed(products, default_currency="GBP")
    foreign = _other_shop(rs, {p.id for p in feed.products})
    if foreign:
        # `--demo` on another shop's data dir would replace its catalog with the demo shop's
        # and give it the demo shop's UK policies.
        raise SystemExit(
            f"error: {data_dir} holds another shop's catalog ({foreign} products that are not "
            "the demo shop's); --demo would replace it. Serve it without --demo, or add "
            "--no-demo-data for the storefront on that catalog."
        )
    report = run_ingest(rs, feed, quiet=quiet)
    # The demo shop's own policy pages live with its data, not in every shop's settings.
    shutil.copytree(DEMO_DIR / "policies", data_dir / "policies", dirs_exist_ok=True)
    if not quiet:
        echo(f"demo catalog: {report.total} products live ({report.embedded} embedded now)")
    cs = RecsysSettings(data_dir=data_dir / "recsys", catalog_path=products)
    if not (cs.data_dir / "artifacts" / "CURRENT").exists():
        if not quiet:
            echo("training the recommenders on the demo shop's purchases (once) ...")
        train(cs, [cs.model])


def _other_shop(rs: RetrievalSettings, demo_ids: set[str]) -> int:
    """Live products of the data dir that are not the demo shop's, when they are most of it
    (another shop's catalog); 0 for an empty data dir or the demo shop itself."""
    from retrieval import make_store

    store = make_store(rs)
    live = store.live(rs.collection_prefix)
    if live is None:
        return 0
    ids = [pid for batch in store.scan(live) for pid in batch.ids]
    foreign = sum(1 for pid in ids if pid not in demo_ids)
    return foreign if foreign * 2 > len(ids) else 0


def _serve(args: argparse.Namespace, everything: bool) -> int:
    # The gateway's own entrypoint (`python -m web`), with the options on its settings.
    from web.__main__ import main

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    settings = _settings(args)
    parts = None
    if everything and settings.demo and not args.no_demo_data:
        prepare_demo(settings.data_dir)
        parts = demo_parts(settings.data_dir)
    return main(settings, parts, quiet=everything)


def demo_parts(data_dir: Path) -> PartsFactory:
    """The parts `aisle serve --demo` runs the demo shop on (a `PartsFactory`)."""
    from assistant import AssistantSettings
    from recsys import RecsysSettings
    from retrieval import RetrievalSettings
    from web.parts import PartsFactory

    return PartsFactory(
        AssistantSettings().with_data_dir(data_dir),
        RetrievalSettings(data_dir=data_dir / "retrieval", default_currency="GBP"),
        RecsysSettings(data_dir=data_dir / "recsys", catalog_path=DEMO_DIR / "products.jsonl"),
    )


def _serve_all(args: argparse.Namespace) -> int:
    return _serve(args, everything=True)


def _serve_web(args: argparse.Namespace) -> int:
    return _serve(args, everything=False)


def _options(p: argparse.ArgumentParser, prefix: str = "") -> None:
    p.add_argument(
        "--host", dest=f"{prefix}host", help="address to bind (default AISLE_WEB_HOST or 127.0.0.1)"
    )
    p.add_argument(
        "--port", dest=f"{prefix}port", type=int, help="port (default AISLE_WEB_PORT or 8000)"
    )
    p.add_argument(
        "--data-dir",
        dest=f"{prefix}data_dir",
        type=Path,
        help="data dir (holds retrieval/, recsys/, web/)",
    )
    p.add_argument(
        "--demo",
        dest=f"{prefix}demo",
        action="store_true",
        help="demo mode (AISLE_WEB_DEMO=true): the demo key, staff login and storefront; "
        "never for a shop's real traffic",
    )


# Options `aisle serve` takes before a part, as `aisle serve --port 9000 web` (dest, flag).
SHARED_OPTIONS = (
    ("host", "--host"),
    ("port", "--port"),
    ("data_dir", "--data-dir"),
    ("demo", "--demo"),
    ("no_demo_data", "--no-demo-data"),
)


def add_serve_all(parser: argparse.ArgumentParser) -> None:
    """Make bare `aisle serve` run everything in one process.

    Its options land under `serve_<name>`, so a part's own (same-named) options cannot
    silently overwrite them; `merge_shared_options` then hands them to the part.
    """
    _options(parser, prefix="serve_")
    parser.add_argument(
        "--no-demo-data",
        dest="serve_no_demo_data",
        action="store_true",
        help="do not ingest the demo shop or train on it",
    )
    parser.set_defaults(func=_serve_all)


def merge_shared_options(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Honour options given before the part (`aisle serve --port 23456 web`) or refuse them.

    An option the part does not take, or one given before and after the part with two
    values, is an error that names it, never silently dropped.
    """
    if getattr(args, "command", None) != "serve":
        return
    part = getattr(args, "part", None)
    for name, flag in SHARED_OPTIONS:
        value = getattr(args, f"serve_{name}", None)
        if part is None:
            setattr(args, name, value)
            continue
        if value in (None, False):
            continue
        if not hasattr(args, name) or (name == "no_demo_data" and part != "web"):
            parser.error(f"aisle serve {part} does not take {flag}")
        current = getattr(args, name)
        if current in (None, False) or current == value or name == "no_demo_data":
            setattr(args, name, value)
        else:
            parser.error(
                f"aisle serve: {flag} given twice: {value} before {part!r}, {current} after it"
            )


def add_commands(groups: CommandGroups) -> None:
    """Add `aisle serve web`."""
    p = groups.serve.add_parser("web", help="the web gateway (websocket, shop API, console)")
    _options(p)
    p.set_defaults(func=_serve_web, no_demo_data=True)
