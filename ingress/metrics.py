"""Prometheus metrics of one ingress app, in a registry of its own (tests never collide)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
SIZE_BUCKETS = (*(float(4**power) for power in range(4, 13)), 25.0 * 1024 * 1024)


class IngressMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "jira_sync_ingress_webhooks",
            "Webhook deliveries by site and outcome.",
            ["site", "outcome"],
            registry=self.registry,
        )
        self.publish_seconds = Histogram(
            "jira_sync_ingress_publish_seconds",
            "Time from a verified delivery to the broker's acknowledgement.",
            ["topic_kind"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.payload_bytes = Histogram(
            "jira_sync_ingress_payload_bytes",
            "Size of webhook bodies as received.",
            ["site"],
            buckets=SIZE_BUCKETS,
            registry=self.registry,
        )
        self.commands = Counter(
            "jira_sync_ingress_commands",
            "Management commands by kind and outcome.",
            ["command", "outcome"],
            registry=self.registry,
        )


class SiteMetrics:
    """The webhook metrics of one site, each label child bound once, at its first use (a
    label lookup per request is measurable at thousands of webhooks a second; binding
    them all at start would show zero series no request made)."""

    def __init__(self, metrics: IngressMetrics, site: int) -> None:
        self._metrics = metrics
        self._site = f"jira{site}"
        self._outcomes: dict[str, Counter] = {}
        self._publish: dict[bool, Histogram] = {}
        self._payload: Histogram | None = None

    def outcome(self, label: str) -> Counter:
        child = self._outcomes.get(label)
        if child is None:
            child = self._outcomes[label] = self._metrics.requests.labels(self._site, label)
        return child

    def payload_bytes(self) -> Histogram:
        if self._payload is None:
            self._payload = self._metrics.payload_bytes.labels(self._site)
        return self._payload

    def publish_seconds(self, synced: bool) -> Histogram:
        child = self._publish.get(synced)
        if child is None:
            kind = "events" if synced else "ignored"
            child = self._publish[synced] = self._metrics.publish_seconds.labels(kind)
        return child
