"""`helm test`: open /ws/chat, ask one question, expect an answer with product cards.

Usage: python chat-check.py WS_URL QUESTION TIMEOUT_S [ORIGIN]
Exits 0 when the turn ends (assistant.done) after a non-empty products.shown frame.
"""

import json
import sys
import time

from websockets.sync.client import connect


def fail(message: str) -> None:
    sys.stderr.write(f"chat check failed: {message}\n")
    sys.exit(1)


def main() -> None:
    url, question, timeout = sys.argv[1], sys.argv[2], float(sys.argv[3])
    origin = sys.argv[4] if len(sys.argv) > 4 and sys.argv[4] else None
    deadline = time.monotonic() + timeout
    with connect(url, origin=origin, open_timeout=timeout) as ws:

        def frame() -> dict:
            left = deadline - time.monotonic()
            if left <= 0:
                fail(f"no complete answer within {timeout:.0f}s")
            msg = json.loads(ws.recv(timeout=left))
            if msg.get("type") == "error":
                fail(f"error frame {msg.get('data')}")
            return msg

        ws.send(json.dumps({"v": 1, "type": "session.hello", "id": "h1", "data": {}}))
        while (msg := frame())["type"] != "session.welcome":
            pass
        ws.send(
            json.dumps(
                {
                    "v": 1,
                    "type": "user.message",
                    "id": "m1",
                    "data": {"text": question, "client_id": "helm-test-1"},
                }
            )
        )
        seen, items, text = [], [], []
        while (msg := frame())["type"] != "assistant.done":
            seen.append(msg["type"])
            if msg["type"] == "products.shown":
                items.extend(msg["data"].get("items", []))
            elif msg["type"] == "assistant.delta":
                text.append(msg["data"].get("text", ""))
        if "assistant.start" not in seen:
            fail(f"no assistant.start before assistant.done (frames: {seen})")
        if not items:
            fail(f"the answer showed no products (frames: {seen}; text: {''.join(text)!r})")
        titles = ", ".join(str(item.get("title")) for item in items[:3])
        sys.stdout.write(f"ok: {len(items)} products shown for {question!r}: {titles}\n")


if __name__ == "__main__":
    main()
