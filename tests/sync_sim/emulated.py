"""The exact in-process simulation: the real engine and applier against two emulated sites.

Two ``sandbox`` emulators serve JIRA's REST API over HTTP on free loopback ports; the
engine's ``handle`` drives the real ``Applier`` and ``JiraClient`` against them. The
webhooks each site emits (as JIRA shapes them) are taken from the site as they are
published and turned into pair messages by ``change_from_envelope``, the worker's own
path, into a queue the scenario's dice deliver in any order, some several times. Humans
(Alice) edit the issues in the sites directly, some while the engine is between its reads
and its writes (``RecordingApplier.before_write``).

What the sync wrote is counted from the emulator's call log (``writes_by`` the sync
account), and must equal what the applier was asked to do, call by call. Every step is
journalled as the worker journals it (``streams.sync.journal``: its input and events), so
a test can fold the journal back (``streams.sync.replay``) and compare.
"""

from __future__ import annotations

import contextlib
import itertools
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import SecretStr

from sandbox import SiteConfig, serve_emulator
from sandbox import adf as sandbox_adf
from sandbox.emulator import RunningSite, writes_by
from sandbox.model import Issue
from sandbox.site import Site
from sandbox.transitions import as_a_person, perform
from sandbox.users import ALICE
from streams.jira.adf import adf_to_text, normalize_text, text_to_adf
from streams.jira.client import JiraClient
from streams.jira.sites import open_client
from streams.jira.transport import SiteAuth
from streams.records import WebhookEnvelope
from streams.state import PairState
from streams.sync import journal
from streams.sync.applier import Applied, Applier
from streams.sync.comments import marker
from streams.sync.engine import handle
from streams.sync.events import PairEvent
from streams.sync.facts import Warned
from streams.sync.fields import canonical
from streams.sync.messages import (
    Action,
    CreateCounterpart,
    CrossLink,
    PairMessage,
    SiteNumber,
    SyncConfig,
    TransitionTo,
    WriteFields,
)
from streams.sync.normalize import change_from_envelope
from streams.sync.overwrites import StatusMovedSince
from streams.sync.screens import SCREEN_WARNING
from tests.sync_sim.scenarios import COMMENT, Edit, Outcome, Scenario, config_for

PAIR = "the-pair"
SYNC_EMAIL = "sandbox@example.com"
ALICE_EMAIL = "alice@example.com"
INTERNAL = {"type": "role", "value": "Developers"}
SITES: tuple[SiteNumber, SiteNumber] = (1, 2)
MAX_COPIES = 3
MAX_STEPS = 2000


async def _nothing() -> None:
    return None


@dataclass
class RecordingApplier(Applier):
    """The real applier, recording each action it is asked to carry out; the hook runs
    humans' racing edits first (the engine has read both issues by then)."""

    before_write: Callable[[], Awaitable[None]] = _nothing
    status_of: Callable[[int, str], str] = lambda site, key: ""
    applied: list[Action] = field(default_factory=list)
    moved: list[TransitionTo] = field(default_factory=list)  # transitions JIRA had to make
    refused: list[WriteFields] = field(default_factory=list)  # a field off the screen

    async def apply(self, pair: PairState, action: Action, now: datetime) -> Applied:
        await self.before_write()
        self.applied.append(action)
        move = action if isinstance(action, TransitionTo) else None
        due = (
            move is not None
            and not move.guarded  # it reads the issue's history; a move follows if due
            and self.status_of(move.site, move.issue_key) != move.status
        )
        applied = await super().apply(pair, action, now)
        first = any(isinstance(fact, StatusMovedSince) for fact in applied.events)
        screened = any(_screen_refused(fact) for fact in applied.events)
        if move is not None and due and not first and not screened:  # nor when refused
            self.moved.append(move)
        if isinstance(action, WriteFields) and _refused(action, applied.state):
            self.refused.append(action)  # JIRA wrote nothing (e.g. a resolution in it)
        return applied


def _screen_refused(fact: PairEvent) -> bool:
    """A transition whose screen asks for a value the sync does not have: JIRA is not
    asked, or refuses it (400), and nothing moves."""
    return isinstance(fact, Warned) and fact.code == SCREEN_WARNING


def _refused(action: WriteFields, state: PairState) -> bool:
    """A field of ``action`` is off the edit screen (warned, not written): JIRA refuses the
    whole edit (400), and the rest, if any, is a write of its own."""
    refused = {w.field for w in state.warnings if w.code == "field-not-on-screen"}
    return bool(set(action.values) & refused)


@dataclass
class Counts:
    """What the sync did on one site, from the call log and from the applier."""

    calls: dict[str, int]
    expected: dict[str, int]


class EmulatedWorld:
    def __init__(
        self,
        scenario: Scenario,
        running: dict[int, RunningSite],
        applier: RecordingApplier,
        humans: dict[int, JiraClient],
    ) -> None:
        self.scenario = scenario
        self.chaos = scenario.chaos()
        self.running = running
        self.applier = applier
        self.humans = humans  # Alice's REST clients (comments)
        self.config: SyncConfig = applier.config
        self.queue: list[PairMessage] = []
        self.copies: dict[str | None, int] = {}
        self.mid_step: list[Edit] = []
        self.pair: PairState | None = None
        self.steps = 0
        self.effective_edits = {1: 0, 2: 0}
        self.comment_edits = {1: 0, 2: 0}
        self.ids = itertools.count(1)
        self.journal: list[dict[str, Any]] = []  # as the worker writes it, decoded
        applier.before_writes = self._intent
        for site, running_site in running.items():
            running_site.emulator.site.publish = self._publisher(site)
        applier.before_write = self.step_edits
        applier.status_of = self.status_name

    def site(self, number: int) -> Site:
        return self.running[number].emulator.site

    def issue(self, number: int) -> Issue | None:
        issues = list(self.site(number).issues.values())
        assert len(issues) <= 1, f"site {number} has {len(issues)} issues: a duplicate"
        return issues[0] if issues else None

    def status_name(self, number: int, key: str) -> str:
        issue = self.issue(number)
        return str(issue.fields["status"]["name"]) if issue is not None else ""

    def _publisher(self, number: int) -> Callable[[str, dict[str, Any]], None]:
        def publish(event: str, body: dict[str, Any]) -> None:
            issue = body.get("issue") or {}
            envelope = WebhookEnvelope(
                site=number,
                webhook_id=f"site{number}-{next(self.ids)}",
                received_at=datetime.now(UTC),
                event_type=event,
                issue_id=str(issue.get("id")) if issue.get("id") else None,
                payload=body,
            )
            message = change_from_envelope(envelope, self.config.maps)
            if message is not None:
                self.queue.append(message)

        return publish

    # --- humans -----------------------------------------------------------------------

    def create_origin(self) -> None:
        site = self.site(self.scenario.origin)
        fields = {"project": {"key": site.config.project_key}, "issuetype": {"name": "Task"}}
        fields |= rest_fields({k: v for k, v in self.scenario.start.items() if k != "status"})
        site.create(self.alice(site), {"fields": fields})

    def alice(self, site: Site) -> Any:
        return site.users.get(ALICE)

    async def human(self, edit: Edit) -> None:
        site, issue = self.site(edit.site), self.issue(edit.site)
        if issue is None:
            return  # nobody can edit the counterpart before it is made
        if edit.name == COMMENT:
            await self.comment(edit, issue)
            return
        before = len(issue.changelog)
        if edit.name == "status":
            available = site.workflow.available(issue.fields["status"]["id"])
            wanted = [t for t in available if site.workflow.status(t.to).name == edit.value]
            if wanted:
                perform(site, self.alice(site), issue, as_a_person(site, wanted[0]))
        else:
            site.edit(self.alice(site), issue, {"fields": rest_fields({edit.name: edit.value})})
        if len(issue.changelog) > before:
            self.effective_edits[edit.site] += 1

    async def comment(self, edit: Edit, issue: Issue) -> None:
        """Alice's comment action over REST, once the pair is complete (comments made
        before are not copied, by design)."""
        if self.pair is None or self.pair.site1 is None or self.pair.site2 is None:
            return
        client, action = self.humans[edit.site], edit.value
        if action[0].startswith("add"):
            internal = INTERNAL if action[0] == "add internal" else None
            await client.add_comment(issue.key, text_to_adf(action[1]) or {}, internal)
        else:
            own = [c for c in issue.comments if c.author_id == ALICE]
            if not own:
                return
            comment_id = own[action[1] % len(own)].id
            path = f"/rest/api/3/issue/{issue.key}/comment/{comment_id}"
            if action[0] == "edit":
                await client.update_comment(issue.key, comment_id, text_to_adf(action[2]) or {})
            elif action[0] == "restrict":
                body = {"body": own[action[1] % len(own)].body, "visibility": INTERNAL}
                await client.request("PUT", path, json=body)
            else:
                await client.delete_comment(issue.key, comment_id)
        self.comment_edits[edit.site] += 1

    async def step_edits(self) -> None:
        while self.mid_step:
            await self.human(self.mid_step.pop(0))

    # --- the engine -------------------------------------------------------------------

    async def run(self) -> Outcome:
        self.create_origin()
        while self.scenario.settle_first and self.queue:
            await self.deliver()
        for edit in self.scenario.edits:
            for _ in range(edit.wait):
                await self.deliver()
            if edit.mid_step:
                self.mid_step.append(edit)
            else:
                await self.human(edit)
        while self.queue or self.mid_step:
            await self.deliver()
        return self.outcome()

    async def deliver(self) -> None:
        self.steps += 1
        assert self.steps < MAX_STEPS, "no quiescence: a write loop"
        if not self.queue:
            await self.step_edits()
            return
        message = self.queue.pop(self.chaos.randrange(len(self.queue)))
        key = getattr(message, "webhook_id", None)
        copies = self.copies.get(key, 1)
        if copies < MAX_COPIES and self.chaos.random() < self.scenario.duplicate_rate:
            self.copies[key] = copies + 1
            self.queue.append(message)
        now = datetime.now(UTC)
        result = await handle(message, self.pair, self.config, self.applier, now)
        assert result.retry is None, f"a retry without faults: {result.retry}"
        facts: list[PairEvent] = getattr(result, "events", [])  # core's StepResult.events
        record = journal.step_record(PAIR, now, message, self.pair, facts, result.state, None)
        self.journal.append(json.loads(record))
        await self.step_edits()
        if result.state is not None and result.state != self.pair:  # as the worker keeps it
            self.pair = result.state

    async def _intent(self, state: PairState) -> None:
        self.journal.append(json.loads(journal.intent_record(PAIR, state)))

    # --- the end ----------------------------------------------------------------------

    def outcome(self) -> Outcome:
        values: dict[int, dict[str, Any]] = {}
        for number in SITES:
            issue = self.issue(number)
            assert issue is not None, f"no issue on site {number}"
            read = canonical(number, issue.fields, self.config.maps)
            values[number] = {name: read.get(name) for name in self.config.synced()}
        counts = {number: self.counts(number) for number in SITES}
        return Outcome(
            self.scenario,
            self.pair,
            values,
            {n: counts[n].calls["edit"] + counts[n].calls["transition"] for n in SITES},
            dict(self.effective_edits),
            {n: counts[n].calls["create"] for n in SITES},
            {n: counts[n].calls["comment"] for n in SITES},
            dict(self.comment_edits),
        )

    def check_comments(self) -> None:
        """Each live original without a visibility restriction has exactly one copy on
        the other site, with its current text; no other copy exists (none of a copy, none
        left of a deleted or restricted original); the pair's comment map says just that."""
        assert self.pair is not None
        mapped: dict[str, str] = {}
        for number in SITES:
            here, there = self.issue(number), self.issue(3 - number)
            assert here is not None
            assert there is not None
            sync_account = self.running[3 - number].emulator.config.integration_account_id
            copies = [c for c in there.comments if c.author_id == sync_account]
            originals = [c for c in here.comments if c.author_id == ALICE and not c.visibility]
            for original in originals:
                source = f"{number}:{original.id}"
                found = [c for c in copies if marker(source) in _text(c.body)]
                assert len(found) == 1, f"{len(found)} copies of comment {source}"
                assert _text(found[0].body).endswith(_text(original.body)), (
                    f"copy of {source} is {_text(found[0].body)!r}"
                )
                mapped[source] = f"{3 - number}:{found[0].id}"
            wanted = {marker(f"{number}:{original.id}") for original in originals}
            strays = [_text(c.body) for c in copies if not any(m in _text(c.body) for m in wanted)]
            assert not strays, f"copies on site {3 - number} of no original: {strays}"
        assert self.pair.comment_map == mapped
        assert not self.pair.pending_comments

    def counts(self, number: int) -> Counts:
        """The sync account's writes on one site by kind, and what the applier's actions
        call for: one PUT per field write, one POST per transition JIRA had to make (the
        default workflow reaches every status directly), one create, one remote link on
        each side per create or cross-link."""
        calls = {"edit": 0, "transition": 0, "create": 0, "remote link": 0, "other": 0}
        calls["comment"] = 0  # bounded by the human's comment changes (check_converged)
        for call in writes_by(self.running[number].emulator, SYNC_EMAIL):
            calls[_kind(call.method, call.path)] += 1
        actions = self.applier.applied
        links = sum(isinstance(a, CreateCounterpart | CrossLink) for a in actions)
        expected = {
            "edit": sum(isinstance(a, WriteFields) and a.site == number for a in actions)
            - sum(a.site == number for a in self.applier.refused),
            "transition": sum(a.site == number for a in self.applier.moved),
            "create": sum(isinstance(a, CreateCounterpart) and a.site == number for a in actions),
            "remote link": links,
            "other": 0,
            "comment": calls["comment"],
        }
        return Counts(calls, expected)


def _kind(method: str, path: str) -> str:
    if "/comment" in path:
        return "comment"
    if method == "PUT" and path.startswith("/rest/api/3/issue/") and path.count("/") == 5:
        return "edit"
    if method == "POST" and path.endswith("/transitions"):
        return "transition"
    if method == "POST" and path == "/rest/api/3/issue":
        return "create"
    if method == "POST" and path.endswith("/remotelink"):
        return "remote link"
    return "other"


def _text(body: dict[str, Any]) -> str:
    return normalize_text(adf_to_text(body)) or ""


def rest_fields(values: dict[str, Any]) -> dict[str, Any]:
    """Canonical values as a human's REST v3 edit."""
    fields: dict[str, Any] = {}
    for name, value in values.items():
        if name == "description":
            fields[name] = sandbox_adf.document(value) if value else None
        elif name == "priority":
            fields[name] = {"name": value}
        else:
            fields[name] = list(value) if name == "labels" else value
    return fields


@contextlib.asynccontextmanager
async def emulated(scenario: Scenario, **site_options: Any) -> AsyncIterator[EmulatedWorld]:
    """Two emulated sites on free ports, the sync's clients, and the world over them."""
    async with (
        serve_emulator(SiteConfig(project_key="PROJ1", **site_options)) as one,
        serve_emulator(SiteConfig(project_key="PROJ2", **site_options)) as two,
    ):
        running = {1: one, 2: two}
        accounts = {n: r.emulator.config.integration_account_id for n, r in running.items()}
        config = config_for(scenario.policy, accounts)
        auth = {
            n: SiteAuth(r.base_url, SYNC_EMAIL, SecretStr("sandbox-token"))
            for n, r in running.items()
        }
        alice = {
            n: SiteAuth(r.base_url, ALICE_EMAIL, SecretStr("alice-token"))
            for n, r in running.items()
        }
        async with (
            open_client(auth[1]) as c1,
            open_client(auth[2]) as c2,
            open_client(alice[1]) as a1,
            open_client(alice[2]) as a2,
        ):
            urls = {1: one.base_url, 2: two.base_url}
            applier = RecordingApplier({1: c1, 2: c2}, config, urls)
            yield EmulatedWorld(scenario, running, applier, {1: a1, 2: a2})
