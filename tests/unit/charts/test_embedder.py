"""The embedder-training CronJob: off by default, CPU or GPU, models that retrieval reads."""

from __future__ import annotations

from typing import Any

from tests.unit.charts.render import (
    container_env,
    containers,
    helm,
    pod_template,
    render,
    template_args,
)

ON = ("embedderTraining.cronJob.enabled=true",)
MODELS = "/var/lib/aisle/artifacts/embedder"


def _cronjob(rendered: Any) -> dict[str, Any]:
    return rendered.component("CronJob", "embedder")


def _mounts(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {m["name"]: m for m in container.get("volumeMounts", [])}


def test_off_by_default_and_retrieval_mounts_no_artifacts() -> None:
    rendered = render()
    names = [
        c["metadata"]["labels"]["app.kubernetes.io/component"] for c in rendered.by_kind["CronJob"]
    ]
    assert "embedder" not in names
    retrieval = pod_template(rendered.component("Deployment", "retrieval"))
    assert "artifacts" not in _mounts(containers(retrieval)[0])
    assert "AISLE_RETRIEVAL_MODELS_DIR" not in container_env(rendered, containers(retrieval)[0])


def test_the_cronjob_trains_on_cpu_into_the_artifact_volume_that_retrieval_reads() -> None:
    rendered = render(sets=ON)
    cron = _cronjob(rendered)
    assert cron["spec"]["schedule"] == "30 2 * * 0"
    pod = pod_template(cron)
    (train,) = containers(pod)
    args = train["args"]
    assert args[:2] == ["train", "embedder"]
    assert args[args.index("--device") + 1] == "cpu"
    assert train["resources"]["requests"]["cpu"] == "2"
    assert "nvidia.com/gpu" not in train["resources"].get("limits", {})
    assert "nodeSelector" not in pod["spec"]
    env = container_env(rendered, train)
    assert env["AISLE_RETRIEVAL_MODELS_DIR"] == MODELS
    assert env["AISLE_WEB_DATABASE_URL"].startswith("postgresql")
    claim = {v["name"]: v for v in pod["spec"]["volumes"]}["artifacts"]
    assert _mounts(train)["artifacts"]["mountPath"] == "/var/lib/aisle/artifacts"
    assert not _mounts(train)["artifacts"].get("readOnly", False)

    # Retrieval pods and the ingest job embed with the model the CronJob promoted.
    for kind, component in (("Deployment", "retrieval"),):
        reader = pod_template(rendered.component(kind, component))
        mount = _mounts(containers(reader)[0])["artifacts"]
        assert mount["readOnly"] is True and MODELS.startswith(mount["mountPath"])
        volume = {v["name"]: v for v in reader["spec"]["volumes"]}["artifacts"]
        assert (
            volume["persistentVolumeClaim"]["claimName"]
            == claim["persistentVolumeClaim"]["claimName"]
        )
        assert (
            container_env(rendered, containers(reader)[0])["AISLE_RETRIEVAL_MODELS_DIR"] == MODELS
        )
    policy = rendered.component("NetworkPolicy", "embedder")
    assert policy["spec"]["ingress"] == []


def test_a_gpu_node_runs_it_with_cuda() -> None:
    rendered = render(
        sets=(
            *ON,
            "embedderTraining.gpu.enabled=true",
            "embedderTraining.gpu.nodeSelector.gpu=h200",
        )
    )
    pod = pod_template(_cronjob(rendered))
    (train,) = containers(pod)
    assert train["args"][train["args"].index("--device") + 1] == "cuda"
    assert train["resources"]["limits"]["nvidia.com/gpu"] == 1
    assert train["resources"]["requests"]["cpu"] == "2"  # the CPU resources stay
    assert pod["spec"]["nodeSelector"] == {"gpu": "h200"}


def test_without_a_transcript_database_it_is_refused_naming_the_value() -> None:
    proc = helm(*template_args(sets=(*ON, "postgresql.enabled=false")), check=False)
    assert proc.returncode != 0
    assert "embedderTraining.cronJob.enabled" in proc.stderr and "postgresql.enabled" in proc.stderr
