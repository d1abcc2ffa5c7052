"""Prometheus metrics, one registry per application so tests can run many side by side."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.aiohttp import make_aiohttp_handler

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        #: `GET /metrics`: prometheus-client's own exposition of this registry (text or
        #: OpenMetrics as the scraper's Accept asks, gzip when it accepts it).
        self.exposition = make_aiohttp_handler(self.registry)
        self.intake = Counter(
            "gateway_intake_messages",
            "Inbound messages by channel and outcome (stored, duplicate, rejected).",
            ["channel", "outcome"],
            registry=self.registry,
        )
        self.pipeline_latency = Histogram(
            "gateway_pipeline_seconds",
            "Time from a message being stored to its ticket and reply being queued.",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.tickets_opened = Counter(
            "gateway_tickets_opened",
            "Tickets opened, by category and urgency.",
            ["category", "urgency"],
            registry=self.registry,
        )
        self.outbox_backlog = Gauge(
            "gateway_outbox_backlog",
            "Outbound messages waiting to be sent.",
            registry=self.registry,
        )
        self.outbox_sent = Counter(
            "gateway_outbox_sent",
            "Outbound messages delivered.",
            ["channel"],
            registry=self.registry,
        )
        self.outbox_failed = Counter(
            "gateway_outbox_failed",
            "Outbound messages given up on.",
            ["channel"],
            registry=self.registry,
        )
        self.messages_parked = Counter(
            "gateway_messages_parked",
            "Inbound messages parked after failing the pipeline too often.",
            registry=self.registry,
        )
        self.processed = Counter(
            "gateway_pipeline_processed",
            "Messages through the pipeline (ticket and reply queued), by this process's workers.",
            registry=self.registry,
        )
        self.oldest_unprocessed = Gauge(
            "gateway_oldest_unprocessed_seconds",
            "Age of the oldest stored message not yet through the pipeline (0: none).",
            registry=self.registry,
        )
        self.stream_lag = Gauge(
            "gateway_stream_lag",
            "Redis stream entries not yet delivered to any pipeline worker.",
            registry=self.registry,
        )
        self.stream_pending = Gauge(
            "gateway_stream_pending",
            "Redis stream entries delivered to a worker and not yet acknowledged.",
            ["consumer"],
            registry=self.registry,
        )
        self.errors = Counter(
            "gateway_errors",
            "Errors caught and survived, by where they happened.",
            ["where"],
            registry=self.registry,
        )
