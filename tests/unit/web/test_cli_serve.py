"""`aisle serve` does what it is told, and the docs a user's clone has say what the protocol is."""

from __future__ import annotations

import importlib
import os
import re
import runpy
import sys
from pathlib import Path
from typing import Any

import pytest

from web.chat.protocol import CLIENT_TYPES, SERVER_FRAMES
from web.cli import build_parser, main
from web.cli.serve import _settings, merge_shared_options

ROOT = Path(__file__).resolve().parents[3]


def _parse(*argv: str) -> object:
    parser = build_parser()
    args = parser.parse_args(list(argv))
    merge_shared_options(parser, args)
    return args


@pytest.mark.parametrize(
    "argv",
    [
        ("serve", "--port", "23456", "web"),
        ("serve", "web", "--port", "23456"),
        ("serve", "--port", "23456", "web", "--port", "23456"),
        ("serve", "--port", "23456"),
    ],
)
def test_the_port_is_honoured_before_or_after_the_part(argv: tuple[str, ...]) -> None:
    assert _settings(_parse(*argv)).port == 23456  # type: ignore[arg-type]


def test_options_before_the_part_reach_it(tmp_path: Path) -> None:
    args = _parse("serve", "--host", "0.0.0.0", "--data-dir", str(tmp_path), "--demo", "web")
    settings = _settings(args)  # type: ignore[arg-type]
    assert (settings.host, settings.data_dir, settings.demo) == ("0.0.0.0", tmp_path, True)
    assert _parse("serve", "--port", "8101", "retrieval").port == 8101  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (("serve", "--port", "1", "web", "--port", "2"), "--port given twice"),
        (("serve", "--no-demo-data", "retrieval"), "does not take --no-demo-data"),
        (("serve", "--demo", "recsys"), "does not take --demo"),
    ],
)
def test_options_a_part_cannot_take_are_refused_by_name(
    argv: tuple[str, ...], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        _parse(*argv)
    assert exited.value.code == 2
    assert says in capsys.readouterr().err


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[dict[str, Any]]:
    """What uvicorn was asked to serve (nothing is served), with no AISLE_* from outside."""
    for key in [k for k in os.environ if k.startswith("AISLE_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("AISLE_WEB_DATA_DIR", str(tmp_path))
    runs: list[dict[str, Any]] = []
    monkeypatch.setattr("uvicorn.run", lambda app, **options: runs.append(options))
    return runs


def _entrypoint_calls(monkeypatch: pytest.MonkeyPatch, part: str) -> list[object]:
    module = importlib.import_module(f"{part}.__main__")
    calls: list[object] = []
    real = module.main

    def recorded(*args: Any, **kwargs: Any) -> Any:
        calls.append(args[0] if args else None)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, "main", recorded)
    return calls


@pytest.mark.parametrize("part", ["web", "retrieval", "recsys", "assistant"])
@pytest.mark.parametrize("where", ["before", "after"])
def test_serve_part_is_the_parts_own_entrypoint(
    part: str, where: str, served: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The chart's `aisle serve <part>` and `python -m <part>` start a pod one way."""
    calls = _entrypoint_calls(monkeypatch, part)
    port = ["--port", "23457"]
    demo = ["--demo"] if part == "web" else []
    argv = ["serve", *port, *demo, part] if where == "before" else ["serve", part, *port, *demo]
    assert main(argv) == 0
    assert len(calls) == 1, f"aisle serve {part} did not run {part}.__main__.main"
    assert getattr(calls[0], "port", None) == 23457, "the options reach the entrypoint"
    assert [run["port"] for run in served] == [23457]


def test_python_m_web_takes_the_options_of_aisle_serve_web(
    served: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _entrypoint_calls(monkeypatch, "web")
    monkeypatch.setattr(sys, "argv", ["web", "--port", "23458", "--demo"])
    with pytest.raises(SystemExit) as exited:
        runpy.run_path(str(ROOT / "web" / "__main__.py"), run_name="__main__")
    assert exited.value.code == 0 and len(calls) == 1
    assert [run["port"] for run in served] == [23458]


def test_protocol_v1_is_documented_beside_its_schema() -> None:
    doc = (ROOT / "web" / "chat" / "PROTOCOL.md").read_text()
    assert "protocol.schema.json" in doc
    for type_ in [*CLIENT_TYPES, *SERVER_FRAMES]:
        assert f"`{type_}`" in doc, type_
    for code in ("1000", "1008", "4400", "4401"):
        assert code in doc


@pytest.mark.parametrize("page", ["README.md", "web/static/README.md", "web/staff/README.md"])
def test_the_readmes_link_only_to_files_in_the_repository(page: str) -> None:
    path = ROOT / page
    links = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", path.read_text())
    local = [link for link in links if "://" not in link]
    missing = [link for link in local if not (path.parent / link).exists()]
    assert not missing, f"{page} links to files a clone does not have: {missing}"
    assert not [link for link in local if "shared/" in link], "a developer-only file"
