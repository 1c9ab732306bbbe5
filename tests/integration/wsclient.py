"""A small protocol v1 client over the real `websockets` library, for tests and benchmarks."""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect


def frame(type_: str, **data: Any) -> str:
    return json.dumps({"v": 1, "type": type_, "id": uuid.uuid4().hex[:12], "data": data})


@dataclass
class Chat:
    """One shopper's socket: hello, send, and read frames until a condition."""

    ws: ClientConnection
    welcome: dict[str, Any]
    frames: list[dict[str, Any]] = field(default_factory=list)

    @property
    def last_seq(self) -> int:
        seqs = [f["seq"] for f in self.frames if f.get("seq") is not None]
        return max(seqs, default=0)

    async def send(self, type_: str, **data: Any) -> None:
        await self.ws.send(frame(type_, **data))

    async def say(self, text: str, client_id: str | None = None) -> str:
        client_id = client_id or uuid.uuid4().hex[:12]
        await self.send("user.message", text=text, client_id=client_id)
        return client_id

    async def next(self, timeout: float = 30.0) -> dict[str, Any]:
        raw = await asyncio.wait_for(self.ws.recv(), timeout)
        f = json.loads(raw)
        self.frames.append(f)
        return f

    async def until(self, type_: str, timeout: float = 60.0) -> list[dict[str, Any]]:
        """Read frames up to and including the first of `type_`; returns them."""
        got: list[dict[str, Any]] = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            f = await self.next(max(0.1, deadline - loop.time()))
            got.append(f)
            if f["type"] == type_:
                return got

    async def close(self) -> None:
        await self.ws.close()


async def open_chat(
    base_url: str,
    *,
    resume_token: str | None = None,
    last_seq: int | None = None,
    shopper_id: str | None = None,
    shopper_token: str | None = None,
    origin: str | None = None,
) -> Chat:
    """Connect to /ws/chat, say hello and read the welcome."""
    url = base_url.replace("http://", "ws://") + "/ws/chat"
    headers = {"Origin": origin} if origin else None
    ws = await connect(url, additional_headers=headers, max_size=None, open_timeout=30)
    hello: dict[str, Any] = {}
    if resume_token:
        hello["resume_token"] = resume_token
    if last_seq is not None:
        hello["last_seq"] = last_seq
    if shopper_id:
        hello["shopper_id"] = shopper_id
    if shopper_token:
        hello["shopper_token"] = shopper_token
    await ws.send(frame("session.hello", **hello))
    welcome = json.loads(await asyncio.wait_for(ws.recv(), 30))
    assert welcome["type"] == "session.welcome", welcome
    return Chat(ws, welcome)
