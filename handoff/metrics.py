"""The policy's figures for Prometheus, over the same rolling 30 days as `/api/v1/stats`.

Gauges rather than counters: the figures are ratios over a window, and every process
reports the same values read from the shared database, so any one of them can be scraped.
"""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Gauge


class HandoffMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        def gauge(name: str, doc: str, labels: tuple[str, ...] = ()) -> Gauge:
            return Gauge(name, doc, labels, registry=registry)

        self.tickets = gauge(
            "handoff_tickets_30d", "Tickets opened in the last 30 days.", ("dimension", "value")
        )
        self.timely_handling_rate = gauge(
            "handoff_timely_handling_rate", "Handled within deadline / decided, last 30 days."
        )
        self.satisfaction_rate = gauge(
            "handoff_satisfaction_rate", "Satisfied / surveyed, last 30 days."
        )
        self.incidence_rate = gauge(
            "handoff_incidence_rate", "Complaints / units sold where sales are known."
        )
        self.first_response_seconds = gauge(
            "handoff_first_response_mean_seconds", "Mean time to first response, last 30 days."
        )
        self.open_spike_warnings = gauge(
            "handoff_open_spike_warnings", "Spike warnings raised and not yet subsided."
        )

    def update(self, figures: dict[str, Any]) -> None:
        """Sets every gauge from `handoff.policy.stats.period_stats`' result."""
        self.tickets.clear()
        for dimension in ("category", "channel", "department"):
            for value, count in figures[f"by_{dimension}"].items():
                self.tickets.labels(dimension, value).set(count)
        for gauge, rate in (
            (self.timely_handling_rate, figures["timely_handling"]["rate"]),
            (self.satisfaction_rate, figures["satisfaction"]["rate"]),
            (self.incidence_rate, figures["incidence"]["rate"]),
            (self.first_response_seconds, figures["first_response"]["mean_seconds"]),
        ):
            gauge.set(rate if rate is not None else float("nan"))
        self.open_spike_warnings.set(len(figures["spike_warnings"]))
