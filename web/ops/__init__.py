"""Operating an Aisle release on Kubernetes (`aisle ops`): status, retrain, rollout."""

from web.ops.cluster import (
    PARTS,
    Cluster,
    ClusterUnavailable,
    JobOutcome,
    NotInstalled,
    OpsError,
    OpsTimeout,
    PartStatus,
    connect,
)

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
