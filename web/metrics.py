"""Prometheus metrics of the gateway, in a registry of the app's own (served at /metrics)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

__all__ = ["GatewayMetrics"]

_LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class GatewayMetrics:
    """Sockets open, turns, turn latency, errors by code and tool calls."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.sockets_open = Gauge(
            "aisle_sockets_open", "Websocket connections open now", registry=self.registry
        )
        self.turns = Counter(
            "aisle_turns", "Assistant turns answered", ["brain", "outcome"], registry=self.registry
        )
        self.turn_latency = Histogram(
            "aisle_turn_latency_seconds",
            "From the shopper's message to assistant.done",
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.first_frame = Histogram(
            "aisle_turn_first_frame_seconds",
            "From the shopper's message to the turn's first frame",
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.errors = Counter(
            "aisle_errors", "Error frames and closes, by code", ["code"], registry=self.registry
        )
        self.tool_calls = Counter(
            "aisle_tool_calls",
            "Tool calls made by the assistant",
            ["tool", "ok"],
            registry=self.registry,
        )
        self.events = Counter(
            "aisle_shopper_events",
            "Product events reported by shoppers",
            ["name"],
            registry=self.registry,
        )

    def render(self) -> bytes:
        """The text exposition format."""
        return generate_latest(self.registry)
