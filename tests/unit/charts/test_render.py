"""charts/aisle renders, lints and validates for the default, demo and production values."""

from __future__ import annotations

import re
from typing import Any

import kubernetes_validate
import pytest
import yaml

from tests.unit.charts.render import (
    CHART,
    VALUES_FILES,
    helm,
    pod_template,
    render,
    template_args,
)

VALUES = list(VALUES_FILES)
# The oldest Kubernetes the chart claims (Chart.yaml kubeVersion) and the newest schema.
KUBERNETES_VERSIONS = ["1.29.0", kubernetes_validate.utils.latest_version()]


def test_chart_claims_the_oldest_version_it_is_validated_against() -> None:
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    assert chart["kubeVersion"] == f">={KUBERNETES_VERSIONS[0]}-0"


@pytest.mark.parametrize("values", VALUES)
def test_helm_lint_strict_passes(values: str) -> None:
    args = ["lint", "--strict", str(CHART)]
    if VALUES_FILES[values] is not None:
        args += ["-f", str(VALUES_FILES[values])]
    out = helm(*args).stdout
    assert "0 chart(s) failed" in out
    assert "[WARNING]" not in out and "[ERROR]" not in out


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("values", VALUES)
def test_every_object_validates_against_the_kubernetes_schema(values: str, version: str) -> None:
    rendered = render(values)
    assert len(rendered.objects) > 20
    errors = []
    for obj in rendered.objects:
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.ValidationError as e:
            errors.append(f"{obj['kind']}/{obj['metadata']['name']}: {e.message} at {e.path}")
    assert not errors, "\n".join(errors)


def _names(values: str, kind: str) -> set[str]:
    return {
        o["metadata"]["labels"]["app.kubernetes.io/component"]
        for o in render(values).by_kind.get(kind, [])
    }


def test_each_values_file_renders_the_parts_it_promises() -> None:
    parts = {"web", "assistant", "retrieval", "recsys"}
    for values in VALUES:
        assert _names(values, "Deployment") == parts, values
        assert _names(values, "Service") >= parts | {"chroma"}, values
        assert _names(values, "PodDisruptionBudget") == parts, values
    # Bundled state in the demo and by default; external in production.
    assert _names("demo", "StatefulSet") == {"chroma", "postgresql", "redis"}
    assert _names("default", "StatefulSet") == {"chroma", "postgresql", "redis"}
    assert _names("production", "StatefulSet") == {"chroma"}
    # Autoscaling where the issue asks for it, in production.
    assert _names("production", "HorizontalPodAutoscaler") == {"web", "assistant", "retrieval"}
    assert _names("demo", "HorizontalPodAutoscaler") == set()
    # The demo ingests its catalog and trains at install.
    assert _names("demo", "Job") == {"ingest", "train"}
    assert _names("production", "CronJob") == {"ingest", "train", "purge"}


def test_demo_runs_one_replica_of_each_part_in_demo_mode() -> None:
    rendered = render("demo")
    for dep in rendered.by_kind["Deployment"]:
        assert dep["spec"]["replicas"] == 1, dep["metadata"]["name"]
    web = rendered.component("ConfigMap", "web")["data"]
    assert web["AISLE_WEB_DEMO"] == "true"
    ingest = rendered.component("Job", "ingest")
    args = pod_template(ingest)["spec"]["containers"][0]["args"]
    assert args[:2] == ["ingest", "/app/data/demo/products.jsonl"]
    recsys = rendered.component("ConfigMap", "recsys")["data"]
    assert recsys["AISLE_RECSYS_INTERACTIONS_PATH"] == "/app/data/demo/interactions.parquet"


def test_production_takes_every_secret_from_existing_secrets() -> None:
    rendered = render("production")
    assert "Secret" not in rendered.by_kind, "production values must not render secrets"
    refs: dict[str, tuple[str, str]] = {}
    for obj in rendered.by_kind["Deployment"]:
        for c in pod_template(obj)["spec"]["containers"]:
            for item in c.get("env", []):
                ref = item.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    refs[item["name"]] = (ref["name"], ref["key"])
    assert refs["AISLE_WEB_DATABASE_URL"] == ("aisle-database", "url")
    assert refs["AISLE_WEB_REDIS_URL"] == ("aisle-redis", "url")
    assert refs["AISLE_LLM_API_KEY"] == ("aisle-llm", "api-key")
    assert refs["AISLE_WEB_SECRET_KEY"] == ("aisle-secrets", "web-secret-key")
    assistant = rendered.component("ConfigMap", "assistant")["data"]
    assert assistant["AISLE_ASSISTANT_BRAIN"] == "openai"
    assert rendered.component("ConfigMap", "web")["data"]["AISLE_WEB_DEMO"] == "false"


def test_ingress_keeps_websockets_open_and_terminates_tls() -> None:
    ingress = render("production").component("Ingress", "web")
    notes = ingress["metadata"]["annotations"]
    assert int(notes["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600
    assert int(notes["nginx.ingress.kubernetes.io/proxy-send-timeout"]) >= 3600
    assert notes["nginx.ingress.kubernetes.io/proxy-buffering"] == "off"
    assert ingress["spec"]["tls"] == [
        {"hosts": ["assistant.shop.example.com"], "secretName": "aisle-tls"}
    ]
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    web = render("production").component("Service", "web")
    assert backend["name"] == web["metadata"]["name"]
    assert backend["port"]["name"] in {p["name"] for p in web["spec"]["ports"]}


def test_a_config_change_restarts_that_part_and_only_it() -> None:
    def checksums(*sets: str) -> dict[str, str]:
        rendered = render("production", sets)
        return {
            d["metadata"]["labels"]["app.kubernetes.io/component"]: d["spec"]["template"][
                "metadata"
            ]["annotations"]["checksum/config"]
            for d in rendered.by_kind["Deployment"]
        }

    before = checksums()
    after = checksums("web.retentionDays=30")
    assert after["web"] != before["web"]
    assert {p: after[p] for p in after if p != "web"} == {
        p: before[p] for p in before if p != "web"
    }
    assert checksums("recsys.reloadIntervalS=60")["recsys"] != before["recsys"]


@pytest.mark.parametrize(
    ("sets", "message"),
    [
        (["web.replicas=2", "redis.enabled=false"], "sessions need Redis"),
        (["postgresql.enabled=true", "externalDatabase.enabled=true"], "pick one"),
        (["llm.enabled=true"], "needs a key"),
        (["postgresql.enabled=false", "transcripts.purge.enabled=true"], "needs PostgreSQL"),
        (["web.replicaCount=2"], "replicaCount"),
        (["web.env.SECRET=1"], "SECRET"),
        (["catalog.onError=ignore"], "onError"),
        (["training.cronJob.schedule=daily"], "schedule"),
    ],
)
def test_settings_that_cannot_work_are_refused_with_the_value_named(
    sets: list[str], message: str
) -> None:
    proc = helm(*template_args(None, sets), check=False)
    assert proc.returncode != 0, f"{sets} rendered"
    assert message in proc.stderr


def test_values_file_documents_every_value() -> None:
    """Each leaf value, or the block it sits in, has a `# --` comment right above it."""
    lines = (CHART / "values.yaml").read_text().splitlines()

    def documented(i: int) -> bool:
        j = i - 1
        while (
            j >= 0 and lines[j].strip().startswith("#") and not lines[j].strip().startswith("# --")
        ):
            j -= 1  # a multi-line comment ends in the `# --` line's continuation
        return j >= 0 and lines[j].strip().startswith("# --")

    undocumented = []
    for i, line in enumerate(lines):
        m = re.match(r"^(\s*)([A-Za-z][\w.]*):\s*(\S.*)?$", line)
        if not m or not m.group(3):
            continue  # a comment, a list item or a section header
        chain, indent = [i], len(m.group(1))
        for j in range(i - 1, -1, -1):  # the keys this one sits under
            head = re.match(r"^(\s*)[A-Za-z][\w.]*:\s*$", lines[j])
            if head and len(head.group(1)) < indent:
                chain.append(j)
                indent = len(head.group(1))
        if not any(documented(k) for k in chain):
            undocumented.append(f"line {i + 1}: {line.strip()}")
    assert not undocumented, "\n".join(undocumented)


def test_schema_covers_every_value_in_values_yaml() -> None:
    import json

    schema = json.loads((CHART / "values.schema.json").read_text())
    values = yaml.safe_load((CHART / "values.yaml").read_text())

    def walk(node: Any, sch: dict[str, Any], path: str) -> list[str]:
        missing = []
        if isinstance(node, dict) and sch.get("type") == "object" and "properties" in sch:
            for key, value in node.items():
                if key not in sch["properties"]:
                    missing.append(f"{path}.{key}")
                else:
                    missing += walk(value, sch["properties"][key], f"{path}.{key}")
        return missing

    assert walk(values, schema, "") == []


def test_an_external_chroma_and_a_feed_volume_replace_the_bundled_ones() -> None:
    rendered = render(
        None,
        (
            "chroma.enabled=false",
            "chroma.externalUrl=https://chroma.example.com",
            "catalog.source.volume.persistentVolumeClaim.claimName=feeds",
            "catalog.source.path=/feed/products.csv",
        ),
    )
    assert "chroma" not in {
        o["metadata"]["labels"]["app.kubernetes.io/component"]
        for o in rendered.by_kind["StatefulSet"]
    }
    for part in ("retrieval", "assistant"):
        env = rendered.component("ConfigMap", part)["data"]
        assert env["AISLE_RETRIEVAL_CHROMA_URL"] == "https://chroma.example.com"
        egress = rendered.component("NetworkPolicy", part)["spec"]["egress"]
        assert {"port": 443, "protocol": "TCP"} in [p for rule in egress for p in rule["ports"]]
    pod = pod_template(rendered.component("Job", "ingest"))["spec"]
    (ingest,) = pod["containers"]
    assert ingest["args"][1] == "/feed/products.csv"
    assert {"name": "feed", "mountPath": "/feed", "readOnly": True} in ingest["volumeMounts"]
    assert {"name": "feed", "persistentVolumeClaim": {"claimName": "feeds"}} in pod["volumes"]
