"""Gateway benchmark: idle sockets (memory per socket), concurrent chatting clients (turn and
first-frame latency against a single client on the same server), and forced disconnects at
random points of answers (frames lost or duplicated after resume).

The server is `aisle serve` in its own process (the offline brain, the demo shop); the
clients run here with the real `websockets` library. Both share this machine's cores.

    .venv/bin/python bench/gateway_bench.py --data-dir var
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import connect

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.machine import describe  # noqa: E402

QUERIES = [
    "show me candles",
    "red retro spot mug",
    "gift wrap under 2 pounds",
    "lunch bag for kids",
    "christmas decorations",
    "heart t-light holder",
    "vintage doiley",
    "cheaper",
    "tell me about the second one",
    "what goes with it?",
]


def _frame(type_: str, **data: Any) -> str:
    return json.dumps({"v": 1, "type": type_, "id": uuid.uuid4().hex[:12], "data": data})


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def start_server(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        # The demo shop in demo mode, as `make run` serves it.
        "AISLE_WEB_DEMO": "true",
        "AISLE_WEB_SOCKETS_PER_IP": "5000",
        "AISLE_WEB_MAX_SOCKETS": "5000",
        "AISLE_WEB_MESSAGES_PER_MINUTE": "1000",
        "AISLE_WEB_MESSAGES_PER_MINUTE_IP": "100000",
    }
    aisle = Path(sys.executable).with_name("aisle")
    log = (data_dir / f"bench-server-{port}.log").open("wb")
    proc = subprocess.Popen(
        [str(aisle), "serve", "--data-dir", str(data_dir), "--port", str(port), "--no-demo-data"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (8192, 8192)),
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: see {log.name}")
        time.sleep(0.5)
    raise TimeoutError("server not ready")


async def _hello(
    url: str, token: str | None = None, last_seq: int | None = None
) -> tuple[Any, dict[str, Any]]:
    ws = await connect(url, max_size=None, open_timeout=60, ping_interval=None)
    data: dict[str, Any] = {}
    if token:
        data = {"resume_token": token, "last_seq": last_seq or 0}
    await ws.send(_frame("session.hello", **data))
    welcome = json.loads(await ws.recv())
    return ws, welcome


async def idle_sockets(url: str, pid: int, n: int) -> dict[str, float]:
    # A first hundred sockets warm the code paths and allocator; the next n are measured.
    warm = [ws for ws, _ in await asyncio.gather(*[_hello(url) for _ in range(100)])]
    await asyncio.sleep(1)
    before = _rss_kib(pid)
    sockets = []
    started = time.perf_counter()
    for i in range(0, n, 50):
        batch = await asyncio.gather(*[_hello(url) for _ in range(min(50, n - i))])
        sockets += [ws for ws, _ in batch]
    opened_s = time.perf_counter() - started
    await asyncio.sleep(3)
    after = _rss_kib(pid)
    metrics = httpx.get(url.replace("ws://", "http://").replace("/ws/chat", "/metrics")).text
    open_now = next(
        float(line.split()[-1])
        for line in metrics.splitlines()
        if line.startswith("aisle_sockets_open ")
    )
    await asyncio.gather(*[ws.close() for ws in sockets + warm])
    return {
        "sockets": n,
        "server_reports_open": open_now,
        "rss_before_mib": before / 1024,
        "rss_after_mib": after / 1024,
        "kib_per_socket": (after - before) / n,
        "open_seconds": opened_s,
    }


async def _chat_client(
    url: str, turns: int, lat: list[float], first: list[float], think: tuple[float, float]
) -> None:
    ws, _ = await _hello(url)
    try:
        for _ in range(turns):
            sent = time.perf_counter()
            await ws.send(
                _frame("user.message", text=random.choice(QUERIES), client_id=uuid.uuid4().hex)
            )
            got_first = False
            while True:
                f = json.loads(await ws.recv())
                if not got_first:
                    first.append((time.perf_counter() - sent) * 1000)
                    got_first = True
                if f["type"] == "assistant.done":
                    lat.append((time.perf_counter() - sent) * 1000)
                    break
            await asyncio.sleep(random.uniform(*think))  # reading the answer, typing the next
    finally:
        await ws.close()


async def chatting(
    url: str, clients: int, turns: int, think: tuple[float, float] = (0.0, 0.0)
) -> dict[str, float]:
    lat: list[float] = []
    first: list[float] = []
    started = time.perf_counter()

    # Start the clients spread over one think time, as shoppers arrive, not in lockstep.
    async def client() -> None:
        await asyncio.sleep(random.uniform(0, think[1]))
        await _chat_client(url, turns, lat, first, think)

    await asyncio.gather(*[client() for _ in range(clients)])
    wall = time.perf_counter() - started
    return {
        "clients": clients,
        "turns": len(lat),
        "turn_p50_ms": statistics.median(lat),
        "turn_p95_ms": _pct(lat, 0.95),
        "first_frame_p50_ms": statistics.median(first),
        "first_frame_p95_ms": _pct(first, 0.95),
        "turns_per_s": len(lat) / wall,
        "think_s": list(think),
    }


async def _disconnecting_client(url: str, drops: int, report: dict[str, int]) -> None:
    """Chat, dropping the socket at a random frame of answers, resuming each time."""
    ws, welcome = await _hello(url)
    token = welcome["data"]["resume_token"]
    seen: list[int] = []
    dones: dict[str, int] = {}
    done_drops = 0
    pending: str | None = None
    while done_drops < drops:
        if pending is None:
            pending = uuid.uuid4().hex
            await ws.send(_frame("user.message", text=random.choice(QUERIES), client_id=pending))
        cut_after = random.randint(0, 12)
        dropped = False
        for _ in range(cut_after + 1):
            f = json.loads(await ws.recv())
            if f.get("seq") is not None:
                seen.append(f["seq"])
            if f["type"] == "assistant.done":
                dones[f["data"]["turn_id"]] = dones.get(f["data"]["turn_id"], 0) + 1
                pending = None
                break
        else:
            dropped = True
        if dropped or random.random() < 0.3:
            await ws.close()
            done_drops += 1
            ws, welcome = await _hello(url, token, max(seen, default=0))
            token = welcome["data"]["resume_token"]
            if pending is not None and random.random() < 0.5:
                # The widget resends an unanswered message with the same client id.
                await ws.send(_frame("user.message", text="resent", client_id=pending))
    while pending is not None:
        f = json.loads(await asyncio.wait_for(ws.recv(), 60))
        if f.get("seq") is not None:
            seen.append(f["seq"])
        if f["type"] == "assistant.done":
            dones[f["data"]["turn_id"]] = dones.get(f["data"]["turn_id"], 0) + 1
            pending = None
    await ws.close()
    expected = list(range(1, max(seen, default=0) + 1))
    report["disconnects"] += done_drops
    report["frames"] += len(seen)
    report["duplicated"] += len(seen) - len(set(seen))
    report["lost"] += len(set(expected) - set(seen))
    report["turns_answered_twice"] += sum(1 for c in dones.values() if c > 1)


async def disconnects(url: str, clients: int, drops_each: int) -> dict[str, int]:
    report = {"disconnects": 0, "frames": 0, "lost": 0, "duplicated": 0, "turns_answered_twice": 0}
    await asyncio.gather(*[_disconnecting_client(url, drops_each, report) for _ in range(clients)])
    return report


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    resource.setrlimit(resource.RLIMIT_NOFILE, (8192, 8192))
    proc = start_server(args.data_dir, args.port)
    url = f"ws://127.0.0.1:{args.port}/ws/chat"
    try:
        results: dict[str, Any] = {"machine": describe()}
        results["idle"] = await idle_sockets(url, proc.pid, args.idle)
        think = (args.think_min, args.think_max)
        await chatting(url, 4, 3)  # warm-up
        results["single"] = await chatting(url, 1, args.turns * 2, think)
        results["concurrent"] = await chatting(url, args.clients, args.turns, think)
        # Capacity: the same clients with no pause at all (a closed loop), for throughput.
        results["saturated"] = await chatting(url, args.clients, 2)
        c, s = results["concurrent"], results["single"]
        results["ratios"] = {
            "turn_p95_vs_single": c["turn_p95_ms"] / s["turn_p95_ms"],
            "first_frame_p95_vs_single": c["first_frame_p95_ms"] / s["first_frame_p95_ms"],
        }
        results["disconnects"] = await disconnects(url, args.drop_clients, args.drops_each)
        return results
    finally:
        proc.terminate()
        proc.wait(30)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--data-dir", type=Path, default=Path("var"), help="a prepared demo data dir")
    p.add_argument("--port", type=int, default=8899)
    p.add_argument("--idle", type=int, default=1000, help="idle sockets to hold")
    p.add_argument("--clients", type=int, default=100, help="concurrent chatting clients")
    p.add_argument("--turns", type=int, default=5, help="turns per chatting client")
    p.add_argument("--think-min", type=float, default=2.0, help="seconds a shopper reads/types")
    p.add_argument("--think-max", type=float, default=6.0)
    p.add_argument("--drop-clients", type=int, default=50)
    p.add_argument("--drops-each", type=int, default=20, help="forced disconnects per client")
    args = p.parse_args()
    results = asyncio.run(main_async(args))
    sys.stdout.write(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
