"""HttpAssistant: the Assistant's `turn()` over the assistant pod's NDJSON stream."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx

from assistant.errors import AssistantUnavailable, error_for_code
from assistant.events import TurnEvent, TurnResult, collect, parse_event
from assistant.state import TurnRequest

__all__ = ["HttpAssistant"]


class HttpAssistant:
    """Talks to `python -m assistant`; the same turns and events as the in-process Assistant."""

    def __init__(
        self, base_url: str, timeout: float = 60.0, client: httpx.AsyncClient | None = None
    ) -> None:
        self._http = client or httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout)

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def ready(self) -> None:
        """Check that the pod is ready (its `/readyz`).

        Raises:
            httpx.HTTPError: it does not answer, or answers that it is not ready.
        """
        response = await self._http.get("/readyz")
        response.raise_for_status()

    async def turn(self, request: TurnRequest) -> AsyncIterator[TurnEvent]:
        """Stream one turn's events as the pod produces them.

        Raises:
            AssistantUnavailable: the pod cannot be reached or broke the stream.
            AssistantError: the pod reported an error (typed by its code).
        """
        try:
            async with self._http.stream(
                "POST", "/turn", json=request.model_dump(mode="json")
            ) as response:
                if response.status_code >= 400:
                    await response.aread()
                    try:
                        body = response.json()
                        code, message = str(body.get("code", "")), str(body.get("message", ""))
                    except ValueError:
                        code, message = "", response.text
                    if response.status_code == 422 and not code:
                        code = "bad_turn"
                    raise error_for_code(code or "assistant_unavailable", message or response.text)
                async for line in response.aiter_lines():
                    if not line.strip():
                        continue
                    obj = json.loads(line)
                    if obj.get("type") == "error":
                        data = obj.get("data", {})
                        raise error_for_code(str(data.get("code")), str(data.get("message")))
                    yield parse_event(obj)
        except httpx.HTTPError as e:
            raise AssistantUnavailable(f"assistant service: {type(e).__name__}: {e}") from e

    async def run_turn(self, request: TurnRequest) -> TurnResult:
        """A whole turn, collected."""
        return await collect(self.turn(request))
