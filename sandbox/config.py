"""Settings of one emulated JIRA Cloud site: frozen, validated, built once.

What can change while the site runs (faults, rate limits, screens, the webhook target)
starts from these values and is changed on the ``Emulator`` or the control API.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

from sandbox.contract import OpenApiContract
from sandbox.workflow import Workflow
from streams.jira.webhooks import SYNCED_EVENTS

Rate = Field(default=0.0, ge=0.0, le=1.0)
ProjectKey = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_]{1,9}$")]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RateLimits(_Frozen):
    """JIRA Cloud's burst limits (token buckets per endpoint and method, per second) and
    its per-issue write limits (``(writes, seconds)`` windows). On by default
    (``SiteConfig.rate_limits``; ``None`` turns them off):
    https://developer.atlassian.com/cloud/jira/platform/rate-limiting/"""

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

    The defaults are what a JIRA Cloud site does on an ordinary day, never kinder: a
    delivery now and then twice (2 %, same identifier), deliveries spread over 0-200 ms so
    close events arrive out of order, and a search index a second behind the writes (JIRA
    documents neither ordering nor exactly-once delivery:
    https://developer.atlassian.com/cloud/jira/platform/webhooks/ ; search/jql is
    eventually consistent, ``reconcileIssues`` is its read-after-write escape:
    https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-search/).
    A test about something else may set a rate to 0; it says why.
    """

    seed: int = 0
    latency: float = Field(default=0.0, ge=0)
    latency_jitter: float = Field(default=0.0, ge=0)
    error_rate: float = Rate
    timeout_rate: float = Rate
    timeout_hold: float = Field(default=30.0, ge=0)
    conflict_rate: float = Rate
    webhook_duplicate_rate: float = Field(default=0.02, ge=0.0, le=1.0)
    webhook_drop_rate: float = Rate
    webhook_delay: float = Field(default=0.0, ge=0)
    webhook_delay_jitter: float = Field(default=0.2, ge=0)
    webhook_reorder_window: int = Field(default=0, ge=0)
    webhook_hold_seconds: float = Field(default=0.5, ge=0)
    search_lag: float = Field(default=1.0, ge=0)


class WebhookRetry(_Frozen):
    """How JIRA Cloud retries a failed delivery: up to 5 times, each retry a random
    5 to 15 minutes after the attempt before it, with the same identifier.

    Sources: https://developer.atlassian.com/cloud/jira/platform/webhooks/#retry-policy and
    its announcement, https://community.developer.atlassian.com/t/new-jira-cloud-webhook-
    retry-policy/30554 (retries on 408, 409, 425, 429, 5xx, time-outs and connection
    failures; "webhooks might be delivered later than usual"). The pause is drawn from the
    site's seeded webhook generator. ``WebhookRetry.fast()`` is the knob for tests that
    need retries within seconds; JIRA's timing is the default.
    """

    max_retries: int = Field(default=5, ge=0, le=5)
    min_delay: float = Field(default=300.0, ge=0)
    max_delay: float = Field(default=900.0, ge=0)
    timeout: float = Field(default=10.0, gt=0)

    @model_validator(mode="after")
    def _window(self) -> WebhookRetry:
        if self.max_delay < self.min_delay:
            raise ValueError("max_delay must not be below min_delay")
        return self

    @classmethod
    def fast(cls, scale: float = 1 / 300, **overrides: float) -> WebhookRetry:
        """JIRA's timing shrunk by ``scale`` (default: seconds, 1-3 s a retry)."""
        window = {"min_delay": 300.0 * scale, "max_delay": 900.0 * scale}
        return cls.model_validate(window | overrides)

    def delay(self, draw: Callable[[float, float], float]) -> float:
        """Pause before a retry; ``draw`` is the seeded generator's ``uniform``."""
        return draw(self.min_delay, self.max_delay)


class SiteConfig(BaseModel):
    """One JIRA Cloud site: the project the sync is pointed at (``project_key``, id 10000),
    and ``other_projects`` (by default one, ``OTHER``; ids 10001, ...). Every one is served
    as fully as the first (project routes, create/edit meta, create with keys numbered per
    project, JQL, permissions, components and versions per project, moves in and out), so
    a site can hold several synced projects. Screens, workflow and issue types are the
    site's, the same in every project."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    # "datacenter": the site answers as JIRA Data Center does (REST v2 only, wiki markup,
    # users by name and key, PATs): sandbox.dc_routes. The Cloud OpenAPI contract does not
    # apply to it.
    flavour: Literal["cloud", "datacenter"] = "cloud"
    project_key: str = Field(default="PROJ1", pattern=r"^[A-Z][A-Z0-9_]{1,9}$")
    project_name: str | None = None
    other_projects: tuple[ProjectKey, ...] = ("OTHER",)
    bulk_move_seconds: float = Field(default=1.0, ge=0)  # a bulk move task's time in queue
    # the project's ``projectTypeKey``: "service_desk" is a Jira Service Management project
    project_type: Literal["software", "service_desk"] = "software"
    email: str = "sandbox@example.com"
    api_token: SecretStr = SecretStr("sandbox-token")
    # The integration account's Data Center personal access token (``Bearer``); on a
    # datacenter site ``api_token`` is its password (Basic ``username:password``).
    personal_access_token: SecretStr = SecretStr("sandbox-pat")
    integration_account_id: str = "712020:5e1f0c4a-7d1b-4c1e-9a63-5a4d0b5c0001"
    integration_display_name: str = "Sync Integration"
    # Strict by default: a plain user may not send notifyUsers=false (sandbox.notify).
    integration_role: Literal["site-admin", "project-admin", "user"] = "user"
    # The projects a ``project-admin`` integration administers (None: every project).
    integration_admin_of: tuple[ProjectKey, ...] | None = None
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
    # A multi-line text custom field (rich text, ADF in REST v3); None: the site has none.
    textarea_field_id: str | None = Field(default=None, pattern=r"^customfield_\d+$")
    components: tuple[str, ...] = ("Backend", "Frontend")
    versions: tuple[str, ...] = ("1.0", "2.0")
    # The site's priorities and the project's issue types, by name, as partner sites differ
    # (names JIRA ships keep their ids; others get new ones). ``default_priority`` is the one
    # ``GET /rest/api/3/priority`` marks ``isDefault`` (the first when it is not listed).
    priorities: tuple[str, ...] = Field(
        default=("Highest", "High", "Medium", "Low", "Lowest"), min_length=1
    )
    default_priority: str = "Medium"
    issue_types: tuple[str, ...] = Field(default=("Task", "Bug", "Story"), min_length=1)
    # Issue types above and below the standard ones (hierarchy levels 1 and -1): an epic may
    # parent a standard issue, a sub-task needs a standard parent. On by default as JIRA Cloud
    # has them: every company-managed project's scheme holds an Epic (level 1) and a Sub-task
    # type (level -1) ("Configure the issue type hierarchy",
    # https://support.atlassian.com/jira-cloud-administration/docs/configure-the-issue-type-hierarchy/),
    # and creating a sub-task needs ``fields.parent`` ("Create issue", POST
    # /rest/api/3/issue, https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-post:
    # "the parent field ... must contain the ID or key of the parent issue" for a sub-task);
    # without it the answer is 400 (sandbox.hierarchy). A partner site names its own
    # ("Subtask", "Teilaufgabe"); ``()`` leaves a project without that level.
    epic_types: tuple[str, ...] = ("Epic",)
    subtask_types: tuple[str, ...] = ("Sub-task",)
    # The largest file an upload may carry, in bytes (JIRA Cloud's default: 1 GB a file,
    # sandbox.attachments); None: no limit.
    attachment_limit: int | None = Field(default=2**30, gt=0)
    # The site's issue link types: (name, inward phrase, outward phrase); JIRA Cloud ships
    # these four, and sites rename them and add their own.
    link_types: tuple[tuple[str, str, str], ...] = (
        ("Blocks", "is blocked by", "blocks"),
        ("Cloners", "is cloned by", "clones"),
        ("Duplicate", "is duplicated by", "duplicates"),
        ("Relates", "relates to", "relates to"),
    )
    # Time tracking (Jira settings > Time tracking): on, as on every Cloud site by default;
    # off, every worklog operation answers 400 (sandbox.worklogs).
    time_tracking: bool = True
    rate_limits: RateLimits | None = RateLimits()
    faults: Faults = Faults()
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_events: frozenset[str] = SYNCED_EVENTS  # every event of an issue or a comment
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
    def projects(self) -> tuple[str, ...]:
        """Every project key of the site, the configured one first."""
        return tuple(dict.fromkeys((self.project_key, *self.other_projects)))

    @property
    def display_project_name(self) -> str:
        return self.project_name or f"Project {self.project_key}"
