"""Render charts/aisle with the real helm binary and read the objects it makes."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
CHART = ROOT / "charts" / "aisle"
VALUES_FILES = {
    "default": None,
    "demo": CHART / "values-demo.yaml",
    "production": CHART / "values-production.yaml",
}
RELEASE = "shop"
NAMESPACE = "aisle"
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "Job", "CronJob", "Pod")


def helm_binary() -> str:
    """The helm that `make tools` installs (or one on PATH); fails, never skips, without it."""
    found = shutil.which("helm") or str(ROOT / ".tools" / "bin" / "helm")
    if not os.access(found, os.X_OK):
        pytest.fail("helm is missing: run `make tools` (it installs helm into .tools/bin)")
    return found


def helm(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run helm; a failure shows helm's own message."""
    proc = subprocess.run(
        [helm_binary(), *args], capture_output=True, text=True, timeout=120, check=False
    )
    if check and proc.returncode != 0:
        pytest.fail(f"helm {' '.join(args)} failed:\n{proc.stderr}{proc.stdout}")
    return proc


def template_args(values: str | None = None, sets: Iterable[str] = ()) -> list[str]:
    """`helm template` arguments for one of VALUES_FILES (by name) and --set overrides."""
    args = ["template", RELEASE, str(CHART), "--namespace", NAMESPACE]
    path = VALUES_FILES[values] if values else None
    if path is not None:
        args += ["-f", str(path)]
    for s in sets:
        args += ["--set", s]
    return args


@dataclass
class Rendered:
    """The objects one `helm template` made."""

    objects: list[dict[str, Any]]
    by_kind: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for obj in self.objects:
            self.by_kind.setdefault(obj["kind"], []).append(obj)

    def get(self, kind: str, name: str) -> dict[str, Any]:
        for obj in self.by_kind.get(kind, []):
            if obj["metadata"]["name"] == name:
                return obj
        raise KeyError(f"no {kind} {name}; have {[o['metadata']['name'] for o in self.objects]}")

    def component(self, kind: str, component: str) -> dict[str, Any]:
        """The one object of `kind` labelled with `component`."""
        found = [
            o
            for o in self.by_kind.get(kind, [])
            if o["metadata"].get("labels", {}).get("app.kubernetes.io/component") == component
        ]
        assert len(found) == 1, f"{len(found)} {kind} objects for component {component}"
        return found[0]

    def secret_data(self, name: str) -> dict[str, str]:
        secret = self.get("Secret", name)
        data = dict(secret.get("stringData") or {})
        for key, value in (secret.get("data") or {}).items():
            data[key] = base64.b64decode(value).decode()
        return data


@cache
def _render_text(args: tuple[str, ...]) -> str:
    return helm(*args).stdout


def render(values: str | None = None, sets: Iterable[str] = ()) -> Rendered:
    """Render the chart (cached per arguments) and parse every object."""
    text = _render_text(tuple(template_args(values, sets)))
    return Rendered([d for d in yaml.safe_load_all(text) if d])


def pod_template(obj: dict[str, Any]) -> dict[str, Any]:
    """The pod template (metadata + spec) of a workload object."""
    kind = obj["kind"]
    if kind == "Pod":
        return {"metadata": obj["metadata"], "spec": obj["spec"]}
    if kind == "CronJob":
        return dict(obj["spec"]["jobTemplate"]["spec"]["template"])
    return dict(obj["spec"]["template"])


def workloads(rendered: Rendered) -> Iterator[dict[str, Any]]:
    for kind in WORKLOAD_KINDS:
        yield from rendered.by_kind.get(kind, [])


def containers(pod: dict[str, Any]) -> list[dict[str, Any]]:
    """Init containers and containers of a pod template."""
    spec = pod["spec"]
    return [*spec.get("initContainers", []), *spec["containers"]]


def container_env(
    rendered: Rendered, container: dict[str, Any], secrets: dict[str, dict[str, str]] | None = None
) -> dict[str, str]:
    """The environment Kubernetes would give a container: envFrom first, then env.

    Secret references resolve against the chart's rendered Secrets (and `secrets`, for
    Secrets the chart expects to exist); a missing optional key is left out.
    """
    secrets = dict(secrets or {})
    for secret in rendered.by_kind.get("Secret", []):
        secrets.setdefault(
            secret["metadata"]["name"], rendered.secret_data(secret["metadata"]["name"])
        )
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            env.update(rendered.get("ConfigMap", source["configMapRef"]["name"])["data"])
        elif "secretRef" in source:
            env.update(secrets[source["secretRef"]["name"]])
    for item in container.get("env", []):
        if "value" in item:
            env[item["name"]] = str(item["value"])
            continue
        ref = item["valueFrom"]
        if "configMapKeyRef" in ref:
            r = ref["configMapKeyRef"]
            env[item["name"]] = rendered.get("ConfigMap", r["name"])["data"][r["key"]]
        elif "secretKeyRef" in ref:
            r = ref["secretKeyRef"]
            if r["name"] not in secrets:
                # A Secret the operator creates (existingSecret): stand in for its value.
                env[item["name"]] = f"secret:{r['name']}/{r['key']}"
                continue
            value = secrets[r["name"]].get(r["key"])
            if value is None:
                assert r.get("optional"), f"{item['name']}: secret {r['name']}/{r['key']} missing"
                continue
            env[item["name"]] = value
        else:
            raise AssertionError(f"unsupported env source {ref}")
    return env
