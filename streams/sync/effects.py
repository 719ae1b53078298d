"""The effects: one of the model's actions carried out against a JIRA site; what JIRA
answered comes back as facts (``streams.sync.facts``) in an ``Answer``, with what JIRA said
that the pure policies judge (``running.Said``, ``streams.sync.policies.after``). The
effects never see a ``PairState``: an action carries what they need of the pair
(``running.prepared``); ``streams.sync.applier`` judges and folds the answers.

Every write is a "set to this value" (idempotent). A create carries the link marker in the
create call itself, so the issue is always known as ours (``creates``; comment copies:
``comment_copies``). Permanent errors fail the pair with JIRA's reason (fields not on the
screen: ``running.Refused``, for the policies); retryable ones come back as ``Retry``."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from streams.jira.adf import text_to_adf
from streams.jira.client import JiraClient
from streams.jira.errors import (
    BadRequest,
    JiraError,
    NotFound,
    PermanentJiraError,
    RetryableJiraError,
)
from streams.jira.models import parse_jira_time
from streams.jira.transport import RetryPolicy
from streams.sync import (
    attachment_copies,
    comment_copies,
    creates,
    link_effects,
    markers,
    parents,
    status_moves,
    wiki_kept,
    worklog_copies,
)
from streams.sync.attachment_actions import AttachmentAction
from streams.sync.catalog import SiteCatalogs, wanted_names
from streams.sync.echo_reads import from_history
from streams.sync.facts import Cleared, FieldsWritten, Warned
from streams.sync.fields import ASSIGNEE, Rendered, canonical, render
from streams.sync.initial_status import InitialStatuses
from streams.sync.issue_links import LinkAction
from streams.sync.messages import (
    LINK_PROPERTY,
    Action,
    Attribute,
    CopyComments,
    CreateCounterpart,
    CrossLink,
    DeleteIssue,
    Fetch,
    Mark,
    Observation,
    ReadEchoes,
    ReadResolution,
    RecoverCreate,
    SiteNumber,
    SyncConfig,
    TransitionTo,
    Unlink,
    WriteFields,
)
from streams.sync.parent_actions import ParentAction
from streams.sync.rich_text import mentioned
from streams.sync.running import (
    REFUSED_WARNING,
    Answer,
    Durable,
    EchoesRead,
    Moved,
    Refused,
    Retry,
    failed,
    reported,
    retry_of,
)
from streams.sync.transitions import WorkflowGraph
from streams.sync.worklog_actions import WorklogAction

__all__ = ["READ_FIELDS", "Effects"]

READ_FIELDS = [
    "summary",
    "description",
    "priority",
    "labels",
    "components",
    "fixVersions",
    "duedate",
    "assignee",
    "issuetype",
    "parent",  # carried at the create (streams.sync.hierarchy), never merged
    "reporter",  # carried at the create (streams.sync.at_create), never merged
    "issuelinks",  # synced by streams.sync.issue_links, never merged
    "status",
    "resolution",
    "updated",
    "security",  # restricted issues stay home (streams.sync.visibility); written only if mapped
]


async def _nothing(*_: Any) -> None:
    return None


@dataclass
class Effects:
    clients: Mapping[int, JiraClient]
    config: SyncConfig
    browse_urls: Mapping[int, str]
    graphs: dict[int, WorkflowGraph] = field(
        default_factory=lambda: {1: WorkflowGraph(), 2: WorkflowGraph()}
    )
    issue_type: str = "Task"  # for counterparts whose origin type the target lacks
    catalogs: SiteCatalogs | None = None
    # Attempts at creating a comment copy within one step, and how to wait between them.
    comment_retry: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    nonce: Callable[[], str] = markers.new_nonce  # a create intent's (its MAC covers it)
    # Told of each counterpart made (site, issue id) once JIRA answered (the pair agent
    # routes it to the pair at once: its echo then needs no marker read).
    made: Callable[[SiteNumber, str], Awaitable[None]] = _nothing
    initial: InitialStatuses = field(default_factory=InitialStatuses)  # new counterparts'

    def read_fields(self, site: int) -> list[str]:
        customs = [c.ids[site] for c in self.config.maps.custom if site in c.ids]
        return [*READ_FIELDS, *customs]

    async def render_for(self, site: SiteNumber, values: dict[str, Any]) -> Rendered:
        """``values`` as ``site``'s REST fields, against what the site has (components,
        versions, users); what cannot be carried is in ``held`` and ``problems``."""
        available = None
        if self.catalogs is not None:
            wanted = wanted_names(values)
            if wanted:
                available = await self.catalogs.available(site, wanted)
            if values.get(ASSIGNEE) is not None:
                await self.catalogs.learn_user(site, values[ASSIGNEE])
            for person in mentioned(values, self.config.maps):
                await self.catalogs.learn_user(site, person)
        priorities = None
        if self.catalogs is not None and values.get("priority") is not None:
            priorities = await self.catalogs.priorities(site)
        rendered = render(site, values, self.config.maps, available, priorities)
        wiki_kept.held_in_wiki(site, values, rendered, self.config)
        return rendered

    async def observe(self, fetch: Fetch) -> Observation:
        try:
            issue = await self.clients[fetch.site].get_issue(
                fetch.issue_key, fields=self.read_fields(fetch.site)
            )
        except NotFound:
            return Observation(fetch.site, "", fetch.issue_key, {}, None, exists=False)
        values = canonical(fetch.site, issue.fields, self.config.maps)
        return Observation(
            fetch.site,
            issue.id,
            issue.key or fetch.issue_key,
            values,
            parse_jira_time(issue.updated),
            fields=issue.fields,
        )

    async def link_of(self, site: SiteNumber, issue_id: str) -> dict[str, Any] | None:
        """The link marker on an issue (by id or key), or None (also when it does not exist)."""
        try:
            issue = await self.clients[site].get_issue(
                issue_id, fields=["updated"], properties=[LINK_PROPERTY]
            )
        except NotFound:
            return None
        marker = issue.properties.get(LINK_PROPERTY)
        return marker if isinstance(marker, dict) else None

    async def run(self, action: Action, at: datetime, durable: Durable = _nothing) -> Answer:
        """One action carried out at the step's clock ``at``: what JIRA answered, as facts,
        and what it said for the policies to judge (``said``). ``durable`` is handed the
        facts so far before a create is asked of JIRA (its intent must survive a crash)."""
        answer = Answer()
        answer.retry = await self._carry_out(answer, action, at, durable)
        return answer

    async def _carry_out(
        self, answer: Answer, action: Action, at: datetime, durable: Durable
    ) -> Retry | None:
        if isinstance(action, CreateCounterpart):
            return await creates.create(self, answer, action, at, durable)
        if isinstance(action, RecoverCreate):
            return await creates.recover(self, answer, action, at)
        if isinstance(action, AttachmentAction):
            return await attachment_copies.attachments(self, answer, action)
        if isinstance(action, WorklogAction):
            return await worklog_copies.worklogs(self, answer, action)
        if isinstance(action, LinkAction | ParentAction):
            return await self._related(answer, action)
        start = answer.checkpoint()
        try:
            if isinstance(action, comment_copies.CommentEffect):
                return await comment_copies.comment(self, answer, action, durable)
            if isinstance(action, CopyComments):
                return await comment_copies.copy_earlier(self, answer, action, durable)
            await self._perform(answer, action)
            return None
        except BadRequest as error:
            answer.rollback(start)
            if isinstance(action, WriteFields):
                answer.said = Refused(error.fields_not_on_screen, str(error))
            else:
                answer.add(failed(action, error))
            return None
        except PermanentJiraError as error:
            answer.rollback(start)
            answer.add(failed(action, error))
            return None
        except RetryableJiraError as error:
            answer.rollback(start)
            answer.add(failed(action, error))
            return retry_of(error)

    async def _related(self, answer: Answer, action: LinkAction | ParentAction) -> Retry | None:
        """Issue links and parents: reads, and the writes their policies chose."""
        try:
            if isinstance(action, LinkAction):
                await link_effects.perform(self, answer, action)
            else:
                await parents.perform(self, answer, action)
        except RetryableJiraError as error:
            answer.add(failed(action, error))
            return retry_of(error)
        except PermanentJiraError as error:
            answer.add(failed(action, error))
        return None

    async def _perform(self, run: Answer, action: Action) -> None:
        if isinstance(action, WriteFields):
            rendered = await self.render_for(action.site, action.values)
            await self.clients[action.site].edit_issue(action.issue_key, fields=rendered.fields)
            held, before = rendered.held, action.before
            run.add(FieldsWritten(action.site, action.values, held, before, not action.restore))
            run.add(Cleared(REFUSED_WARNING), *reported(action.values, rendered))
            run.add(*wiki_kept.kept(action.site, action.values, self.config))
        elif isinstance(action, TransitionTo):
            await self.transition(run, action)
        elif isinstance(action, Mark):
            marker = markers.signed(action.link, self.nonce(), self.config.marker_secret)
            await self.clients[action.site].set_property(action.issue_key, LINK_PROPERTY, marker)
        elif isinstance(action, Attribute):
            body = text_to_adf(action.text)
            if body is not None:
                await self.clients[action.site].add_comment(action.issue_key, body)
        elif isinstance(action, ReadEchoes):  # in place of an echo never seen (echo_reads)
            history = [e async for e in self.clients[action.site].changelog(action.issue_key)]
            ours = self.config.integration_accounts.get(action.site)
            run.said = EchoesRead(from_history(action.site, history, ours, self.config.maps))
        elif isinstance(action, ReadResolution):
            holds = await status_moves.resolution_of(self, action.site, action.move.issue_key)
            run.said = Moved(None, holds)
        elif isinstance(action, CrossLink):
            sides: list[tuple[SiteNumber, str]] = [(1, action.keys[0]), (2, action.keys[1])]
            if action.best_effort:
                await self.linked(run, action.pair_id, sides)
            else:
                await self.cross_link(action.pair_id, sides)
        elif isinstance(action, Unlink):
            client = self.clients[action.site]
            with contextlib.suppress(NotFound):
                await client.delete_property(action.issue_key, LINK_PROPERTY)
            with contextlib.suppress(NotFound):
                await client.delete_remote_link(action.issue_key, f"jira-sync:{action.pair_id}")
            run.add(Warned("unlinked", f"{action.issue_key} was unlinked"))
        elif isinstance(action, DeleteIssue):
            with contextlib.suppress(NotFound):
                await self.clients[action.site].delete_issue(action.issue_key)
            run.add(Warned("deleted", f"{action.issue_key} was deleted too"))
        else:
            raise TypeError(f"the applier does not perform {type(action).__name__}")

    async def linked(self, run: Answer, pair_id: str, sides: list[tuple[SiteNumber, str]]) -> None:
        """The remote links after a create: the pair stands without them (a warning)."""
        try:
            await self.cross_link(pair_id, sides)
        except JiraError as error:
            run.add(Warned("remote-link", f"remote link not added: {error}"))
            return
        run.add(Cleared("remote-link"))

    async def cross_link(self, pair_id: str, sides: list[tuple[SiteNumber, str]]) -> None:
        """Remote links both ways (same globalId: re-running never duplicates them)."""
        keys = dict(sides)
        if not keys.get(1) or not keys.get(2):
            return
        pairs: tuple[tuple[SiteNumber, SiteNumber], ...] = ((1, 2), (2, 1))
        for here, there in pairs:
            url = f"{self.browse_urls[there]}/browse/{keys[there]}"
            await self.clients[here].upsert_remote_link(
                keys[here], f"jira-sync:{pair_id}", url, f"{keys[there]} (synced by jira-sync)"
            )

    async def transition(self, run: Answer, action: TransitionTo) -> None:
        await status_moves.move(self, run, action)
