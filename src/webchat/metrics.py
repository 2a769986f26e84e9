"""Prometheus metrics, one registry per app so several apps can live in one process (tests)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

# Buckets around the real-time budget: most sends should land well under 25 ms.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.open_sockets = Gauge(
            "webchat_open_sockets",
            "Socket.IO connections open on this process",
            ["kind"],
            registry=self.registry,
        )
        self.messages = Counter(
            "webchat_messages_total",
            "Messages stored",
            ["sender", "transport"],
            registry=self.registry,
        )
        self.message_latency = Histogram(
            "webchat_message_store_seconds",
            "From a send arriving to its ack",
            ["transport"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.http_latency = Histogram(
            "webchat_http_request_seconds",
            "HTTP request duration",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.errors = Counter(
            "webchat_errors_total",
            "Errors returned to clients",
            ["code"],
            registry=self.registry,
        )
        self.webhook_deliveries = Counter(
            "webchat_webhook_deliveries_total",
            "Webhook delivery attempts by outcome (delivered, retry, refused, failed)",
            ["outcome"],
            registry=self.registry,
        )
        self.webhook_latency = Histogram(
            "webchat_webhook_delivery_seconds",
            "From sending a webhook request to its answer",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
            registry=self.registry,
        )
        self.webhook_queue = Gauge(
            "webchat_webhook_queue_depth",
            "Webhook deliveries pending (all nodes; sampled by this one)",
            registry=self.registry,
        )
        self.retention_erased = Counter(
            "webchat_retention_erased_conversations_total",
            "Conversations erased because their tenant's retentionDays passed",
            registry=self.registry,
        )
        self.events_pruned = Counter(
            "webchat_events_pruned_total",
            "Events removed by retention",
            registry=self.registry,
        )
        self.emails = Counter(
            "webchat_emails_sent_total",
            "E-mails handed to the SMTP server",
            ["kind"],
            registry=self.registry,
        )
