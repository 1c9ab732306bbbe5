"""An installed Aisle release seen through the Kubernetes API: status, retrain, rollout.

The chart labels every object with `app.kubernetes.io/instance=<release>`,
`app.kubernetes.io/part-of=aisle` and `app.kubernetes.io/component=<part>`; this
module finds the parts by those labels, never by guessing object names.

Errors:

    OpsError
     ├── ClusterUnavailable   the API cannot be reached or refused the call
     ├── NotInstalled         the release, a part or the retrain CronJob is missing
     └── OpsTimeout           a rollout or a Job did not finish in time
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kubernetes import client, config
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError as Urllib3Error

__all__ = [
    "PARTS",
    "Cluster",
    "ClusterUnavailable",
    "JobOutcome",
    "NotInstalled",
    "OpsError",
    "OpsTimeout",
    "PartStatus",
    "connect",
]

log = logging.getLogger(__name__)

PARTS: tuple[str, ...] = ("web", "assistant", "retrieval", "recsys")
RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
# What `kubectl rollout restart` sends; named rather than left to the client's guess.
MERGE_PATCH = "application/strategic-merge-patch+json"
IN_CLUSTER_NAMESPACE = Path("/var/run/secrets/kubernetes.io/serviceaccount/namespace")


class OpsError(Exception):
    """Base of the errors `aisle ops` reports; `code` is stable, `message` is for people."""

    code = "ops_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ClusterUnavailable(OpsError):
    """The API server cannot be reached, or refused the call (auth, RBAC)."""

    code = "cluster_unavailable"


class NotInstalled(OpsError):
    """The release, one of its parts or its retrain CronJob is not in the namespace."""

    code = "not_installed"


class OpsTimeout(OpsError):
    """A rollout or a Job did not finish within the time allowed."""

    code = "timeout"


@dataclass(frozen=True)
class PartStatus:
    """One part of the release as the cluster sees it."""

    part: str
    deployment: str
    desired: int
    ready: int
    updated: int
    available: int
    image: str
    pods: int
    restarts: int
    versions: tuple[str, ...] = ()
    """Artifact versions the part's pods serve (recsys only; empty: none loaded)."""

    @property
    def healthy(self) -> bool:
        """Every desired replica is ready and on the current template."""
        return self.ready >= self.desired and self.updated >= self.desired


@dataclass
class JobOutcome:
    """How a Job ended, with its pods' logs per `pod/container`."""

    name: str
    succeeded: bool
    logs: dict[str, str] = field(default_factory=dict)


def _api_error(what: str, e: Exception) -> OpsError:
    if isinstance(e, ApiException):
        if e.status == 404:
            return NotInstalled(f"{what}: not found")
        reason = e.reason or ""
        return ClusterUnavailable(f"{what}: the API server answered {e.status} {reason}".strip())
    return ClusterUnavailable(f"{what}: {type(e).__name__}: {e}")


def connect(
    *,
    release: str,
    namespace: str | None = None,
    kubeconfig: str | None = None,
    context: str | None = None,
    in_cluster: bool = False,
) -> Cluster:
    """A `Cluster` from a kubeconfig (the default one unless named) or in-cluster config.

    The namespace defaults to the kubeconfig context's, or the pod's own in a cluster.
    """
    try:
        if in_cluster:
            configuration = client.Configuration()
            # The config loaders carry no annotations.
            config.load_incluster_config(client_configuration=configuration)  # type: ignore[no-untyped-call]
            api = client.ApiClient(configuration)
            if namespace is None and IN_CLUSTER_NAMESPACE.is_file():
                namespace = IN_CLUSTER_NAMESPACE.read_text().strip()
        else:
            api = config.new_client_from_config(  # type: ignore[no-untyped-call]
                config_file=kubeconfig, context=context
            )
            if namespace is None:
                contexts, active = config.list_kube_config_contexts(  # type: ignore[no-untyped-call]
                    config_file=kubeconfig
                )
                chosen = next((c for c in contexts if c["name"] == context), active)
                namespace = chosen.get("context", {}).get("namespace")
    except config.ConfigException as e:
        raise ClusterUnavailable(f"no usable Kubernetes configuration: {e}") from e
    return Cluster(api, namespace or "default", release)


class Cluster:
    """One Aisle release in one namespace."""

    def __init__(self, api: client.ApiClient, namespace: str, release: str) -> None:
        self.namespace = namespace
        self.release = release
        self._apps = client.AppsV1Api(api)
        self._core = client.CoreV1Api(api)
        self._batch = client.BatchV1Api(api)

    def _selector(self, component: str | None = None) -> str:
        labels = [f"app.kubernetes.io/instance={self.release}", "app.kubernetes.io/part-of=aisle"]
        if component:
            labels.append(f"app.kubernetes.io/component={component}")
        return ",".join(labels)

    # -- reading -------------------------------------------------------------------

    def deployments(self) -> dict[str, client.V1Deployment]:
        """The release's Deployments by part."""
        try:
            found = self._apps.list_namespaced_deployment(
                self.namespace, label_selector=self._selector()
            )
        except (ApiException, Urllib3Error) as e:
            raise _api_error(f"listing Deployments in {self.namespace}", e) from e
        by_part: dict[str, client.V1Deployment] = {}
        for item in found.items:
            labels = (item.metadata.labels if item.metadata else None) or {}
            part = labels.get("app.kubernetes.io/component")
            if part:
                by_part[part] = item
        if not by_part:
            raise NotInstalled(
                f"no Aisle release {self.release!r} in namespace {self.namespace!r} "
                "(pick them with --release and --namespace)"
            )
        return by_part

    def deployment(self, part: str) -> client.V1Deployment:
        """The Deployment of one part."""
        deployments = self.deployments()
        if part not in deployments:
            raise NotInstalled(
                f"release {self.release!r} has no {part} Deployment "
                f"(it has: {', '.join(sorted(deployments))})"
            )
        return deployments[part]

    def _pods(self, selector: str) -> list[client.V1Pod]:
        try:
            items: list[client.V1Pod] = self._core.list_namespaced_pod(
                self.namespace, label_selector=selector
            ).items
        except (ApiException, Urllib3Error) as e:
            raise _api_error(f"listing pods in {self.namespace}", e) from e
        return items

    def _served_version(self, pod: client.V1Pod, port: int, key: str = "version") -> str | None:
        """What a pod reports as `key` on /readyz, through the API's pod proxy: the artifact
        version of a recsys pod, the embedding model of a retrieval pod's live catalog."""
        name = pod.metadata.name if pod.metadata else None
        if not name:
            return None
        try:
            # Raw: the generated client would turn the JSON body into a repr() string.
            response: Any = self._core.connect_get_namespaced_pod_proxy_with_path(
                f"{name}:{port}", self.namespace, "readyz", _preload_content=False
            )
            body: dict[str, Any] = json.loads(response.data or b"{}")
        except (ApiException, Urllib3Error, ValueError) as e:
            # 503 until a model is trained; a proxy error is "unknown", not a failure.
            log.debug("no version from %s: %s", name, e)
            return None
        version = body.get(key)
        return str(version) if version else None

    def status(self) -> list[PartStatus]:
        """Each part's replicas, image, restarts and (recsys) served artifact versions."""
        deployments = self.deployments()
        pods_by_part: dict[str, list[client.V1Pod]] = {}
        for pod in self._pods(self._selector()):
            labels = (pod.metadata.labels if pod.metadata else None) or {}
            pods_by_part.setdefault(labels.get("app.kubernetes.io/component", ""), []).append(pod)
        rows = []
        for part in [*PARTS, *sorted(set(deployments) - set(PARTS))]:
            dep = deployments.get(part)
            if dep is None:
                continue
            spec, st = dep.spec, dep.status
            containers = spec.template.spec.containers if spec and spec.template.spec else []
            image = (containers[0].image or "") if containers else ""
            pods = [p for p in pods_by_part.get(part, []) if _is_current(p)]
            restarts = sum(
                cs.restart_count or 0
                for p in pods
                for cs in ((p.status.container_statuses if p.status else None) or [])
            )
            versions: tuple[str, ...] = ()
            if part in SERVED_KEYS:
                port = _http_port(containers)
                key = SERVED_KEYS[part]
                found = {self._served_version(p, port, key) for p in pods if _is_ready(p)}
                versions = tuple(sorted(v for v in found if v))
            rows.append(
                PartStatus(
                    part=part,
                    deployment=(dep.metadata.name or "") if dep.metadata else "",
                    desired=(spec.replicas if spec and spec.replicas is not None else 1),
                    ready=(st.ready_replicas or 0) if st else 0,
                    updated=(st.updated_replicas or 0) if st else 0,
                    available=(st.available_replicas or 0) if st else 0,
                    image=image,
                    pods=len(pods),
                    restarts=restarts,
                    versions=versions,
                )
            )
        return rows

    # -- rollout -------------------------------------------------------------------

    def rollout(self, part: str) -> str:
        """Restart a part's pods the way `kubectl rollout restart` does; returns the
        Deployment's name."""
        meta = self.deployment(part).metadata
        name = meta.name if meta else None
        if not name:
            raise NotInstalled(f"the {part} Deployment has no name")
        stamp = datetime.now(UTC).replace(microsecond=0).isoformat()
        body = {"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: stamp}}}}}
        try:
            self._apps.patch_namespaced_deployment(
                name, self.namespace, body, _content_type=MERGE_PATCH
            )
        except (ApiException, Urllib3Error) as e:
            raise _api_error(f"restarting Deployment {name}", e) from e
        log.info("restarted %s at %s", name, stamp)
        return name

    def rollout_done(self, name: str) -> tuple[bool, str]:
        """Whether a Deployment's rollout has finished, and what it is waiting for."""
        try:
            dep = self._apps.read_namespaced_deployment(name, self.namespace)
        except (ApiException, Urllib3Error) as e:
            raise _api_error(f"reading Deployment {name}", e) from e
        generation = (dep.metadata.generation if dep.metadata else None) or 0
        st = dep.status
        want = dep.spec.replicas if dep.spec and dep.spec.replicas is not None else 1
        observed = (st.observed_generation if st else None) or 0
        updated = (st.updated_replicas if st else None) or 0
        total = (st.replicas if st else None) or 0
        available = (st.available_replicas if st else None) or 0
        # The same conditions `kubectl rollout status` waits on.
        if observed < generation:
            return False, "waiting for the controller to see the new template"
        if updated < want:
            return False, f"{updated} of {want} pods updated"
        if total > updated:
            return False, f"{total - updated} old pods terminating"
        if available < updated:
            return False, f"{available} of {updated} updated pods available"
        return True, f"{updated} pods updated and available"

    def wait_rollout(
        self,
        name: str,
        timeout: float,
        poll: float = 2.0,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        """Wait until the rollout of Deployment `name` has finished."""
        deadline = time.monotonic() + timeout
        last = ""
        while True:
            done, why = self.rollout_done(name)
            if why != last and progress is not None:
                progress(why)
            last = why
            if done:
                return
            if time.monotonic() >= deadline:
                raise OpsTimeout(f"rollout of {name} not finished after {timeout:.0f}s: {why}")
            time.sleep(poll)

    # -- retrain -------------------------------------------------------------------

    def retrain_cronjob(self) -> client.V1CronJob:
        """The release's retrain CronJob."""
        try:
            found = self._batch.list_namespaced_cron_job(
                self.namespace, label_selector=self._selector("train")
            ).items
        except (ApiException, Urllib3Error) as e:
            raise _api_error(f"listing CronJobs in {self.namespace}", e) from e
        if not found:
            raise NotInstalled(
                f"release {self.release!r} in {self.namespace!r} has no retrain CronJob "
                "(training.cronJob.enabled is false?)"
            )
        cronjob: client.V1CronJob = found[0]
        return cronjob

    def retrain(self) -> str:
        """Create a Job from the retrain CronJob now (`kubectl create job --from=cronjob/...`);
        returns the Job's name."""
        cronjob = self.retrain_cronjob()
        meta, spec = cronjob.metadata, cronjob.spec
        if meta is None or meta.name is None or spec is None:
            raise NotInstalled("the retrain CronJob has no name or spec")
        template = spec.job_template
        suffix = f"manual-{int(time.time()) % 10**8}"
        name = f"{meta.name[: 63 - len(suffix) - 1]}-{suffix}"
        labels = dict((template.metadata.labels if template.metadata else None) or {})
        job = client.V1Job(
            api_version="batch/v1",
            kind="Job",
            metadata=client.V1ObjectMeta(
                name=name,
                namespace=self.namespace,
                labels=labels,
                annotations={"cronjob.kubernetes.io/instantiate": "manual"},
                owner_references=[
                    client.V1OwnerReference(
                        api_version="batch/v1",
                        kind="CronJob",
                        name=meta.name,
                        uid=meta.uid or "",
                        controller=True,
                        block_owner_deletion=True,
                    )
                ],
            ),
            spec=template.spec,
        )
        try:
            self._batch.create_namespaced_job(self.namespace, job)
        except (ApiException, Urllib3Error) as e:
            raise _api_error(f"creating Job {name}", e) from e
        log.info("created Job %s from CronJob %s", name, meta.name)
        return name

    def job_state(self, name: str) -> tuple[bool | None, str]:
        """(True: succeeded, False: failed, None: running) and a line on its pods."""
        try:
            job = self._batch.read_namespaced_job(name, self.namespace)
        except (ApiException, Urllib3Error) as e:
            raise _api_error(f"reading Job {name}", e) from e
        st = job.status
        conditions = (st.conditions if st else None) or []
        for cond in conditions:
            if cond.status == "True" and cond.type in ("Complete", "SuccessCriteriaMet"):
                return True, "succeeded"
            if cond.status == "True" and cond.type in ("Failed", "FailureTarget"):
                return False, f"failed: {cond.reason or ''} {cond.message or ''}".strip()
        if st and st.succeeded:
            return True, "succeeded"
        phases = [
            f"{p.metadata.name if p.metadata else '?'} {p.status.phase if p.status else '?'}"
            for p in self._pods(f"job-name={name}")
        ]
        return None, "; ".join(phases) or "waiting for a pod"

    def job_logs(self, name: str) -> dict[str, str]:
        """Logs of every container (init containers first) of the Job's pods."""
        logs: dict[str, str] = {}
        for pod in self._pods(f"job-name={name}"):
            pod_name = pod.metadata.name if pod.metadata else None
            if not pod_name or pod.spec is None:
                continue
            containers = [*(pod.spec.init_containers or []), *pod.spec.containers]
            for container in containers:
                try:
                    text = self._core.read_namespaced_pod_log(
                        pod_name, self.namespace, container=container.name
                    )
                except (ApiException, Urllib3Error) as e:
                    text = f"(no logs: {_api_error('reading logs', e).message})"
                logs[f"{pod_name}/{container.name}"] = str(text)
        return logs

    def follow_job(
        self,
        name: str,
        timeout: float,
        poll: float = 2.0,
        progress: Callable[[str], None] | None = None,
    ) -> JobOutcome:
        """Wait for a Job to end, reporting its pods' phases; returns it with its logs."""
        deadline = time.monotonic() + timeout
        last = ""
        while True:
            state, why = self.job_state(name)
            if why != last and progress is not None:
                progress(why)
            last = why
            if state is not None:
                return JobOutcome(name=name, succeeded=state, logs=self.job_logs(name))
            if time.monotonic() >= deadline:
                raise OpsTimeout(f"Job {name} not finished after {timeout:.0f}s: {why}")
            time.sleep(poll)


# What each part's /readyz names as the version it serves (two at once during a swap).
SERVED_KEYS = {"recsys": "version", "retrieval": "model"}


def _is_current(pod: client.V1Pod) -> bool:
    """Not already on its way out."""
    return pod.metadata is None or pod.metadata.deletion_timestamp is None


def _is_ready(pod: client.V1Pod) -> bool:
    conditions = (pod.status.conditions if pod.status else None) or []
    return any(c.type == "Ready" and c.status == "True" for c in conditions)


def _http_port(containers: list[client.V1Container]) -> int:
    for container in containers:
        for port in container.ports or []:
            if port.name == "http":
                return int(port.container_port)
    return 8003
