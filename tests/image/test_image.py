"""The built image, run as the chart runs it: every pod's command inside the image root.

`make image-test` builds the image, then runs this module with AISLE_IMAGE set. Each
container of `helm template charts/aisle` (the chart's defaults, with SQLite and memory in
place of the bundled PostgreSQL and Redis) runs from the image's own root filesystem,
read-only, as the pod's user, with the image's ENV overlaid by the container's rendered
environment and its volumes bind-mounted at their mount paths. Where a container engine
cannot start containers (here `podman run` cannot set rlimits) the root comes from
`podman image mount` and `.ci/image/chroot-run` plays the engine: a private mount
namespace and `chroot --userspec`. Addresses and ports are translated exactly as in
tests/integration/test_topology.py (the same LocalCluster); paths are the image's own.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.processes import LocalCluster, LocalContainer, run_job, serve
from tests.integration.test_topology import _chat
from tests.unit.charts.render import ROOT, Rendered, container_env, pod_template, render

IMAGE = os.environ.get("AISLE_IMAGE", "")
RUNNER = ROOT / ".ci" / "image" / "chroot-run"
ARTIFACTS = ROOT / "test-artifacts" / "image"
# The chart's defaults (no demo mode), made to fit one machine: SQLite and in-memory
# sessions for the one web replica, the install-time training seeded with the demo shop's
# purchases. The web signing key is a fresh strong one, as the chart's Secret would hold.
SETS = (
    "postgresql.enabled=false",
    "redis.enabled=false",
    "transcripts.purge.enabled=false",
    "training.initialJob.enabled=true",
    "recsys.interactionsPath=/app/data/demo/interactions.parquet",
)
PARTS = ("retrieval", "recsys", "assistant", "web")

pytestmark = pytest.mark.skipif(
    not IMAGE, reason="runs in `make image-test`, which builds the image and sets AISLE_IMAGE"
)


@dataclass
class Image:
    """A mounted image: its root directory and the config a container engine reads."""

    name: str
    root: Path
    env: dict[str, str]
    entrypoint: list[str]
    cmd: list[str]
    workdir: str
    user: str

    def home_of(self, uid: int) -> str:
        """The home an engine gives a user it finds in the image's /etc/passwd, else /."""
        for line in (self.root / "etc" / "passwd").read_text().splitlines():
            fields = line.split(":")
            if len(fields) > 5 and fields[2] == str(uid):
                return fields[5]
        return "/"


def _podman(*args: str) -> str:
    proc = subprocess.run(
        ["podman", *args], capture_output=True, text=True, timeout=300, check=False
    )
    assert proc.returncode == 0, f"podman {' '.join(args)}: {proc.stderr}"
    return proc.stdout


@pytest.fixture(scope="module")
def image() -> Iterator[Image]:
    (info,) = json.loads(_podman("image", "inspect", IMAGE))
    config = info["Config"]
    root = Path(_podman("image", "mount", IMAGE).strip())
    try:
        yield Image(
            name=IMAGE,
            root=root,
            env=dict(item.split("=", 1) for item in config.get("Env") or []),
            entrypoint=list(config.get("Entrypoint") or []),
            cmd=list(config.get("Cmd") or []),
            workdir=config.get("WorkingDir") or "/",
            user=config.get("User") or "0",
        )
    finally:
        _podman("image", "unmount", IMAGE)


def _in_image(
    image: Image, *argv: str, user: str = "10001:10001"
) -> subprocess.CompletedProcess[str]:
    """One command in the image's read-only root, with the image's ENV only."""
    return subprocess.run(
        [str(RUNNER), "--root", str(image.root), "--user", user, "--read-only", "--", *argv],
        env=image.env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


# The one module allowed to miss libraries: implicit's GPU backend links CUDA, which a
# CPU image leaves out on purpose; implicit imports it only to find out whether a GPU is
# there (the test below proves that it then says no, and trains on the CPU).
WITHOUT_CUDA = re.compile(r"/site-packages/implicit/gpu/_cuda\.[^/]*so$")


def _ldd(image: Image) -> dict[str, dict[str, str]]:
    """`ldd` over every shared object in the venv (and its python): object -> lib -> path."""
    proc = _in_image(
        image,
        "/bin/sh",
        "-c",
        "find /opt/venv -type f -name '*.so*' -exec ldd {} + ; ldd /opt/venv/bin/python",
    )
    resolved: dict[str, dict[str, str]] = {}
    current = "/opt/venv/bin/python"  # the last `ldd` has one file: no header line
    for line in (proc.stdout + proc.stderr).splitlines():
        if not line.startswith(("\t", " ")) and line.endswith(":"):
            current = line[:-1]
            resolved.setdefault(current, {})
            continue
        m = re.match(r"\s+(\S+) => (.+?)(?: \(0x[0-9a-f]+\))?$", line)
        if m:
            path = m.group(2)
            resolved.setdefault(current, {})[m.group(1)] = (
                path if path == "not found" else os.path.normpath(path)
            )
    return resolved


def test_no_shared_object_in_the_venv_points_at_a_missing_library(image: Image) -> None:
    resolved = _ldd(image)
    missing: dict[str, list[str]] = {}
    for obj, libs in resolved.items():
        lost = [lib for lib, path in libs.items() if path == "not found"]
        # A wheel's bundled library (auditwheel's *.libs/) may find its own siblings only
        # through the RPATH of the module that loads it, as the dynamic linker does at run
        # time: it counts as missing unless every object that loads it resolves it.
        users = [libs_ for libs_ in resolved.values() if obj in libs_.values()]
        lost = [lib for lib in lost if not users or any(u[lib] == "not found" for u in users)]
        if lost and not WITHOUT_CUDA.search(obj):
            missing[obj] = lost
    assert not missing, f"shared objects whose libraries the image lacks: {missing}"
    # The check saw the wheels' compiled parts, and the library this issue was about.
    assert len(resolved) > 100, f"only {len(resolved)} shared objects checked"
    (als,) = [libs for path, libs in resolved.items() if re.search(r"implicit/cpu/_als\.", path)]
    assert als.get("libgomp.so.1", "not found").startswith("/"), als


def test_implicit_without_cuda_says_so_and_trains_on_the_cpu(image: Image) -> None:
    script = (
        "import implicit.gpu, implicit.als, scipy.sparse as s; "
        "m = implicit.als.AlternatingLeastSquares(factors=4, iterations=2); "
        "m.fit(s.random(20, 30, density=0.3, format='csr', random_state=0)); "
        "print(implicit.gpu.HAS_CUDA, type(m).__module__)"
    )
    proc = _in_image(image, "python", "-c", script)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split() == ["False", "implicit.cpu.als"], proc.stdout


def test_the_root_is_read_only_and_the_user_is_the_charts(image: Image) -> None:
    proc = _in_image(
        image,
        "python",
        "-c",
        "import os; print(os.getuid(), os.getgid()); open('/app/written', 'w')",
    )
    assert proc.stdout.split() == ["10001", "10001"], proc.stderr
    assert proc.returncode != 0 and "Read-only file system" in proc.stderr, proc.stderr
    assert image.user == "10001:10001"


class ImageCluster(LocalCluster):
    """LocalCluster, with each container run from the image root instead of this checkout."""

    def __init__(self, rendered: Rendered, root: Path, image: Image) -> None:
        super().__init__(rendered, root)
        self.image = image

    def _localize(self, value: str, mounts: dict[str, Path]) -> str:
        # Only Service addresses change; mount paths and /app are the image's own.
        for name, (port, local) in self.services.items():
            value = re.sub(
                rf"(https?|wss?)://{re.escape(name)}:{port}\b", rf"\1://127.0.0.1:{local}", value
            )
        return value

    def container(self, obj: dict[str, Any], name: str | None = None) -> LocalContainer:
        local = super().container(obj, name)
        spec = pod_template(obj)["spec"]
        every = [*spec.get("initContainers", []), *spec["containers"]]
        c = next(c for c in every if name is None or c["name"] == name)
        security = {**spec.get("securityContext", {}), **c.get("securityContext", {})}
        assert security.get("readOnlyRootFilesystem"), f"{local.pod}: root filesystem not read-only"
        uid = int(security.get("runAsUser", self.image.user.split(":")[0]))
        gid = int(security.get("runAsGroup", uid))
        mounts = self._mounts(local.pod, spec, c)
        for host in mounts.values():
            # As the kubelet leaves an emptyDir (and fsGroup a claim): writable by the pod.
            os.chown(host, uid, int(spec.get("securityContext", {}).get("fsGroup", gid)))

        # What the runtime runs: `command` or the ENTRYPOINT, then `args` or the CMD.
        if "command" in c:
            argv = [c["command"][0], *local.argv[1:]]
        else:
            argv = [*self.image.entrypoint, *(local.argv[1:] if "args" in c else self.image.cmd)]
        # The image's ENV, overlaid by the container's (translated) env, and the HOME an
        # engine sets when neither names one.
        env = dict(self.image.env)
        env.update({key: local.env[key] for key in container_env(self.rendered, c)})
        env.setdefault("HOME", self.image.home_of(uid))
        binds = [w for path, host in mounts.items() for w in ("--bind", f"{host}:{path}")]
        runner = [str(RUNNER), "--root", str(self.image.root), "--user", f"{uid}:{gid}"]
        runner += ["--workdir", c.get("workingDir", self.image.workdir), "--read-only", *binds]
        return LocalContainer(
            pod=local.pod,
            argv=[*runner, "--", *argv],
            env=env,
            cwd=self.root,
            url=local.url,
            ready_path=local.ready_path,
            log=local.log,
            translated=local.translated,
        )


def _probe_paths(obj: dict[str, Any]) -> set[str]:
    (c,) = pod_template(obj)["spec"]["containers"]
    return {c[p]["httpGet"]["path"] for p in ("startupProbe", "livenessProbe", "readinessProbe")}


@pytest.mark.slow
@pytest.mark.timeout(2400)  # embedding the 4,064-product demo catalog takes minutes on 2 cores
def test_every_pod_of_the_chart_runs_from_the_image_and_a_chat_works(
    image: Image, tmp_path: Path
) -> None:
    rendered = render(None, (*SETS, f"secrets.webSecretKey={secrets.token_urlsafe(48)}"))
    cluster = ImageCluster(rendered, tmp_path, image)
    assert cluster.rendered.get("ConfigMap", "shop-aisle-web")["data"]["AISLE_WEB_DEMO"] == "false"
    chroma_obj = rendered.component("StatefulSet", "chroma")
    part_objs = {p: rendered.component("Deployment", p) for p in PARTS}
    for obj in part_objs.values():
        assert _probe_paths(obj) == {"/healthz", "/readyz"}, obj["metadata"]["name"]

    ready_s: dict[str, float] = {}
    job_s: dict[str, float] = {}
    with ExitStack() as running:
        # One pod at a time in the order the parts need each other, so that each start
        # is timed on its own: Chroma, the two Jobs, then the parts.
        pods = {"chroma": cluster.container(chroma_obj)}
        started = time.monotonic()
        running.enter_context(serve([pods["chroma"]], timeout=180))
        ready_s["chroma"] = time.monotonic() - started

        started = time.monotonic()
        report = run_job(cluster.container(rendered.component("Job", "ingest")), timeout=1500)
        job_s["ingest"] = time.monotonic() - started
        assert "4064 products live" in report, report[-2000:]
        started = time.monotonic()
        run_job(cluster.container(rendered.component("Job", "train")), timeout=900)
        job_s["train"] = time.monotonic() - started

        for part in PARTS:
            pods[part] = cluster.container(part_objs[part])
            started = time.monotonic()
            running.enter_context(serve([pods[part]], timeout=420))
            ready_s[part] = time.monotonic() - started

        # Every probe the chart gives each pod answers 200 from the running image.
        for part, obj in [("chroma", chroma_obj), *part_objs.items()]:
            for path in sorted(_probe_paths(obj)):
                response = httpx.get(f"{pods[part].url}{path}", timeout=10)
                assert response.status_code == 200, (part, path, response.text[:300])

        # A chat through web's websocket, answered by the assistant over HTTP with
        # retrieval's products; then the chart's own `helm test` pod, from the image.
        _chat(pods["web"])
        check = cluster.container(rendered.component("Pod", "test"))
        proc = subprocess.run(
            check.argv, env=check.env, capture_output=True, text=True, timeout=300, check=False
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert "products shown for 'show me candles'" in proc.stdout, proc.stdout

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    facts = {"image": image.name, "ready_s": ready_s, "job_s": job_s}
    (ARTIFACTS / "timings.json").write_text(json.dumps(facts, indent=2) + "\n")
