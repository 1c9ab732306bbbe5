"""The chart's topology on one machine: Chroma, retrieval, recsys, assistant and web as
separate processes with the environment the rendered manifests give each container,
the demo's ingest and training Jobs, then a chat through web's websocket."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import connect

from tests.integration.processes import LocalCluster, LocalContainer, run_job, serve
from tests.unit.charts.render import render

# The demo, without the bundled PostgreSQL and Redis: with one web replica, transcripts
# stay in SQLite and sessions in memory (the chart allows exactly that).
SETS = ("postgresql.enabled=false", "redis.enabled=false", "transcripts.purge.enabled=false")
PARTS = ("retrieval", "recsys", "assistant", "web")


def _frames(ws: Any, until: str, deadline: float) -> list[dict[str, Any]]:
    frames = []
    while True:
        frame = json.loads(ws.recv(timeout=max(deadline - time.monotonic(), 0.1)))
        assert frame["type"] != "error", frame
        frames.append(frame)
        if frame["type"] == until:
            return frames


@pytest.mark.slow
@pytest.mark.timeout(1800)  # embedding the 4,064-product demo catalog takes minutes on 2 cores
def test_the_rendered_pods_chat_end_to_end_as_local_processes(tmp_path: Path) -> None:
    rendered = render("demo", SETS)
    cluster = LocalCluster(rendered, tmp_path)
    chroma = cluster.container(rendered.component("StatefulSet", "chroma"))
    pods = {p: cluster.container(rendered.component("Deployment", p)) for p in PARTS}

    # Only addresses, ports and paths were translated; every other setting is the chart's.
    for pod in pods.values():
        for key, (before, _) in pod.translated.items():
            assert key.endswith(("_URL", "_HOST", "_PORT", "_DIR", "_PATH", "HOME")), (key, before)
    assert pods["web"].argv[1:] == ["serve", "web"], "the web container runs `aisle serve web`"

    with serve([chroma], timeout=120):
        # The demo's Jobs, as the chart runs them: the catalog into Chroma, then training
        # into the artifact claim the recsys pod mounts.
        report = run_job(cluster.container(rendered.component("Job", "ingest")), timeout=900)
        assert "4064 products live" in report
        run_job(cluster.container(rendered.component("Job", "train")), timeout=600)
        with serve(list(pods.values()), timeout=420):
            _chat(pods["web"])
            _helm_test(cluster, rendered, pods["web"])


def _chat(web: LocalContainer) -> None:
    assert web.url is not None
    url = web.url.replace("http://", "ws://") + "/ws/chat"
    deadline = time.monotonic() + 180
    with connect(url, open_timeout=30) as ws:
        ws.send(json.dumps({"v": 1, "type": "session.hello", "id": "h1", "data": {}}))
        (welcome,) = _frames(ws, "session.welcome", deadline)
        assert welcome["data"]["conversation_id"] and welcome["data"]["resume_token"]
        message = {"text": "show me candles", "client_id": "c1"}
        ws.send(json.dumps({"v": 1, "type": "user.message", "id": "m1", "data": message}))
        frames = _frames(ws, "assistant.done", deadline)
    types = [f["type"] for f in frames]
    assert types[0] == "assistant.start" and "assistant.delta" in types
    assert {"products.shown", "suggestions"} <= set(types)
    (shown,) = [f for f in frames if f["type"] == "products.shown"]
    items = shown["data"]["items"]
    assert items, "the answer showed no products"
    # Cards come from the catalog in Chroma, through retrieval: real products with prices.
    assert all(item["id"] and item["title"] and item["price"] > 0 for item in items)
    assert any("candle" in item["title"].lower() for item in items), [i["title"] for i in items]
    seqs = [f["seq"] for f in frames]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    answer = "".join(f["data"]["text"] for f in frames if f["type"] == "assistant.delta")
    assert answer.strip()


def _helm_test(cluster: LocalCluster, rendered: Any, web: LocalContainer) -> None:
    """The `helm test` pod's own script, pointed at the local web, passes."""
    check = cluster.container(rendered.component("Pod", "test"))
    proc = subprocess.run(
        check.argv,
        env=check.env,
        cwd=check.cwd,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("ok: ") and "products shown for 'show me candles'" in proc.stdout
    assert web.url is not None and web.url.split(":")[-1] in " ".join(check.argv)
