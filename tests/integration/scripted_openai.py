"""A scripted OpenAI-compatible chat server: POST /v1/chat/completions, streamed as SSE.

It stands in for an LLM endpoint so that the `openai` brain runs for real: the
`openai` client, LangChain's tool-call parsing and token streaming all see what
a real server sends (role chunk, content pieces, `tool_calls` deltas with
arguments split across chunks, `finish_reason`, `[DONE]`).

A script is a function from the request body to a `Reply`, or a list of replies
used in turn. `planner(...)` is a script that plans like a model would: it reads
the conversation-state message, picks tool calls with the offline brain's reading
of the shopper's message, and writes the answer from the tool results it gets back.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

from assistant.brains.offline.constraints import Lexicon
from assistant.brains.offline.questions import answer_question
from assistant.brains.offline.templates import Phrasebook
from assistant.brains.offline.understand import understand
from assistant.brains.prompt import STATE_MARKER
from assistant.grounding import format_price
from assistant.state import Constraints, ConversationState
from retrieval import Product, Vocabulary


@dataclass
class Reply:
    """One model answer: text, tool calls (name, arguments), or an HTTP error."""

    text: str = ""
    tool_calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    status: int = 200
    delay_s: float = 0.0


Script = Callable[[dict[str, Any]], Reply]


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
    """The scripted server; every request body is kept in `app.state.requests`."""
    app = FastAPI()
    app.state.requests = []
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
            reply = script(body)
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


# -- the planner script ---------------------------------------------------------------------


def _turn_messages(body: dict[str, Any]) -> tuple[str, dict[str, Any], list[dict[str, Any]]]:
    """The shopper's message, the state JSON and the tool results since that message."""
    messages = body["messages"]
    last_user = max(i for i, m in enumerate(messages) if m["role"] == "user")
    state: dict[str, Any] = {}
    for m in messages:
        content = m.get("content") or ""
        if m["role"] == "system" and isinstance(content, str) and content.startswith(STATE_MARKER):
            state = json.loads(content[len(STATE_MARKER) :])
    results = [json.loads(m["content"]) for m in messages[last_user + 1 :] if m["role"] == "tool"]
    return str(messages[last_user]["content"]), state, results


def _product(item: dict[str, Any]) -> Product:
    return Product(
        id=item["id"],
        title=item["title"],
        price=Decimal(str(item["price"]).lstrip("£$€")),
        currency=item.get("currency", "GBP"),
        in_stock=bool(item.get("in_stock", True)),
        category=item.get("category", ""),
        attributes=item.get("attributes", {}),
        rating=item.get("rating"),
        description=item.get("description", ""),
    )


def _conversation(state: dict[str, Any]) -> tuple[ConversationState, dict[str, Product]]:
    known = {}
    for item in state.get("shown_last", []):
        price = float(str(item["price"]).lstrip("£$€").replace(",", ""))
        known[item["id"]] = _product({**item, "price": price})
    conv = ConversationState(
        shown=list(known),
        shown_prices=[float(p.price) for p in known.values()],
        focus=state.get("focus_product_id"),
        constraints=Constraints.model_validate(state.get("active_search") or {}),
        seen=list(known),
    )
    return conv, known


def _plan(message: str, state: dict[str, Any], lexicon: Lexicon) -> Reply:
    conv, known = _conversation(state)
    u = understand(message, conv, lexicon, known)
    c = u.constraints
    filters = c.filters().model_dump(exclude_defaults=True)
    target = u.target or conv.focus or (conv.shown[0] if len(conv.shown) == 1 else None)
    if u.intent in ("find", "refine"):
        if not (c.query or c.category) and c.filters().is_empty():
            return Reply(text="Happy to help! What kind of thing are you after, and for whom?")
        if not (c.query or c.category):
            return Reply(tool_calls=[("recommend_for_user", {"filters": filters, "k": 4})])
        args: dict[str, Any] = {"query": c.query, "filters": filters, "k": 4}
        if u.update.more:
            args["exclude_ids"] = conv.shown
        return Reply(tool_calls=[("search_products", args)])
    if u.intent == "recommend":
        return Reply(tool_calls=[("recommend_for_user", {"filters": filters, "k": 4})])
    if u.intent == "compare":
        ids = u.reference.ids if len(u.reference.ids) >= 2 else conv.shown[:2]
        return Reply(tool_calls=[("compare_products", {"product_ids": ids})])
    if u.intent in ("similar", "bought_together") and target:
        name = "similar_products" if u.intent == "similar" else "bought_together"
        return Reply(tool_calls=[(name, {"product_id": target, "k": 4})])
    if u.intent == "product_question" and (target or conv.shown):
        if target:
            return Reply(tool_calls=[("get_product", {"product_id": target})])
        return Reply(tool_calls=[("compare_products", {"product_ids": conv.shown})])
    if u.intent == "policy_question":
        return Reply(tool_calls=[("answer_policy", {"question": message})])
    if u.intent == "purchase":
        return Reply(
            text="I can't place orders here, but you can add it to your basket from "
            "its product page."
        )
    if u.intent == "human":
        return Reply(text="Of course, I've asked a member of our team to join this chat.")
    canned = {
        "greeting": "Hello! What are you shopping for today?",
        "thanks": "You're welcome! Anything else?",
        "goodbye": "Goodbye, and happy shopping!",
        "identity": "I'm the shop's automated shopping assistant.",
        "off_topic": "I can only help with shopping here.",
    }
    return Reply(text=canned.get(u.intent, "Could you tell me what you're looking for?"))


def _answer(message: str, results: list[dict[str, Any]], conversation_id: str) -> Reply:
    """Write the answer from the tool results, as a model would."""
    parts: list[str] = []
    for result in results:
        if not result.get("ok", True):
            parts.append("Sorry, I couldn't look that up just now.")
            continue
        if result.get("policy"):
            parts.append(f"Here's what our policy says: {result['policy'][0]['text']}")
            continue
        products = [_product(p) for p in result.get("products", [])]
        missing = result.get("not_in_catalog")
        if missing and (not products or result.get("nearest_alternatives_only")):
            parts.append(f"Sorry, we don't carry {' or '.join(missing)}.")
        if len(products) == 1:
            book = Phrasebook(conversation_id, 0)
            price = format_price(float(products[0].price), products[0].currency)
            parts.append("".join(answer_question(message, products[0], price, book)).strip())
        elif products:
            lines = [
                f"{n}. {p.title}: {format_price(float(p.price), p.currency)}"
                for n, p in enumerate(products, start=1)
            ]
            parts.append("Here are some options:\n" + "\n".join(lines))
        elif not missing:
            parts.append("I couldn't find anything that matches.")
    return Reply(text="\n".join(parts) or "I couldn't find anything that matches.")


def _widen(
    message: str, state: dict[str, Any], results: list[dict[str, Any]], lexicon: Lexicon
) -> Reply | None:
    """Nothing cheaper than the cheapest shown: ask once more for the cheapest under the
    dearest shown, as a model that reads its empty result would."""
    if len(results) != 1 or results[0].get("products") or not results[0].get("ok", True):
        return None
    conv, known = _conversation(state)
    u = understand(message, conv, lexicon, known)
    if u.update.relative != "cheaper" or not conv.shown_prices:
        return None
    c = u.constraints.model_copy(
        update={"price_max": round(max(conv.shown_prices) - 0.01, 2), "sort": "price_asc"}
    )
    filters = c.filters().model_dump(exclude_defaults=True)
    return Reply(tool_calls=[("search_products", {"query": c.query, "filters": filters, "k": 4})])


def planner(vocabulary: Vocabulary) -> Script:
    """A script that plans tool calls with the offline brain's reading, then writes answers."""
    lexicon = Lexicon.from_vocabulary(vocabulary)

    def script(body: dict[str, Any]) -> Reply:
        message, state, results = _turn_messages(body)
        if not results and body.get("tools"):
            return _plan(message, state, lexicon)
        retry = _widen(message, state, results, lexicon) if body.get("tools") else None
        return retry or _answer(message, results, "scripted")

    return script
