"""A scripted OpenAI-compatible chat server: POST /v1/chat/completions, streamed as SSE.

It stands in for an LLM endpoint so that the `openai` brain runs for real: the
`openai` client, LangChain's tool-call parsing and token streaming all see what
a real server sends (role chunk, content pieces, `tool_calls` deltas with
arguments split across chunks, `finish_reason`, `[DONE]`).

What the model says is the test's own script, never the assistant's reading of
the shopper: a function from the request body to a `Reply`, a list of replies
used in turn, or a `Dialogue` that lists, per shopper turn, the model's replies
in order. A reply may be a function of the `ModelCall` (the shopper's message,
the conversation-state message and the tool results the model got back), so a
test writes its answer from what the tools returned, the way a model would.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

from assistant.brains.prompt import STATE_MARKER


@dataclass
class Reply:
    """One model answer: text, tool calls (name, arguments), or an HTTP error."""

    text: str = ""
    tool_calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    status: int = 200
    delay_s: float = 0.0


Script = Callable[[dict[str, Any]], Reply]


class ScriptError(AssertionError):
    """The brain called the model more often than the test scripted."""


@dataclass
class ModelCall:
    """One request as the model reads it: the turn's message, the state and the tool results."""

    body: dict[str, Any]
    step: int
    user: str
    state: dict[str, Any]
    results: list[dict[str, Any]]
    tools_offered: bool

    @classmethod
    def read(cls, body: dict[str, Any]) -> ModelCall:
        """Parse a chat-completions request body."""
        messages = body["messages"]
        last_user = max(i for i, m in enumerate(messages) if m["role"] == "user")
        after = messages[last_user + 1 :]
        state: dict[str, Any] = {}
        for m in messages:
            content = m.get("content") or ""
            if (
                m["role"] == "system"
                and isinstance(content, str)
                and content.startswith(STATE_MARKER)
            ):
                state = json.loads(content[len(STATE_MARKER) :])
        answered = [i for i, m in enumerate(after) if m["role"] == "assistant"]
        latest = after[answered[-1] + 1 :] if answered else []
        return cls(
            body=body,
            step=len(answered),
            user=str(messages[last_user]["content"]),
            state=state,
            results=[json.loads(m["content"]) for m in latest if m["role"] == "tool"],
            tools_offered=bool(body.get("tools")),
        )

    def products(self) -> list[dict[str, Any]]:
        """The products the latest tool results returned, in their order."""
        return [p for r in self.results for p in r.get("products", [])]

    def shown(self, n: int) -> dict[str, Any]:
        """The n-th product (from 1) the conversation state lists as shown last."""
        return dict(self.state["shown_last"][n - 1])


Step = Reply | Callable[[ModelCall], Reply]


class Dialogue:
    """A script for conversations: for each shopper turn, the model's replies in order.

    A turn starts with the first model call after a new shopper message; each of its
    steps answers one model call. A call the script has no step for raises `ScriptError`
    (the brain gets a 500). `calls` keeps what the model was sent; `finished` says whether
    every scripted step was used.
    """

    def __init__(self, *turns: Sequence[Step]) -> None:
        self.turns = [list(t) for t in turns]
        self.calls: list[ModelCall] = []
        self._used = [0 for _ in self.turns]
        self._turn = -1

    def __call__(self, body: dict[str, Any]) -> Reply:
        seen = ModelCall.read(body)
        if seen.step == 0:
            self._turn += 1
        self.calls.append(seen)
        if self._turn >= len(self.turns):
            raise ScriptError(f"turn {self._turn + 1} ({seen.user!r}) was not scripted")
        steps = self.turns[self._turn]
        if seen.step >= len(steps):
            raise ScriptError(f"model call {seen.step + 1} of {seen.user!r} was not scripted")
        self._used[self._turn] = seen.step + 1
        step = steps[seen.step]
        return step(seen) if callable(step) else step

    @property
    def finished(self) -> bool:
        """Every scripted step of every turn answered a model call."""
        return self._used == [len(t) for t in self.turns]


def call(name: str, **args: Any) -> Reply:
    """The model calls one tool."""
    return Reply(tool_calls=[(name, args)])


def money(amount: float, currency: str) -> str:
    """A price written as a model writes one it read in a tool result: `£2.95`, `₹1,099.00`."""
    symbol = {"GBP": "£", "USD": "$", "EUR": "€", "INR": "₹"}[currency]
    return f"{symbol}{amount:,.2f}"


def listing(products: Sequence[dict[str, Any]], intro: str = "Here are some options:") -> str:
    """The numbered list the system prompt asks for: "1. Title: price"."""
    lines = [
        f"{n}. {p['title']}: {money(p['price'], p['currency'])}"
        for n, p in enumerate(products, start=1)
    ]
    return "\n".join([intro, *lines])


def list_products(intro: str = "Here are some options:") -> Callable[[ModelCall], Reply]:
    """A step that lists every product the latest tool results returned."""

    def step(seen: ModelCall) -> Reply:
        products = seen.products()
        if not products:
            return Reply(text="I couldn't find anything that matches.")
        return Reply(text=listing(products, intro))

    return step


def search(query: str, k: int = 4, **args: Any) -> Reply:
    """The model's search_products call (`filters`, `any_of`, `exclude_ids` as keywords)."""
    return call("search_products", query=query, k=k, **args)


def describe(seen: ModelCall) -> Reply:
    """The model tells the shopper the price of the one product its tool returned."""
    (p,) = seen.products()
    return Reply(text=f"The {p['title']} costs {money(p['price'], p['currency'])}.")


def cheaper(seen: ModelCall) -> Reply:
    """For "cheaper": the active search again, under the dearest product shown, cheapest first."""
    active = dict(seen.state["active_search"])
    query = active.pop("query", "")
    dearest = max(float(p["price"].lstrip("£").replace(",", "")) for p in seen.state["shown_last"])
    active.update(price_max=round(dearest - 0.01, 2), sort="price_asc")
    return search(query, filters=active)


def quote(quantity: int, item: int = 1) -> Callable[[ModelCall], Reply]:
    """A step that asks quote_products for `quantity` of the `item`-th product shown last."""

    def step(seen: ModelCall) -> Reply:
        lines = [{"product_id": seen.shown(item)["id"], "quantity": quantity}]
        return call("quote_products", items=lines)

    return step


def from_policy(seen: ModelCall) -> Reply:
    """The model answers with the passage answer_policy returned."""
    (result,) = seen.results
    return Reply(text=f"Here's what our policy says: {result['policy'][0]['text']}")


def _chunk(delta: dict[str, Any], finish: str | None = None) -> str:
    body = {
        "id": "chatcmpl-scripted",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "scripted",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return f"data: {json.dumps(body)}\n\n"


async def _stream(reply: Reply) -> AsyncIterator[str]:
    yield _chunk({"role": "assistant", "content": ""})
    text = reply.text
    for start in range(0, len(text), 7):
        yield _chunk({"content": text[start : start + 7]})
        await asyncio.sleep(0)
    for n, (name, args) in enumerate(reply.tool_calls):
        head = {
            "index": n,
            "id": f"call_{n}",
            "type": "function",
            "function": {"name": name, "arguments": ""},
        }
        yield _chunk({"tool_calls": [head]})
        raw = json.dumps(args)
        for start in range(0, len(raw), 11):
            piece = {"index": n, "function": {"arguments": raw[start : start + 11]}}
            yield _chunk({"tool_calls": [piece]})
    yield _chunk({}, "tool_calls" if reply.tool_calls else "stop")
    yield "data: [DONE]\n\n"


def create_app(script: Script | Sequence[Reply]) -> FastAPI:
    """The scripted server; every request body is kept in `app.state.requests`, and what a
    script raised in `app.state.errors` (the brain gets a 500 for it)."""
    app = FastAPI()
    app.state.requests = []
    app.state.errors = []
    queue = list(script) if not callable(script) else None

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/v1/chat/completions")
    async def completions(request: Request) -> Any:
        body = await request.json()
        app.state.requests.append(body)
        if queue is not None:
            reply = queue.pop(0) if queue else Reply(text="I have nothing more to say.")
        else:
            assert callable(script)
            try:
                reply = script(body)
            except Exception as e:
                app.state.errors.append(e)
                reply = Reply(status=500)
        if reply.delay_s:
            await asyncio.sleep(reply.delay_s)
        if reply.status != 200:
            error = {"error": {"message": "scripted failure", "type": "server_error"}}
            return JSONResponse(error, status_code=reply.status)
        if body.get("stream"):
            return StreamingResponse(_stream(reply), media_type="text/event-stream")
        message: dict[str, Any] = {"role": "assistant", "content": reply.text or None}
        if reply.tool_calls:
            message["tool_calls"] = [
                {
                    "id": f"call_{n}",
                    "type": "function",
                    "function": {"name": name, "arguments": json.dumps(args)},
                }
                for n, (name, args) in enumerate(reply.tool_calls)
            ]
        return {
            "id": "chatcmpl-scripted",
            "object": "chat.completion",
            "created": 0,
            "model": "scripted",
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "finish_reason": "tool_calls" if reply.tool_calls else "stop",
                }
            ],
        }

    return app
