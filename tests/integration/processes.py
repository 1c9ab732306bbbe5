"""Run the containers of a rendered chart as local processes: one process per pod.

Each container gets exactly the environment the manifests give it (its ConfigMap, its
Secret references, its own `env`), translated only where a laptop differs from a
cluster: Service DNS names become 127.0.0.1 and a free port, volume mount paths become
folders under a temporary directory (one per emptyDir, one per claim, so that pods
sharing a claim share the folder), and the image's /app is this checkout.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.integration.servers import free_port
from tests.unit.charts.render import ROOT, Rendered, container_env, pod_template

BIN = Path(sys.executable).parent
# What the image's ENTRYPOINT runs, and the interpreters a `command` may name.
EXECUTABLES = {"aisle": BIN / "aisle", "python": Path(sys.executable), "chroma": BIN / "chroma"}
IMAGE_ROOT = "/app"


@dataclass
class LocalContainer:
    """One container of the chart, as a command line for this machine."""

    pod: str
    argv: list[str]
    env: dict[str, str]
    cwd: Path
    url: str | None = None
    ready_path: str | None = None
    log: Path | None = None
    translated: dict[str, tuple[str, str]] = field(default_factory=dict)


class LocalCluster:
    """The Services, volumes and containers of one `helm template` output."""

    def __init__(self, rendered: Rendered, root: Path) -> None:
        self.rendered = rendered
        self.root = root
        # Service name -> (its port, the local port standing in for it).
        self.services: dict[str, tuple[int, int]] = {}
        for svc in rendered.by_kind.get("Service", []):
            (port,) = svc["spec"]["ports"]
            self.services[svc["metadata"]["name"]] = (port["port"], free_port())

    def _service_of(self, labels: dict[str, str]) -> str | None:
        for svc in self.rendered.by_kind.get("Service", []):
            if all(labels.get(k) == v for k, v in svc["spec"]["selector"].items()):
                return str(svc["metadata"]["name"])
        return None

    def _mounts(
        self, pod_name: str, spec: dict[str, Any], container: dict[str, Any]
    ) -> dict[str, Path]:
        volumes = {v["name"]: v for v in spec.get("volumes", [])}
        mounts: dict[str, Path] = {}
        for mount in container.get("volumeMounts", []):
            volume = volumes.get(mount["name"], {})
            if "persistentVolumeClaim" in volume:
                local = self.root / "claims" / volume["persistentVolumeClaim"]["claimName"]
            else:
                local = self.root / "pods" / pod_name / mount["name"]
            local.mkdir(parents=True, exist_ok=True)
            mounts[mount["mountPath"]] = local
        return mounts

    def _localize(self, value: str, mounts: dict[str, Path]) -> str:
        for name, (port, local) in self.services.items():
            value = re.sub(
                rf"(https?|wss?)://{re.escape(name)}:{port}\b", rf"\1://127.0.0.1:{local}", value
            )
        for path in sorted(mounts, key=len, reverse=True):
            if value == path or value.startswith(path + "/"):
                return str(mounts[path]) + value[len(path) :]
        if value == IMAGE_ROOT or value.startswith(IMAGE_ROOT + "/"):
            return str(ROOT) + value[len(IMAGE_ROOT) :]
        return value

    def container(self, obj: dict[str, Any], name: str | None = None) -> LocalContainer:
        """The local form of container `name` (default: the first) of a workload."""
        tpl = pod_template(obj)
        spec = tpl["spec"]
        every = [*spec.get("initContainers", []), *spec["containers"]]
        container = next(c for c in every if name is None or c["name"] == name)
        pod_name = f"{obj['metadata']['name']}-{container['name']}"
        mounts = self._mounts(pod_name, spec, container)
        service = self._service_of(tpl["metadata"]["labels"])
        own_port = {p["containerPort"] for p in container.get("ports", [])}
        local_port = self.services[service][1] if service else None

        translated: dict[str, tuple[str, str]] = {}
        env: dict[str, str] = {}
        for key, value in container_env(self.rendered, container).items():
            new = self._localize(value, mounts)
            if key.endswith("_HOST") and value == "0.0.0.0":
                new = "127.0.0.1"
            elif (
                key.endswith("_PORT") and local_port and value.isdigit() and int(value) in own_port
            ):
                new = str(local_port)
            if new != value:
                translated[key] = (value, new)
            env[key] = new

        words = [*container.get("command", ["aisle"]), *container.get("args", [])]
        argv = [str(EXECUTABLES.get(words[0], words[0]))]
        for i, word in enumerate(words[1:], start=1):
            if words[i - 1] == "--port" and local_port:
                word = str(local_port)
            elif words[i - 1] == "--host" and word == "0.0.0.0":
                word = "127.0.0.1"
            argv.append(self._localize(word, mounts))

        cwd = mounts.get(container.get("workingDir", IMAGE_ROOT), ROOT)
        probe = container.get("readinessProbe", {}).get("httpGet", {})
        return LocalContainer(
            pod=pod_name,
            # Nothing from the shell running the tests leaks in: only the chart's env.
            env={"PATH": f"{BIN}:/usr/bin:/bin", "LANG": "C.UTF-8", **env},
            argv=argv,
            cwd=cwd,
            url=f"http://127.0.0.1:{local_port}" if local_port else None,
            ready_path=probe.get("path"),
            log=self.root / "logs" / f"{pod_name}.log",
            translated=translated,
        )


def _tail(path: Path | None, lines: int = 40) -> str:
    if path is None or not path.exists():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def run_job(job: LocalContainer, timeout: float) -> str:
    """Run a Job's container to completion; its output, or an error with the log tail."""
    assert job.log is not None
    job.log.parent.mkdir(parents=True, exist_ok=True)
    with job.log.open("wb") as log:
        proc = subprocess.run(
            job.argv,
            env=job.env,
            cwd=job.cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=timeout,
            check=False,
        )
    output = job.log.read_text(errors="replace")
    if proc.returncode != 0:
        command = " ".join(job.argv[:3])
        raise AssertionError(
            f"{job.pod} (`{command} ...`) exited {proc.returncode}:\n{_tail(job.log)}"
        )
    return output


@contextmanager
def serve(pods: list[LocalContainer], timeout: float = 300.0) -> Iterator[None]:
    """Start the pods together and wait until each answers its readiness probe."""
    procs: list[tuple[LocalContainer, subprocess.Popen[bytes]]] = []
    try:
        for pod in pods:
            assert pod.log is not None and pod.url is not None and pod.ready_path
            pod.log.parent.mkdir(parents=True, exist_ok=True)
            procs.append(
                (
                    pod,
                    subprocess.Popen(
                        pod.argv,
                        env=pod.env,
                        cwd=pod.cwd,
                        stdout=pod.log.open("wb"),
                        stderr=subprocess.STDOUT,
                    ),
                )
            )
        deadline = time.monotonic() + timeout
        for pod, proc in procs:
            _wait_ready(pod, proc, deadline)
        yield
    finally:
        for _, proc in procs:
            proc.terminate()
        for _, proc in procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()


def _wait_ready(pod: LocalContainer, proc: subprocess.Popen[bytes], deadline: float) -> None:
    url = f"{pod.url}{pod.ready_path}"
    last = "no answer"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(
                f"{pod.pod} (`{' '.join(pod.argv[:3])}`) exited {proc.returncode} before it was "
                f"ready:\n{_tail(pod.log)}"
            )
        try:
            response = httpx.get(url, timeout=2.0)
            if response.status_code == 200:
                return
            last = f"{response.status_code} {response.text[:200]}"
        except httpx.HTTPError as e:
            last = type(e).__name__
        time.sleep(0.5)
    raise AssertionError(f"{pod.pod} not ready at {url} ({last}):\n{_tail(pod.log)}")
