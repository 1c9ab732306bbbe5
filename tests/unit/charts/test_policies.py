"""Policies over the rendered objects: probes, resources, security, selectors, HPAs,
NetworkPolicies, settings and the commands each container runs."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

import pytest

from tests.unit.charts.render import (
    CHART,
    ROOT,
    VALUES_FILES,
    Rendered,
    container_env,
    containers,
    pod_template,
    render,
    workloads,
)

VALUES = list(VALUES_FILES)
PARTS = {"web": 8000, "retrieval": 8001, "assistant": 8002, "recsys": 8003}
LONG_RUNNING = ("Deployment", "StatefulSet")


def _component(obj: dict[str, Any]) -> str:
    return str(pod_template(obj)["metadata"]["labels"]["app.kubernetes.io/component"])


def _name(obj: dict[str, Any]) -> str:
    return f"{obj['kind']}/{obj['metadata']['name']}"


def _matches(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


# -- containers ------------------------------------------------------------------------


@pytest.mark.parametrize("values", VALUES)
def test_every_long_running_container_has_all_three_probes(values: str) -> None:
    for obj in render(values).objects:
        if obj["kind"] not in LONG_RUNNING:
            continue
        for c in pod_template(obj)["spec"]["containers"]:
            for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
                assert probe in c, f"{_name(obj)} {c['name']} has no {probe}"


@pytest.mark.parametrize("values", VALUES)
def test_parts_probe_their_real_health_endpoints_on_their_port(values: str) -> None:
    rendered = render(values)
    for part, port in PARTS.items():
        dep = rendered.component("Deployment", part)
        (c,) = pod_template(dep)["spec"]["containers"]
        ports = {p["name"]: p["containerPort"] for p in c["ports"]}
        assert ports == {"http": port}
        assert c["startupProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
        assert c["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
        assert c["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
        # The startup probe gives loading the model and the catalog minutes, not seconds.
        startup = c["startupProbe"]
        assert startup["periodSeconds"] * startup["failureThreshold"] >= 120
        env = container_env(rendered, c)
        prefix = f"AISLE_{part.upper()}_"
        assert env[prefix + "HOST"] == "0.0.0.0" and env[prefix + "PORT"] == str(port)


@pytest.mark.parametrize("values", VALUES)
def test_every_container_has_resources_and_a_locked_down_security_context(values: str) -> None:
    problems = []
    for obj in workloads(render(values)):
        pod = pod_template(obj)
        pod_sc = pod["spec"].get("securityContext", {})
        if pod_sc.get("runAsNonRoot") is not True or pod_sc.get("runAsUser", 0) == 0:
            problems.append(f"{_name(obj)}: pod may run as root")
        if pod_sc.get("seccompProfile", {}).get("type") != "RuntimeDefault":
            problems.append(f"{_name(obj)}: no RuntimeDefault seccomp profile")
        for c in containers(pod):
            where = f"{_name(obj)} {c['name']}"
            res = c.get("resources", {})
            for kind in ("requests", "limits"):
                if not {"cpu", "memory"} <= set(res.get(kind, {})):
                    problems.append(f"{where}: no cpu and memory {kind}")
            sc = c.get("securityContext", {})
            if sc.get("allowPrivilegeEscalation") is not False:
                problems.append(f"{where}: privilege escalation allowed")
            if sc.get("readOnlyRootFilesystem") is not True:
                problems.append(f"{where}: root filesystem writable")
            if sc.get("capabilities", {}).get("drop") != ["ALL"]:
                problems.append(f"{where}: capabilities not dropped")
            if sc.get("privileged", False) or sc.get("runAsUser", 1) == 0:
                problems.append(f"{where}: privileged or root")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("values", VALUES)
def test_every_path_an_aisle_container_writes_is_a_mounted_volume(values: str) -> None:
    """With a read-only root filesystem, caches and data dirs must lie on volumes."""
    rendered = render(values)
    for obj in workloads(rendered):
        pod = pod_template(obj)
        for c in containers(pod):
            if c["image"].startswith("docker.io/library/"):
                continue  # PostgreSQL and Redis: their own data paths, checked by mounts below
            mounts = [m["mountPath"] for m in c.get("volumeMounts", []) if not m.get("readOnly")]
            assert "/tmp" in mounts, f"{_name(obj)} {c['name']} has no writable /tmp"
            env = container_env(rendered, c)
            writable = [
                v
                for k, v in env.items()
                if k in {"HOME", "XDG_CACHE_HOME", "HF_HOME"} or k.endswith("_DATA_DIR")
            ]
            for path in writable:
                assert any(PurePosixPath(path).is_relative_to(m) for m in mounts), (
                    f"{_name(obj)} {c['name']} writes {path} outside its volumes {mounts}"
                )
    for part in ("postgresql", "redis"):
        if part in {_component(o) for o in rendered.by_kind.get("StatefulSet", [])}:
            sts = rendered.component("StatefulSet", part)
            (c,) = pod_template(sts)["spec"]["containers"]
            assert {m["name"] for m in c["volumeMounts"]} >= {"data"}


def test_only_the_rollout_step_of_training_gets_an_api_token() -> None:
    for values in VALUES:
        for obj in workloads(render(values)):
            pod = pod_template(obj)
            assert pod["spec"].get("automountServiceAccountToken") is False, _name(obj)
            for c in containers(pod):
                token = any(
                    m["mountPath"].startswith("/var/run/secrets/kubernetes.io")
                    for m in c.get("volumeMounts", [])
                )
                assert token == (c["name"] == "rollout"), f"{_name(obj)} {c['name']}"


def test_the_rollout_role_may_restart_recsys_and_nothing_else() -> None:
    rendered = render("production")
    role = rendered.component("Role", "train")
    recsys = rendered.component("Deployment", "recsys")["metadata"]["name"]
    assert role["rules"] == [
        {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["list"]},
        {
            "apiGroups": ["apps"],
            "resources": ["deployments"],
            "resourceNames": [recsys],
            "verbs": ["get", "patch"],
        },
    ]
    binding = rendered.component("RoleBinding", "train")
    cronjob = rendered.component("CronJob", "train")
    account = pod_template(cronjob)["spec"]["serviceAccountName"]
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": account, "namespace": "aisle"}
    ]
    assert binding["roleRef"]["name"] == role["metadata"]["name"]
    assert "Role" not in render("demo").by_kind


# -- selectors, Services, HPAs ---------------------------------------------------------


@pytest.mark.parametrize("values", VALUES)
def test_every_selector_matches_its_own_template(values: str) -> None:
    for obj in render(values).objects:
        if obj["kind"] in LONG_RUNNING:
            selector = obj["spec"]["selector"]["matchLabels"]
            labels = obj["spec"]["template"]["metadata"]["labels"]
            assert _matches(selector, labels), _name(obj)
            assert "app.kubernetes.io/component" in selector, _name(obj)
            for spread in obj["spec"]["template"]["spec"].get("topologySpreadConstraints", []):
                assert _matches(spread["labelSelector"]["matchLabels"], labels), _name(obj)


@pytest.mark.parametrize("values", VALUES)
def test_every_service_and_pdb_selects_pods_that_exist(values: str) -> None:
    rendered = render(values)
    pods = [
        pod_template(o) for o in rendered.by_kind["Deployment"] + rendered.by_kind["StatefulSet"]
    ]
    for svc in rendered.by_kind["Service"]:
        chosen = [p for p in pods if _matches(svc["spec"]["selector"], p["metadata"]["labels"])]
        assert len(chosen) == 1, f"{_name(svc)} selects {len(chosen)} workloads"
        ports = {p["name"] for c in chosen[0]["spec"]["containers"] for p in c["ports"]}
        for port in svc["spec"]["ports"]:
            assert port["targetPort"] in ports, f"{_name(svc)} targets a port no pod has"
    for pdb in rendered.by_kind["PodDisruptionBudget"]:
        selector = pdb["spec"]["selector"]["matchLabels"]
        assert sum(_matches(selector, p["metadata"]["labels"]) for p in pods) == 1, _name(pdb)


@pytest.mark.parametrize("values", VALUES)
def test_service_urls_in_the_config_point_at_rendered_services(values: str) -> None:
    rendered = render(values)
    services = {
        (s["metadata"]["name"], p["port"])
        for s in rendered.by_kind["Service"]
        for p in s["spec"]["ports"]
    }
    found = 0
    for cm in rendered.by_kind["ConfigMap"]:
        for key, value in cm["data"].items():
            m = re.fullmatch(r"http://([a-z0-9-]+):(\d+)", value)
            if m:
                found += 1
                assert (m.group(1), int(m.group(2))) in services, f"{key}={value}"
    assert found >= 7  # web -> 3 parts, assistant -> 2 parts, Chroma for two parts


def test_hpas_scale_deployments_that_leave_replicas_to_them() -> None:
    rendered = render("production")
    hpas = rendered.by_kind["HorizontalPodAutoscaler"]
    assert len(hpas) == 3
    for hpa in hpas:
        target = hpa["spec"]["scaleTargetRef"]
        assert target["kind"] == "Deployment" and target["apiVersion"] == "apps/v1"
        dep = rendered.get("Deployment", target["name"])
        # A fixed replicas field would fight the autoscaler on every upgrade.
        assert "replicas" not in dep["spec"], target["name"]
        # Utilisation targets are a share of the CPU request: there must be one.
        for c in dep["spec"]["template"]["spec"]["containers"]:
            assert c["resources"]["requests"]["cpu"]
        assert hpa["spec"]["minReplicas"] >= 2


# -- NetworkPolicies -------------------------------------------------------------------

EXTERNAL = "external"


@dataclass(frozen=True)
class Pod:
    component: str
    labels: tuple[tuple[str, str], ...]
    ports: frozenset[int]

    @property
    def label_map(self) -> dict[str, str]:
        return dict(self.labels)


def _pods(rendered: Rendered) -> dict[str, Pod]:
    pods: dict[str, Pod] = {}
    for obj in workloads(rendered):
        tpl = pod_template(obj)
        ports = frozenset(
            p["containerPort"] for c in tpl["spec"]["containers"] for p in c.get("ports", [])
        )
        labels = tuple(sorted(tpl["metadata"]["labels"].items()))
        pods[_component(obj)] = Pod(_component(obj), labels, ports)
    return pods


def _peer_allows(peers: list[dict[str, Any]] | None, other: Pod | str) -> bool:
    if peers is None:
        return True  # no from/to: everyone
    for peer in peers:
        assert "matchExpressions" not in peer.get("podSelector", {}), "evaluator: not supported"
        if "ipBlock" in peer or "namespaceSelector" in peer:
            if other == EXTERNAL:
                return True  # another namespace or an address: outside the release
        elif "podSelector" in peer and isinstance(other, Pod):
            if _matches(peer["podSelector"].get("matchLabels", {}), other.label_map):
                return True
    return False


def _allowed(
    policies: list[dict[str, Any]], pod: Pod, direction: str, other: Pod | str, port: int
) -> bool:
    """Whether the policies let `other` reach `pod` (Ingress) or `pod` reach `other` (Egress)."""
    key, peers_key = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
    selecting = [
        p
        for p in policies
        if _matches(p["spec"]["podSelector"].get("matchLabels", {}), pod.label_map)
        and direction in p["spec"]["policyTypes"]
    ]
    if not selecting:
        return True  # not isolated
    for policy in selecting:
        for rule in policy["spec"].get(key) or []:
            ports = rule.get("ports")
            if ports is not None and not any(p.get("port") == port for p in ports):
                continue
            if _peer_allows(rule.get(peers_key), other):
                return True
    return False


def _flows(values: str) -> tuple[set[tuple[str, str, int]], set[str]]:
    """Every (source, destination, port) the policies allow, and the pods that reach DNS."""
    rendered = render(values)
    policies = rendered.by_kind["NetworkPolicy"]
    pods = _pods(rendered)
    flows: set[tuple[str, str, int]] = set()
    for dst in pods.values():
        for port in dst.ports:
            if _allowed(policies, dst, "Ingress", EXTERNAL, port):
                flows.add((EXTERNAL, dst.component, port))
            for src in pods.values():
                if src is dst:
                    continue
                if _allowed(policies, dst, "Ingress", src, port) and _allowed(
                    policies, src, "Egress", dst, port
                ):
                    flows.add((src.component, dst.component, port))
    dns = set()
    for src in pods.values():
        for port in (80, 443, 5432, 6379, 6443, 8000):
            if _allowed(policies, src, "Egress", EXTERNAL, port):
                flows.add((src.component, EXTERNAL, port))
        if _allowed(policies, src, "Egress", EXTERNAL, 53):
            dns.add(src.component)
    return flows, dns


INSIDE = {
    ("web", "assistant", 8002),
    ("web", "retrieval", 8001),
    ("web", "recsys", 8003),
    ("assistant", "retrieval", 8001),
    ("assistant", "recsys", 8003),
    ("assistant", "chroma", 8000),
    ("retrieval", "chroma", 8000),
    ("ingest", "chroma", 8000),
    ("test", "web", 8000),
    (EXTERNAL, "web", 8000),
}
BUNDLED = {("web", "postgresql", 5432), ("web", "redis", 6379), ("purge", "postgresql", 5432)}
PRODUCTION_OUT = {
    ("web", EXTERNAL, 5432),
    ("web", EXTERNAL, 6379),
    ("purge", EXTERNAL, 5432),
    ("assistant", EXTERNAL, 443),  # the LLM
    ("ingest", EXTERNAL, 443),  # the catalog feed's URL
    ("ingest", EXTERNAL, 80),
    ("train", EXTERNAL, 443),  # the Kubernetes API, to roll recsys
    ("train", EXTERNAL, 6443),
}


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ("default", INSIDE | BUNDLED),
        ("demo", INSIDE | BUNDLED),
        ("production", INSIDE | PRODUCTION_OUT),
    ],
)
def test_network_policies_allow_the_paths_the_parts_use_and_nothing_else(
    values: str, expected: set[tuple[str, str, int]]
) -> None:
    flows, dns = _flows(values)
    assert flows - expected == set(), "allowed but unused"
    assert expected - flows == set(), "used but blocked"
    assert dns == set(_pods(render(values))), "every pod resolves Service names"


# -- settings and commands -------------------------------------------------------------


def _settings_classes() -> dict[str, type[Any]]:
    from assistant.settings import AssistantSettings, LLMSettings
    from recsys.settings import RecsysSettings
    from retrieval.settings import RetrievalSettings
    from web.settings import WebSettings

    return {
        "AISLE_WEB_": WebSettings,
        "AISLE_ASSISTANT_": AssistantSettings,
        "AISLE_LLM_": LLMSettings,
        "AISLE_RETRIEVAL_": RetrievalSettings,
        "AISLE_RECSYS_": RecsysSettings,
    }


def _aisle_env_keys(rendered: Rendered) -> set[str]:
    keys = set()
    for obj in workloads(rendered):
        for c in containers(pod_template(obj)):
            keys |= {e["name"] for e in c.get("env", [])}
    for cm in rendered.by_kind["ConfigMap"]:
        keys |= set(cm["data"])
    return {k for k in keys if k.startswith("AISLE_")}


@pytest.mark.parametrize("values", VALUES)
def test_every_aisle_setting_the_chart_sets_exists(values: str) -> None:
    classes = _settings_classes()
    unknown = []
    for key in sorted(_aisle_env_keys(render(values))):
        prefix = next(p for p in classes if key.startswith(p))
        field = key[len(prefix) :].lower()
        if field not in classes[prefix].model_fields:
            unknown.append(key)
    assert not unknown, f"settings no part reads: {unknown}"


@pytest.mark.parametrize("values", ["default", "demo"])
def test_each_part_builds_its_settings_from_the_rendered_environment(
    values: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered = render(values)
    classes = _settings_classes()
    for part in PARTS:
        (c,) = pod_template(rendered.component("Deployment", part))["spec"]["containers"]
        env = container_env(rendered, c)
        for key in [k for k in list(__import__("os").environ) if k.startswith("AISLE_")]:
            monkeypatch.delenv(key)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        settings = classes[f"AISLE_{part.upper()}_"]()
        assert settings.host == "0.0.0.0" and settings.port == PARTS[part]
        if part == "web":
            assert settings.database_url is not None and settings.redis_url is not None
            assert settings.secret_key.get_secret_value() not in ("", "aisle-demo-secret-change-me")
        if part in ("assistant", "retrieval"):
            rs = classes["AISLE_RETRIEVAL_"]()
            assert rs.chroma_url == "http://shop-aisle-chroma:8000"
        if part in ("web", "assistant"):
            # The pods that search and recommend find retrieval and recsys by the one
            # setting each (not in-process, which would serve an empty catalog).
            assert classes["AISLE_RETRIEVAL_"]().url == "http://shop-aisle-retrieval:8001"
            assert classes["AISLE_RECSYS_"]().url == "http://shop-aisle-recsys:8003"


AISLE_IMAGE = re.compile(r"^(aisle|registry\.example\.com/shop/aisle)(:|@)")


def _aisle_commands() -> dict[str, list[str]]:
    """The `aisle ...` argument lists the chart runs, by where they run."""
    commands: dict[str, list[str]] = {}
    for values in VALUES:
        for obj in workloads(render(values)):
            for c in containers(pod_template(obj)):
                if AISLE_IMAGE.match(c["image"]) and "command" not in c:
                    commands[f"{_component(obj)}/{c['name']}: {shlex.join(c['args'][:3])}"] = c[
                        "args"
                    ]
    return commands


@pytest.mark.parametrize("where", sorted(_aisle_commands()))
def test_every_command_the_chart_runs_exists_in_the_aisle_cli(where: str) -> None:
    from web.cli import build_parser

    args = _aisle_commands()[where]
    try:
        build_parser().parse_args(args)
    except SystemExit:
        pytest.fail(f"`aisle {shlex.join(args)}` ({where}) is not a valid aisle command")


def test_paths_the_chart_reads_from_the_image_are_in_the_image() -> None:
    """Paths under /app come from the repository (the Dockerfile copies them there)."""
    found = set()
    for values in VALUES:
        rendered = render(values)
        texts = [v for cm in rendered.by_kind["ConfigMap"] for v in cm["data"].values()]
        for obj in workloads(rendered):
            for c in containers(pod_template(obj)):
                texts += [a for a in c.get("args", []) if isinstance(a, str)]
        found |= {t for t in texts if t.startswith("/app/")}
    assert "/app/data/demo/products.jsonl" in found
    for path in found:
        assert (ROOT / path.removeprefix("/app/")).exists(), path


def test_the_helm_test_pod_asks_web_for_products_with_the_shipped_script() -> None:
    rendered = render("default")
    pod = rendered.component("Pod", "test")
    assert pod["metadata"]["annotations"]["helm.sh/hook"] == "test"
    (c,) = pod["spec"]["containers"]
    assert c["command"][:2] == ["python", "-c"]
    assert c["command"][2] == (CHART / "files" / "chat-check.py").read_text()
    web = rendered.component("Service", "web")
    assert c["command"][3] == f"ws://{web['metadata']['name']}:8000/ws/chat"
    assert c["command"][4] == "show me candles"
