"""Settings of one emulated JIRA Cloud site: frozen, validated, built once.

What can change while the site runs (faults, rate limits, screens, the webhook target)
starts from these values and is changed on the ``Emulator`` or the control API.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from sandbox.contract import OpenApiContract
from sandbox.workflow import Workflow

Rate = Field(default=0.0, ge=0.0, le=1.0)
ALL_EVENTS = frozenset(
    {
        "jira:issue_created",
        "jira:issue_updated",
        "jira:issue_deleted",
        "comment_created",
        "comment_updated",
        "comment_deleted",
    }
)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RateLimits(_Frozen):
    """JIRA Cloud's burst limits (token buckets per endpoint and method, per second) and
    its per-issue write limits (``(writes, seconds)`` windows)."""

    get_per_second: float = Field(default=100.0, gt=0)
    post_per_second: float = Field(default=100.0, gt=0)
    put_per_second: float = Field(default=50.0, gt=0)
    delete_per_second: float = Field(default=50.0, gt=0)
    issue_writes: tuple[tuple[int, float], ...] = ((20, 2.0), (100, 30.0))


class Faults(_Frozen):
    """Injected trouble; every draw comes from a random generator seeded with ``seed``.

    REST: ``error_rate`` answers 5xx before anything happens; ``timeout_rate`` performs
    the request and then holds the answer ``timeout_hold`` seconds (the write is done:
    a client that gives up and retries creates a duplicate, as against real JIRA);
    ``conflict_rate`` answers 409 to issue edits, changing nothing.
    Webhooks: duplicates (same identifier), drops, extra delay, and reordering by
    holding ``webhook_reorder_window`` deliveries and releasing them shuffled.
    Search: ``search_lag`` seconds of index lag (results show older issue versions).
    """

    seed: int = 0
    latency: float = Field(default=0.0, ge=0)
    latency_jitter: float = Field(default=0.0, ge=0)
    error_rate: float = Rate
    timeout_rate: float = Rate
    timeout_hold: float = Field(default=30.0, ge=0)
    conflict_rate: float = Rate
    webhook_duplicate_rate: float = Rate
    webhook_drop_rate: float = Rate
    webhook_delay: float = Field(default=0.0, ge=0)
    webhook_delay_jitter: float = Field(default=0.0, ge=0)
    webhook_reorder_window: int = Field(default=0, ge=0)
    webhook_hold_seconds: float = Field(default=0.5, ge=0)
    search_lag: float = Field(default=0.0, ge=0)


class WebhookRetry(_Frozen):
    """How JIRA retries a delivery: up to 5 times, with growing pauses."""

    max_retries: int = Field(default=5, ge=0, le=5)
    first_delay: float = Field(default=1.0, ge=0)
    factor: float = Field(default=2.0, ge=1)
    max_delay: float = Field(default=60.0, ge=0)
    timeout: float = Field(default=10.0, gt=0)

    def delay(self, retry: int) -> float:
        """Pause before retry number ``retry`` (1-based)."""
        return float(min(self.first_delay * self.factor ** (retry - 1), self.max_delay))


class SiteConfig(BaseModel):
    """One JIRA Cloud site with one project."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    project_key: str = Field(default="PROJ1", pattern=r"^[A-Z][A-Z0-9_]{1,9}$")
    project_name: str | None = None
    email: str = "sandbox@example.com"
    api_token: SecretStr = SecretStr("sandbox-token")
    integration_account_id: str = "712020:5e1f0c4a-7d1b-4c1e-9a63-5a4d0b5c0001"
    integration_display_name: str = "Sync Integration"
    workflow: Literal["default", "simplified", "strict"] | Workflow = "default"
    # The site's resolutions (``GET /rest/api/3/resolution``): names differ per site.
    resolutions: tuple[str, ...] = ("Fixed", "Won't Do", "Duplicate", "Cannot Reproduce")
    create_screen: frozenset[str] | None = None
    edit_screen: frozenset[str] | None = None
    text_field_id: str = Field(default="customfield_10042", pattern=r"^customfield_\d+$")
    select_field_id: str = Field(default="customfield_10050", pattern=r"^customfield_\d+$")
    number_field_id: str = Field(default="customfield_10016", pattern=r"^customfield_\d+$")
    date_field_id: str = Field(default="customfield_10070", pattern=r"^customfield_\d+$")
    multiselect_field_id: str = Field(default="customfield_10080", pattern=r"^customfield_\d+$")
    labels_field_id: str = Field(default="customfield_10090", pattern=r"^customfield_\d+$")
    components: tuple[str, ...] = ("Backend", "Frontend")
    versions: tuple[str, ...] = ("1.0", "2.0")
    rate_limits: RateLimits | None = None
    faults: Faults = Faults()
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_events: frozenset[str] = ALL_EVENTS
    webhook_retry: WebhookRetry = WebhookRetry()
    contract: OpenApiContract | None = None
    base_url: str = "http://127.0.0.1"

    def resolved_workflow(self) -> Workflow:
        if isinstance(self.workflow, Workflow):
            return self.workflow
        return Workflow.named(self.workflow)

    @property
    def webhook_secret_value(self) -> str | None:
        return self.webhook_secret.get_secret_value() if self.webhook_secret else None

    @property
    def display_project_name(self) -> str:
        return self.project_name or f"Project {self.project_key}"
