"""`aisle ops status|retrain|rollout`: operate a release of the Helm chart (charts/aisle)."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING

from web.cli import CommandGroups
from web.cli.output import echo, echo_json, table

if TYPE_CHECKING:
    from web.ops import Cluster

# The same as web.ops.PARTS, spelled out so that building the parser never imports the
# kubernetes client.
PARTS = ("web", "assistant", "retrieval", "recsys")


def _cluster(args: argparse.Namespace) -> Cluster:
    # Imported here: the kubernetes client is only paid for by `aisle ops`.
    from web.ops import connect

    return connect(
        release=args.release,
        namespace=args.namespace,
        kubeconfig=args.kubeconfig,
        context=args.context,
        in_cluster=args.in_cluster,
    )


def _status(args: argparse.Namespace) -> int:
    rows = _cluster(args).status()
    if args.json:
        echo_json(
            [
                {
                    "part": r.part,
                    "deployment": r.deployment,
                    "desired": r.desired,
                    "ready": r.ready,
                    "updated": r.updated,
                    "available": r.available,
                    "image": r.image,
                    "pods": r.pods,
                    "restarts": r.restarts,
                    "versions": list(r.versions),
                    "healthy": r.healthy,
                }
                for r in rows
            ]
        )
    else:
        cells = [
            [
                r.part,
                f"{r.ready}/{r.desired}",
                str(r.updated),
                str(r.restarts),
                r.image,
                ", ".join(r.versions) or ("no model loaded" if r.part == "recsys" else "-"),
            ]
            for r in rows
        ]
        echo(table(cells, ["part", "ready", "updated", "restarts", "image", "artifact"]))
    missing = [p for p in PARTS if p not in {r.part for r in rows}]
    if missing:
        echo(f"missing parts: {', '.join(missing)}", err=True)
    return 0 if all(r.healthy for r in rows) and not missing else 1


def _retrain(args: argparse.Namespace) -> int:
    cluster = _cluster(args)
    name = cluster.retrain()
    echo(f"job {name} created from the retrain CronJob")
    if not args.follow:
        return 0
    outcome = cluster.follow_job(
        name,
        timeout=args.timeout,
        poll=args.poll,
        progress=lambda line: echo(f"  {line}", err=True),
    )
    for source, text in outcome.logs.items():
        echo(f"--- {source}")
        for line in text.rstrip("\n").splitlines():
            echo(line)
    if outcome.succeeded:
        echo(f"job {name} succeeded: recsys serves the new artifact within its reload interval")
        return 0
    echo(f"job {name} failed; the previous model keeps serving", err=True)
    return 1


def _rollout(args: argparse.Namespace) -> int:
    cluster = _cluster(args)
    name = cluster.rollout(args.part)
    echo(f"deployment {name} restarted")
    if args.wait:
        cluster.wait_rollout(
            name,
            timeout=args.timeout,
            poll=args.poll,
            progress=lambda line: echo(f"  {line}", err=True),
        )
        echo(f"deployment {name} rolled out")
    return 0


def _run(args: argparse.Namespace) -> int:
    from web.ops import OpsError

    try:
        code: int = args.ops_func(args)
    except OpsError as e:
        echo(f"error: {e.message}", err=True)
        return 1
    return code


def _connection_options() -> argparse.ArgumentParser:
    """Where the release is: a parent parser every `aisle ops` command shares."""
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--kubeconfig", help="kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")
    p.add_argument("--context", help="kubeconfig context (default: the current one)")
    p.add_argument(
        "--in-cluster",
        action="store_true",
        help="use the pod's service account (inside the cluster)",
    )
    p.add_argument("-n", "--namespace", help="namespace of the release (default: the context's)")
    p.add_argument(
        "--release",
        default=os.environ.get("AISLE_RELEASE", "aisle"),
        help="Helm release name (default: $AISLE_RELEASE or aisle)",
    )
    return p


def add_commands(groups: CommandGroups) -> None:
    """Add `aisle ops status|retrain|rollout`."""
    common = _connection_options()
    ops = groups.root.add_parser("ops", help="operate a Kubernetes release (charts/aisle)")
    sub = ops.add_subparsers(dest="ops_command", metavar="COMMAND", required=True)

    p = sub.add_parser(
        "status",
        parents=[common],
        help="each part's replicas, image, restarts and served artifact",
    )
    p.add_argument("--json", action="store_true", help="print the status as JSON")
    p.set_defaults(func=_run, ops_func=_status)

    p = sub.add_parser(
        "retrain",
        parents=[common],
        help="run the retrain CronJob now and follow it",
    )
    p.add_argument(
        "--no-follow", dest="follow", action="store_false", help="create the Job and return"
    )
    p.add_argument("--timeout", type=float, default=3600, help="seconds to follow the Job")
    p.add_argument("--poll", type=float, default=2.0, help="seconds between looks at the Job")
    p.set_defaults(func=_run, ops_func=_retrain)

    p = sub.add_parser("rollout", parents=[common], help="restart a part's pods (rolling)")
    p.add_argument("part", choices=PARTS)
    p.add_argument("--wait", action="store_true", help="wait until the rollout has finished")
    p.add_argument("--timeout", type=float, default=600, help="seconds to wait with --wait")
    p.add_argument("--poll", type=float, default=2.0, help="seconds between looks at the rollout")
    p.set_defaults(func=_run, ops_func=_rollout)
