"""`aisle chat`, `aisle eval chat` and `aisle serve assistant`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from web.cli import CommandGroups
from web.cli.output import echo, echo_json

if TYPE_CHECKING:
    from assistant import AssistantSettings, ProductCard
    from recsys import RecsysSettings
    from retrieval import RetrievalSettings
    from web.store import TranscriptConsole

DEMO_SUITE = Path(__file__).resolve().parents[2] / "data" / "demo" / "chat_suite.yaml"


def _settings(
    args: argparse.Namespace, **extra: Any
) -> tuple[AssistantSettings, RetrievalSettings, RecsysSettings]:
    """Settings from the environment, with `--data-dir`, `--brain` and `extra` on top."""
    from assistant import AssistantSettings
    from recsys import RecsysSettings
    from retrieval import RetrievalSettings

    overrides: dict[str, Any] = dict(extra)
    if getattr(args, "brain", None):
        overrides["brain"] = args.brain
    settings = AssistantSettings(**overrides)
    retrieval: dict[str, Any] = {"default_currency": settings.default_currency}
    recsys: dict[str, Any] = {}
    if getattr(args, "data_dir", None) is not None:
        retrieval["data_dir"] = args.data_dir / "retrieval"
        recsys["data_dir"] = args.data_dir / "recsys"
        settings = settings.with_data_dir(args.data_dir)
    return settings, RetrievalSettings(**retrieval), RecsysSettings(**recsys)


def _card_line(card: ProductCard) -> str:
    stock = "in stock" if card.in_stock else "out of stock"
    reason = f" - {card.reason}" if card.reason else ""
    price = f"{card.price:.2f} {card.currency}"
    return f"  [{card.id}] {card.title}  {price}  ({stock}){reason}"


async def _chat_loop(args: argparse.Namespace) -> int:
    from assistant import (
        AnswerDelta,
        ConversationState,
        ProductsShown,
        Suggestions,
        TurnDone,
        TurnRequest,
        build_assistant,
    )

    settings, rs, cs = _settings(args)
    assistant = build_assistant(settings, rs, cs)
    assistant.warm()
    state: ConversationState | None = None
    history: list[Any] = []
    interactive = sys.stdin.isatty()
    if interactive:
        echo(
            f"Chatting with the {settings.shop_name} assistant ({assistant.brain.name} brain). "
            "Ctrl-D to leave."
        )
    while True:
        if interactive:
            sys.stdout.write("you> ")
            sys.stdout.flush()
        line = sys.stdin.readline()
        if not line:
            return 0
        message = line.strip()
        if not message:
            continue
        if not interactive:
            echo(f"you> {message}")
        request = TurnRequest(message=message, state=state, history=history, user_id=args.user_id)
        text: list[str] = []
        sys.stdout.write("assistant> ")
        at_line_start = False
        async for event in assistant.turn(request):
            if isinstance(event, AnswerDelta):
                text.append(event.text)
                sys.stdout.write(event.text)
                sys.stdout.flush()
                at_line_start = event.text.endswith("\n")
            elif isinstance(event, ProductsShown):
                if not at_line_start:
                    echo("")
                for card in event.items:
                    echo(_card_line(card))
                at_line_start = True
            elif isinstance(event, Suggestions):
                if not at_line_start:
                    echo("")
                echo("  try: " + " | ".join(event.items))
                at_line_start = True
            elif isinstance(event, TurnDone):
                state = event.state
                if args.verbose_turns:
                    echo_json(event.record.model_dump(mode="json"))
        echo("")
        history += [
            {"role": "user", "content": message},
            {"role": "assistant", "content": "".join(text)},
        ]


def _chat(args: argparse.Namespace) -> int:
    from assistant import AssistantError
    from retrieval import RetrievalError

    try:
        return asyncio.run(_chat_loop(args))
    except (RetrievalError, AssistantError) as e:
        echo(f"error: {e.message}", err=True)
        return 1


async def _eval_run(args: argparse.Namespace) -> int:
    from assistant import build_assistant
    from assistant.evaluate import load_suite, run_suite
    from web.chat.client import socket_chats

    if not args.suite.exists():
        echo(f"error: {args.suite} does not exist", err=True)
        return 2
    suite = load_suite(args.suite)
    settings, rs, cs = _settings(args)
    # The catalog and policies the answers are audited against are the data dir's, whoever
    # answers: this process's assistant, or the instance behind `--websocket`.
    assistant = build_assistant(settings, rs, cs)
    if args.websocket:
        with _served_records(args) as console:
            report = await run_suite(
                assistant, suite, chats=socket_chats(args.websocket, console=console)
            )
    else:
        assistant.warm()
        report = await run_suite(assistant, suite)
    if args.json:
        echo_json(report.summary())
        return 0
    for o in report.outcomes:
        if o.failures or o.violations:
            echo(f"FAIL {o.dialogue}#{o.turn} {o.user!r}: {'; '.join(o.failures + o.violations)}")
    echo(
        f"{report.suite}: {report.dialogues} dialogues, {report.turns} turns, {report.brain} brain"
    )
    echo(f"  constraint satisfaction  {report.constraint_satisfaction:.1%}")
    echo(f"  all expectations         {report.all_expectations:.1%}")
    if report.intent_accuracy is not None:
        echo(f"  intent accuracy          {report.intent_accuracy:.1%}")
    if report.tool_accuracy is not None:
        echo(f"  tool accuracy            {report.tool_accuracy:.1%}")
    echo(f"  grounding violations     {report.grounding_violations}")
    echo(f"  guard corrections        {report.corrections}")
    echo(f"  fallbacks to offline     {report.fallbacks}")
    lat, first = report.latency_ms, report.first_event_ms
    echo(f"  turn latency ms          p50 {lat['p50']:.1f}  p95 {lat['p95']:.1f}")
    echo(f"  first event ms           p50 {first['p50']:.2f}  p95 {first['p95']:.2f}")
    return 0 if report.grounding_violations == 0 else 1


@contextlib.contextmanager
def _served_records(args: argparse.Namespace) -> Iterator[TranscriptConsole | None]:
    """The served instance's transcript store (`AISLE_WEB_DATABASE_URL`, else the SQLite file
    of `--data-dir`), where each turn's record (intent, tools) is read; None when absent."""
    from web.settings import WebSettings
    from web.store import TranscriptConsole, make_transcript_store

    web = WebSettings(**({"data_dir": args.data_dir} if args.data_dir is not None else {}))
    if web.database_url is None and not (web.web_dir / "transcripts.db").exists():
        echo(
            f"note: no transcripts in {web.web_dir}: turn records are unknown, so intent and "
            "tool expectations fail (give the served instance's --data-dir)",
            err=True,
        )
        yield None
        return
    store = make_transcript_store(web, migrate_schema=False)
    try:
        yield TranscriptConsole(store)
    finally:
        store.close()


def _eval(args: argparse.Namespace) -> int:
    from assistant import AssistantError
    from retrieval import RetrievalError
    from web.errors import WebError
    from web.store import TranscriptError

    try:
        return asyncio.run(_eval_run(args))
    except (WebError, TranscriptError) as e:
        echo(f"error: {e}", err=True)
        return 1
    except (RetrievalError, AssistantError) as e:
        echo(f"error: {e.message}", err=True)
        return 1


def _serve(args: argparse.Namespace) -> int:
    # The pod's own entrypoint (`python -m assistant`), with the options on its settings.
    from assistant.__main__ import main
    from web.cli.serve import bind_options

    settings, rs, cs = _settings(args, **bind_options(args))
    main(settings, rs, cs)
    return 0


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data-dir", type=Path, help="data dir of the demo (holds retrieval/, recsys/)")
    p.add_argument("--brain", choices=["offline", "openai"], help="override AISLE_ASSISTANT_BRAIN")


def add_commands(groups: CommandGroups) -> None:
    """Add the assistant's commands."""
    p = groups.root.add_parser("chat", help="chat with the assistant in the terminal (stdin)")
    p.add_argument("--user-id", help="chat as this signed-in shopper")
    p.add_argument("--verbose-turns", action="store_true", help="print each turn's record")
    _common(p)
    p.set_defaults(func=_chat)

    p = groups.eval.add_parser("chat", help="run scripted dialogues and score the answers")
    p.add_argument("--suite", type=Path, default=DEMO_SUITE, help="YAML or JSON dialogue suite")
    p.add_argument("--json", action="store_true")
    p.add_argument(
        "--websocket",
        metavar="URL",
        help="ask a served instance (ws://host:port/ws/chat) instead of this process; "
        "--data-dir is then the one it serves (catalog, policies and turn records)",
    )
    _common(p)
    p.set_defaults(func=_eval)

    p = groups.serve.add_parser("assistant", help="the assistant pod's HTTP API (NDJSON turns)")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    _common(p)
    p.set_defaults(func=_serve)
