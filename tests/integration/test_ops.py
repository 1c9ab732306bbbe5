"""`aisle ops` against a local HTTP server that speaks the Kubernetes API paths it uses.

The fake cluster holds the Deployments and the retrain CronJob that the real chart
renders (production values), so the commands find the parts by the chart's own labels.
"""

from __future__ import annotations

import copy
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import uvicorn
import yaml
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from kubernetes.config import incluster_config

import web.ops.cluster as ops_cluster
from tests.integration.servers import free_port, serve_app
from tests.unit.charts.render import NAMESPACE, RELEASE, pod_template, render
from web.cli import main

TOKEN = "ops-token-123"


def _status(code: int, reason: str, message: str) -> JSONResponse:
    body = {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }
    return JSONResponse(body, status_code=code)


def _select(objects: list[dict[str, Any]], selector: str | None) -> list[dict[str, Any]]:
    if not selector:
        return objects
    wanted = dict(term.split("=", 1) for term in selector.split(","))
    return [
        o
        for o in objects
        if all(o["metadata"].get("labels", {}).get(k) == v for k, v in wanted.items())
    ]


class FakeCluster:
    """Objects by kind, and every request the client made."""

    def __init__(self) -> None:
        rendered = render("production")
        self.lock = threading.Lock()
        self.requests: list[tuple[str, str, str | None]] = []
        self.deployments: dict[str, dict[str, Any]] = {}
        self.pods: dict[str, dict[str, Any]] = {}
        for dep in copy.deepcopy(rendered.by_kind["Deployment"]):
            dep["metadata"].update(namespace=NAMESPACE, generation=1, uid=dep["metadata"]["name"])
            replicas = dep["spec"].get("replicas", 2)  # the HPA's minimum
            dep["spec"]["replicas"] = replicas
            dep["status"] = {
                "observedGeneration": 1,
                "replicas": replicas,
                "updatedReplicas": replicas,
                "readyReplicas": replicas,
                "availableReplicas": replicas,
            }
            self.deployments[dep["metadata"]["name"]] = dep
            for i in range(replicas):
                self._add_pod(dep, f"{dep['metadata']['name']}-abc-{i}", restarts=i)
        self.cronjobs = copy.deepcopy(rendered.by_kind["CronJob"])
        for cj in self.cronjobs:
            cj["metadata"].update(namespace=NAMESPACE, uid=f"uid-{cj['metadata']['name']}")
        self.jobs: dict[str, dict[str, Any]] = {}
        self.job_script: list[str] = []  # states a created Job walks through, one per read
        self.rollout_reads = 0
        self.versions = {"recsys": "20250301T030000Z-als", "retrieval": "st:ft-20250302T020000000Z"}

    def _add_pod(self, owner: dict[str, Any], name: str, restarts: int = 0, **labels: str) -> None:
        template = owner["spec"]["template"]
        self.pods[name] = {
            "metadata": {
                "name": name,
                "namespace": NAMESPACE,
                "labels": {**template["metadata"]["labels"], **labels},
            },
            "spec": copy.deepcopy(template["spec"]),
            "status": {
                "phase": "Running",
                "conditions": [{"type": "Ready", "status": "True"}],
                "containerStatuses": [
                    {
                        "name": c["name"],
                        "image": c["image"],
                        "imageID": "",
                        "ready": True,
                        "restartCount": restarts,
                    }
                    for c in template["spec"]["containers"]
                ],
            },
        }

    def app(self) -> FastAPI:
        app = FastAPI()
        cluster = self

        @app.middleware("http")
        async def auth(request: Request, call_next: Any) -> Any:
            with cluster.lock:
                cluster.requests.append(
                    (request.method, request.url.path, request.headers.get("content-type"))
                )
            if request.url.path == "/healthz":
                return await call_next(request)
            scheme, _, token = request.headers.get("authorization", "").partition(" ")
            # The API server reads the scheme case-insensitively (in-cluster sends "bearer").
            if scheme.lower() != "bearer" or token != TOKEN:
                return _status(401, "Unauthorized", "Unauthorized")
            return await call_next(request)

        @app.get("/healthz")
        def healthz() -> dict[str, str]:
            return {"status": "ok"}

        @app.get("/apis/apps/v1/namespaces/{ns}/deployments")
        def list_deployments(ns: str, labelSelector: str | None = None) -> dict[str, Any]:
            items = [d for d in cluster.deployments.values() if d["metadata"]["namespace"] == ns]
            return {
                "kind": "DeploymentList",
                "apiVersion": "apps/v1",
                "metadata": {},
                "items": _select(items, labelSelector),
            }

        @app.get("/apis/apps/v1/namespaces/{ns}/deployments/{name}")
        def read_deployment(ns: str, name: str) -> Any:
            dep = cluster.deployments.get(name)
            if dep is None:
                return _status(404, "NotFound", f'deployments.apps "{name}" not found')
            st = dep["status"]
            if st["observedGeneration"] < dep["metadata"]["generation"]:
                # A rolling restart, one step per read: seen, then one pod, then all.
                cluster.rollout_reads += 1
                if cluster.rollout_reads == 2:
                    st.update(updatedReplicas=1, replicas=dep["spec"]["replicas"] + 1)
                    st["observedGeneration"] = dep["metadata"]["generation"]
            elif (
                st["updatedReplicas"] < dep["spec"]["replicas"]
                or st["replicas"] > st["updatedReplicas"]
            ):
                st.update(updatedReplicas=dep["spec"]["replicas"], replicas=dep["spec"]["replicas"])
            return dep

        @app.patch("/apis/apps/v1/namespaces/{ns}/deployments/{name}")
        async def patch_deployment(ns: str, name: str, request: Request) -> Any:
            kind = request.headers.get("content-type", "")
            if kind not in (
                "application/strategic-merge-patch+json",
                "application/merge-patch+json",
            ):
                return _status(415, "UnsupportedMediaType", f"patch type {kind} not supported")
            body = await request.json()
            if not isinstance(body, dict):
                return _status(400, "BadRequest", "a merge patch is an object")
            dep = cluster.deployments[name]
            notes = body["spec"]["template"]["metadata"]["annotations"]
            dep["spec"]["template"]["metadata"].setdefault("annotations", {}).update(notes)
            dep["metadata"]["generation"] += 1
            return dep

        @app.get("/api/v1/namespaces/{ns}/pods")
        def list_pods(ns: str, labelSelector: str | None = None) -> dict[str, Any]:
            return {
                "kind": "PodList",
                "apiVersion": "v1",
                "metadata": {},
                "items": _select(list(cluster.pods.values()), labelSelector),
            }

        @app.get("/api/v1/namespaces/{ns}/pods/{name}/proxy/{path:path}")
        def proxy(ns: str, name: str, path: str) -> Any:
            pod_name, _, port = name.partition(":")
            pod = cluster.pods[pod_name]
            component = pod["metadata"]["labels"]["app.kubernetes.io/component"]
            if path == "readyz" and (component, port) == ("retrieval", "8001"):
                # IndexStats: the live collection and the model that embedded it.
                return {"products": 10, "active": 10, "collection": "products-1",
                        "model": cluster.versions["retrieval"]}  # fmt: skip
            if path != "readyz" or port != "8003" or component != "recsys":
                return _status(404, "NotFound", f"no {path} on {name}")
            return {"status": "ready", "version": cluster.versions["recsys"]}

        @app.get("/api/v1/namespaces/{ns}/pods/{name}/log")
        def log(ns: str, name: str, container: str) -> PlainTextResponse:
            return PlainTextResponse(f"{container} of {name}: step 1\n{container}: done\n")

        @app.get("/apis/batch/v1/namespaces/{ns}/cronjobs")
        def list_cronjobs(ns: str, labelSelector: str | None = None) -> dict[str, Any]:
            return {
                "kind": "CronJobList",
                "apiVersion": "batch/v1",
                "metadata": {},
                "items": _select(cluster.cronjobs, labelSelector),
            }

        @app.post("/apis/batch/v1/namespaces/{ns}/jobs")
        async def create_job(ns: str, request: Request) -> Any:
            job = await request.json()
            name = job["metadata"]["name"]
            job["metadata"]["namespace"] = ns
            job["status"] = {}
            cluster.jobs[name] = job
            return JSONResponse(job, status_code=201)

        @app.get("/apis/batch/v1/namespaces/{ns}/jobs/{name}")
        def read_job(ns: str, name: str) -> Any:
            job = cluster.jobs[name]
            state = cluster.job_script.pop(0) if cluster.job_script else "running"
            if state == "pod":
                cluster._add_pod(job, f"{name}-x1", **{"job-name": name})
            elif state == "complete":
                job["status"] = {
                    "succeeded": 1,
                    "conditions": [{"type": "Complete", "status": "True"}],
                }
            elif state == "failed":
                job["status"] = {
                    "failed": 4,
                    "conditions": [
                        {
                            "type": "Failed",
                            "status": "True",
                            "reason": "BackoffLimitExceeded",
                            "message": "Job has reached the specified backoff limit",
                        }
                    ],
                }
            return job

        return app


@pytest.fixture
def fake() -> FakeCluster:
    return FakeCluster()


@pytest.fixture
def kubeconfig(fake: FakeCluster, tmp_path: Path) -> Iterator[Path]:
    with serve_app(fake.app()) as url:
        path = tmp_path / "kubeconfig"
        path.write_text(
            yaml.safe_dump(
                {
                    "apiVersion": "v1",
                    "kind": "Config",
                    "clusters": [{"name": "fake", "cluster": {"server": url}}],
                    "users": [{"name": "ops", "user": {"token": TOKEN}}],
                    "contexts": [
                        {
                            "name": "shop",
                            "context": {"cluster": "fake", "user": "ops", "namespace": NAMESPACE},
                        },
                        {
                            "name": "elsewhere",
                            "context": {"cluster": "fake", "user": "ops", "namespace": "other"},
                        },
                    ],
                    "current-context": "shop",
                }
            )
        )
        yield path


def ops(kubeconfig: Path, *args: str) -> list[str]:
    return ["ops", *args, "--kubeconfig", str(kubeconfig), "--release", RELEASE]


def test_status_shows_each_part_with_replicas_image_restarts_and_artifact(
    fake: FakeCluster, kubeconfig: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(ops(kubeconfig, "status")) == 0
    out = capsys.readouterr().out
    lines = {line.split()[0]: line.split() for line in out.splitlines()[2:]}
    assert list(lines) == ["web", "assistant", "retrieval", "recsys"]
    # Two replicas each (the HPA minimum, and recsys's two); pod -1 restarted once.
    assert all(cells[1] == "2/2" and cells[3] == "1" for cells in lines.values())
    assert all(cells[4] == "registry.example.com/shop/aisle:0.1.0" for cells in lines.values())
    assert lines["recsys"][5] == "20250301T030000Z-als"
    assert lines["retrieval"][5] == "st:ft-20250302T020000000Z"  # the live embedder version
    assert lines["web"][5] == "-"
    # The artifact came through the API's pod proxy, from each ready recsys and retrieval pod.
    proxied = [p for m, p, _ in fake.requests if "/proxy/" in p]
    assert sorted(proxied) == [
        f"/api/v1/namespaces/{NAMESPACE}/pods/shop-aisle-{part}-abc-{i}:{port}/proxy/readyz"
        for part, port in (("recsys", 8003), ("retrieval", 8001))
        for i in range(2)
    ]


def test_status_as_json_flags_an_unready_part(
    fake: FakeCluster, kubeconfig: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.deployments["shop-aisle-retrieval"]["status"]["readyReplicas"] = 1
    assert main(ops(kubeconfig, "status", "--json")) == 1
    rows = {r["part"]: r for r in yaml.safe_load(capsys.readouterr().out)}
    assert rows["retrieval"]["ready"] == 1 and rows["retrieval"]["healthy"] is False
    assert rows["web"]["healthy"] is True
    assert rows["recsys"]["versions"] == ["20250301T030000Z-als"]


def test_status_of_a_release_that_is_not_there_says_so(
    kubeconfig: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ops", "status", "--kubeconfig", str(kubeconfig), "--release", "nope"]) == 1
    assert "no Aisle release 'nope' in namespace 'aisle'" in capsys.readouterr().err
    # The namespace comes from the kubeconfig context unless given.
    argv = ["ops", "status", "--kubeconfig", str(kubeconfig), "--release", RELEASE]
    assert main([*argv, "--context", "elsewhere"]) == 1
    assert "namespace 'other'" in capsys.readouterr().err
    assert main([*argv, "--context", "elsewhere", "-n", NAMESPACE]) == 0


def test_a_rejected_token_and_an_unreachable_server_are_errors_not_tracebacks(
    kubeconfig: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad"
    bad.write_text(kubeconfig.read_text().replace(TOKEN, "wrong"))
    assert main(["ops", "status", "--kubeconfig", str(bad), "--release", RELEASE]) == 1
    assert "401" in capsys.readouterr().err
    gone = tmp_path / "gone"
    gone.write_text(
        yaml.safe_dump(
            {
                **yaml.safe_load(kubeconfig.read_text()),
                "clusters": [{"name": "fake", "cluster": {"server": "http://127.0.0.1:9"}}],
            }
        )
    )
    assert main(["ops", "status", "--kubeconfig", str(gone), "--release", RELEASE]) == 1
    assert "error:" in capsys.readouterr().err


def test_rollout_restarts_the_part_and_waits_for_it(
    fake: FakeCluster, kubeconfig: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = datetime.now().astimezone().replace(microsecond=0)
    code = main(ops(kubeconfig, "rollout", "recsys", "--wait", "--timeout", "30", "--poll", "0.01"))
    assert code == 0
    captured = capsys.readouterr()
    dep = fake.deployments["shop-aisle-recsys"]
    stamp = dep["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"]
    assert datetime.fromisoformat(stamp) >= before
    # Only recsys was touched, with a strategic merge patch.
    patches = [(p, t) for m, p, t in fake.requests if m == "PATCH"]
    assert patches == [
        (
            f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments/shop-aisle-recsys",
            "application/strategic-merge-patch+json",
        )
    ]
    assert "deployment shop-aisle-recsys rolled out" in captured.out
    assert "1 of 2 pods updated" in captured.err


def test_rollout_of_a_part_that_is_not_installed_fails(
    fake: FakeCluster, kubeconfig: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    del fake.deployments["shop-aisle-web"]
    assert main(ops(kubeconfig, "rollout", "web")) == 1
    assert "has no web Deployment" in capsys.readouterr().err
    assert not [r for r in fake.requests if r[0] == "PATCH"]


def test_retrain_creates_a_job_from_the_cronjob_and_follows_it_to_the_end(
    fake: FakeCluster, kubeconfig: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.job_script = ["running", "pod", "running", "complete"]
    assert main(ops(kubeconfig, "retrain", "--poll", "0.01")) == 0
    out = capsys.readouterr().out
    ((name, job),) = fake.jobs.items()
    cronjob = next(c for c in fake.cronjobs if c["metadata"]["name"] == "shop-aisle-train")
    assert name.startswith("shop-aisle-train-manual-") and len(name) <= 63
    # Exactly the CronJob's job, owned by it, marked manual.
    assert job["spec"] == cronjob["spec"]["jobTemplate"]["spec"]
    assert job["metadata"]["annotations"] == {"cronjob.kubernetes.io/instantiate": "manual"}
    (owner,) = job["metadata"]["ownerReferences"]
    assert owner["kind"] == "CronJob" and owner["uid"] == "uid-shop-aisle-train"
    # Its logs, init container (training) first, then the rollout step.
    assert f"--- {name}-x1/train" in out and f"--- {name}-x1/rollout" in out
    assert out.index("/train") < out.index("/rollout")
    assert "train: done" in out
    assert f"job {name} succeeded" in out


def test_a_failed_retrain_exits_non_zero_and_says_the_old_model_serves(
    fake: FakeCluster, kubeconfig: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.job_script = ["pod", "failed"]
    assert main(ops(kubeconfig, "retrain", "--poll", "0.01")) == 1
    captured = capsys.readouterr()
    assert "BackoffLimitExceeded" in captured.err
    assert "previous model keeps serving" in captured.err


def test_retrain_without_the_cronjob_explains_why(
    fake: FakeCluster, kubeconfig: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.cronjobs = [c for c in fake.cronjobs if "train" not in c["metadata"]["name"]]
    assert main(ops(kubeconfig, "retrain")) == 1
    assert "training.cronJob.enabled" in capsys.readouterr().err
    assert fake.jobs == {}


def test_the_chart_rollout_step_works_in_cluster_with_its_projected_token(
    fake: FakeCluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The retrain CronJob's second container, as the chart writes it: `--in-cluster`,
    a token, CA and namespace in the service-account folder, HTTPS to the API server."""
    account = tmp_path / "serviceaccount"
    account.mkdir()
    (account / "token").write_text(TOKEN)
    (account / "namespace").write_text(NAMESPACE)
    key, cert = tmp_path / "key.pem", account / "ca.crt"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    port = free_port()
    config = uvicorn.Config(
        fake.app(),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        ssl_keyfile=str(key),
        ssl_certfile=str(cert),
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            assert time.monotonic() < deadline, "the HTTPS API server did not start"
            time.sleep(0.05)
        monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1")
        monkeypatch.setenv("KUBERNETES_SERVICE_PORT", str(port))
        monkeypatch.setattr(incluster_config, "SERVICE_TOKEN_FILENAME", str(account / "token"))
        monkeypatch.setattr(incluster_config, "SERVICE_CERT_FILENAME", str(cert))
        monkeypatch.setattr(ops_cluster, "IN_CLUSTER_NAMESPACE", account / "namespace")

        cronjob = next(c for c in fake.cronjobs if c["metadata"]["name"] == "shop-aisle-train")
        containers = pod_template(cronjob)["spec"]["containers"]
        rollout = next(c for c in containers if c["name"] == "rollout")
        assert main([*rollout["args"], "--poll", "0.01"]) == 0
    finally:
        server.should_exit = True
        thread.join(10)
    dep = fake.deployments["shop-aisle-recsys"]
    assert "kubectl.kubernetes.io/restartedAt" in dep["spec"]["template"]["metadata"]["annotations"]
    assert [p for m, p, _ in fake.requests if m == "PATCH"] == [
        f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments/shop-aisle-recsys"
    ]
