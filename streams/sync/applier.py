"""Carries out the model's actions against both JIRA sites and folds the results back.

Every write is a "set to this value" (idempotent). A create carries the link marker in the
create call itself, so the issue can always be recognised as ours. Permanent errors drop
the offending field with a warning (field not on the screen) or fail the pair with JIRA's
reason; retryable ones come back as ``Retry`` so the caller can schedule the pair again.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from streams.jira.client import JiraClient
from streams.jira.errors import (
    BadRequest,
    JiraError,
    NotFound,
    PermanentJiraError,
    RetryableJiraError,
)
from streams.jira.models import Comment, Issue, parse_jira_time
from streams.jira.transport import RetryPolicy
from streams.state import PairState, PendingCreate
from streams.sync import comments, differences, journal, markers, rich_text, screens
from streams.sync.catalog import PROJECT_TYPE, SiteCatalogs, wanted_names
from streams.sync.events import PairEvent
from streams.sync.facts import (
    Cleared,
    CommentCopied,
    CommentPending,
    CommentUnmapped,
    CommentUpdated,
    CounterpartCreated,
    CreateFound,
    CreateIntended,
    FieldsUnagreed,
    FieldsWritten,
    StatusReached,
    Track,
    Warned,
    WriteFailed,
)
from streams.sync.fields import (
    ASSIGNEE,
    RESOLUTION,
    Rendered,
    canonical,
    issue_type_for,
    render,
)
from streams.sync.messages import (
    LINK_PROPERTY,
    Action,
    CopyComment,
    CopyComments,
    CreateCounterpart,
    CrossLink,
    DeleteComment,
    DeleteIssue,
    Fetch,
    Observation,
    RecoverCreate,
    SiteNumber,
    SyncConfig,
    TransitionTo,
    Unlink,
    WriteFields,
)
from streams.sync.screens import ScreenFieldMissing, ScreenFill
from streams.sync.transitions import Unreachable, WorkflowGraph, reach

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
    "status",
    "resolution",
    "updated",
    "security",  # restricted issues stay home (streams.sync.visibility); written only if mapped
]
RECOVERY_PAGES = 5  # of 100 recent issues: how far back a lost create is looked for


async def _nothing(pair: PairState) -> None:
    return None


@dataclass(frozen=True)
class Retry:
    reason: str
    after: float | None


@dataclass
class Applied:
    state: PairState
    retry: Retry | None = None
    events: list[PairEvent] = field(default_factory=list)  # what JIRA answered, as facts


@dataclass
class Applier:
    clients: Mapping[int, JiraClient]
    config: SyncConfig
    browse_urls: Mapping[int, str]
    graphs: dict[int, WorkflowGraph] = field(
        default_factory=lambda: {1: WorkflowGraph(), 2: WorkflowGraph()}
    )
    issue_type: str = "Task"  # for counterparts whose origin type the target lacks
    # Makes the pair durable before JIRA is written: its ``pending_create`` before a create,
    # its ``pending_writes`` before field writes and transitions.
    before_writes: Callable[[PairState], Awaitable[None]] = _nothing
    catalogs: SiteCatalogs | None = None
    # Attempts at creating a comment copy within one step, and how to wait between them.
    comment_retry: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    # A create intent's random nonce (journalled: a replay takes it from the record).
    nonce: Callable[[], str] = journal.recorded_nonce

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
        priorities = None
        if self.catalogs is not None and values.get("priority") is not None:
            priorities = await self.catalogs.priorities(site)
        return render(site, values, self.config.maps, available, priorities)

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

    async def apply(self, pair: PairState, action: Action, now: datetime) -> Applied:
        """One action carried out; what JIRA answered, as the facts of it (``events``),
        folded over ``pair`` (``state``)."""
        track = Track(pair, now)
        retry = await self._run(track, action)
        return Applied(track.state, retry, track.events)

    async def _run(self, t: Track, action: Action) -> Retry | None:
        if isinstance(action, CreateCounterpart):
            return await self._create(t, action)
        if isinstance(action, RecoverCreate):
            return await self._recover(t, action)
        start = t.checkpoint()
        try:
            if isinstance(action, CopyComment | DeleteComment):
                return await self._comment(t, action)
            if isinstance(action, CopyComments):
                return await self._copy_earlier(t, action)
            await self._perform(t, action)
            return None
        except BadRequest as error:
            t.rollback(start)
            return await self._refused(t, action, error)
        except PermanentJiraError as error:
            t.rollback(start)
            t.add(_failed(action, error))
            return None
        except RetryableJiraError as error:
            t.rollback(start)
            t.add(_failed(action, error))
            return Retry(str(error), error.retry_after)

    async def _again(self, t: Track, action: Action) -> Retry | None:
        """A follow-up action of the one being carried out, through ``apply``."""
        applied = await self.apply(t.state, action, t.at)
        t.add(*applied.events)
        return applied.retry

    async def _perform(self, t: Track, action: Action) -> None:
        if isinstance(action, WriteFields):
            rendered = await self.render_for(action.site, action.values)
            await self.clients[action.site].edit_issue(action.issue_key, fields=rendered.fields)
            t.add(FieldsWritten(action.site, action.values, rendered.held))
            t.add(Cleared("field-not-on-screen"), *_report(action.values, rendered))
        elif isinstance(action, TransitionTo):
            await self._transition(t, action)
        elif isinstance(action, CrossLink):
            await self._cross_link(t.state)
        elif isinstance(action, Unlink):
            client = self.clients[action.site]
            with contextlib.suppress(NotFound):
                await client.delete_property(action.issue_key, LINK_PROPERTY)
            with contextlib.suppress(NotFound):
                await client.delete_remote_link(action.issue_key, f"jira-sync:{t.state.pair_id}")
            t.add(Warned("unlinked", f"{action.issue_key} was unlinked"))
        elif isinstance(action, DeleteIssue):
            with contextlib.suppress(NotFound):
                await self.clients[action.site].delete_issue(action.issue_key)
            t.add(Warned("deleted", f"{action.issue_key} was deleted too"))
        else:
            raise TypeError(f"the applier does not perform {type(action).__name__}")

    async def _comment(self, t: Track, action: CopyComment | DeleteComment) -> Retry | None:
        """A comment copy made, updated or removed; when it fails for good, its original
        stays pending, so the next merge of the pair does it again (a retry brings no
        comment event). A copy not yet mapped may have been made by a create whose answer
        was lost: it is looked for before it is made again."""
        start = t.checkpoint()
        try:
            if isinstance(action, DeleteComment):
                with contextlib.suppress(NotFound):
                    await self.clients[action.site].delete_comment(
                        action.issue_key, action.comment_id
                    )
                t.add(CommentUnmapped(action.source))
            else:
                await self._copy_comment(t, action)
            return None
        except RetryableJiraError as error:
            t.rollback(start)
            t.add(CommentPending(action.source), _failed(action, error))
            return Retry(str(error), error.retry_after)

    async def _copy_earlier(self, t: Track, action: CopyComments) -> Retry | None:
        """Every public comment of the origin without a copy (none of ours) copied (never an
        internal one: restricted, or a service-desk internal note)."""
        target = t.state.side(action.site)
        key = action.issue_key or (target.key if target is not None else "")
        if not key:
            return None
        async for comment in self.clients[action.source_site].comments(action.source_key):
            ref = f"{action.source_site}:{comment.id}"
            mapped = t.state.comment_map
            if comment.internal or ref in mapped or ref in mapped.values():
                continue
            one = CopyComment(action.source_site, action.source_key, comment.id, action.site, key)
            retry = await self._comment(t, one)
            if retry is not None:
                return retry
        return None

    async def _copy_comment(self, t: Track, action: CopyComment) -> None:
        """The original read fresh; its copy created, updated, or removed when the original
        is gone or has become internal. A create is recorded first and, when a previous
        attempt may have happened, looked for by its marker before it is made again (and
        removed, when its original is gone)."""
        source = action.source
        copy = t.state.comment_map.get(source)
        copy_id = copy.partition(":")[2] if copy else None
        target = self.clients[action.site]
        try:
            original = await self.clients[action.source_site].comment(
                action.source_key, action.comment_id
            )
        except NotFound:
            original = None
        if original is None or original.internal:
            if copy_id is None and source in t.state.pending_comments:
                lost = await _find_copy(target, action.issue_key, source)
                copy_id = lost.id if lost is not None else None
            if copy_id is not None:
                with contextlib.suppress(NotFound):
                    await target.delete_comment(action.issue_key, copy_id)
            t.add(CommentUnmapped(source))
            return
        body = comments.copy_body(original, source, action.source_key)
        if copy_id is not None:
            try:
                await target.update_comment(action.issue_key, copy_id, body)
                t.add(CommentUpdated(source))
                return
            except NotFound:  # someone deleted our copy: make it again
                t.add(CommentUnmapped(source))
        if source in t.state.pending_comments:
            found = await _find_copy(target, action.issue_key, source)
            if found is not None:  # made by a create whose answer was lost
                if found.body != body:  # the original was edited since
                    await target.update_comment(action.issue_key, found.id, body)
                t.add(CommentCopied(source, f"{action.site}:{found.id}"))
                return
        t.add(CommentPending(source))
        await self.before_writes(t.state)
        internal = comments.copy_properties(await self._project_type(action.site))
        made = await self._post_copy(target, action.issue_key, body, source, internal)
        t.add(CommentCopied(source, f"{action.site}:{made}"))

    async def _project_type(self, site: SiteNumber) -> str | None:
        """The target project's type, from the catalog's cached project read (None
        without a catalog: then the copy is written as the platform API makes it, public)."""
        if self.catalogs is None:
            return None
        kinds = (await self.catalogs.available(site)).get(PROJECT_TYPE, frozenset())
        return next(iter(kinds), None)

    async def _post_copy(
        self,
        target: JiraClient,
        key: str,
        body: dict[str, Any],
        source: str,
        properties: dict[str, Any] | None = None,
    ) -> str:
        """The copy's id. A create JIRA failed or did not answer is tried again after a
        backoff (the transport retries reads and updates itself, never a create), once the
        copy is not found by its marker: JIRA may have made it all the same. A passing error
        costs no retry of the whole pair."""
        for attempt in range(1, self.comment_retry.attempts + 1):
            try:
                return (await target.add_comment(key, body, properties=properties)).id
            except RetryableJiraError as error:
                if attempt == self.comment_retry.attempts:
                    raise
                await self.sleep(self.comment_retry.delay(attempt, error.retry_after))
            found = await _find_copy(target, key, source)
            if found is not None:
                return found.id
        raise AssertionError("unreachable")  # pragma: no cover

    async def _create(self, t: Track, action: CreateCounterpart | RecoverCreate) -> Retry | None:
        if isinstance(action, CreateCounterpart) and action.webhook_text:
            fresh, retry = await self._with_origin_text(t, action)
            if fresh is None:
                return retry
            action = fresh
        nonce = action.link.get("nonce")  # a create made again keeps its intent's nonce
        nonce = nonce if isinstance(nonce, str) else self.nonce()
        link = markers.signed(action.link, nonce, self.config.marker_secret)
        intent = PendingCreate(
            site=action.site,
            project_key=action.project_key,
            values=action.values,
            link=link,
            origin_key=action.origin_key,
            requested_at=t.at,
            status=action.status,
            nonce=nonce,
        )
        before = t.checkpoint()
        t.add(CreateIntended(intent))
        await self.before_writes(t.state)
        synced = {k: v for k, v in action.values.items() if k != "issuetype"}
        rendered = await self.render_for(action.site, synced)
        fields = {k: v for k, v in rendered.fields.items() if v is not None}
        issue_type, type_problem = await self._issue_type(
            action.site, action.values.get("issuetype")
        )
        fields |= {"project": {"key": action.project_key}, "issuetype": {"name": issue_type}}
        try:
            created, left_out = await differences.create_within_screens(
                self.clients[action.site], fields, {LINK_PROPERTY: link}
            )
        except PermanentJiraError as error:  # JIRA refused: nothing was created
            t.rollback(before)
            t.add(_failed(action, error))
            return None
        except RetryableJiraError as error:  # may or may not exist: the intent stays
            t.add(_failed(action, error))
            return Retry(str(error), error.retry_after)
        values, held = action.values, rendered.held
        t.add(CounterpartCreated(action.site, created.id, created.key, values, held))
        t.add(*_report(synced, rendered))
        if type_problem is None:
            t.add(Cleared("value-missing", "issuetype"))
        else:
            t.add(Warned("value-missing", type_problem, "issuetype"))
        await self._linked(t)
        if not left_out:
            return None
        return await self._set_after_create(t, action, created.key, left_out)

    async def _with_origin_text(
        self, t: Track, action: CreateCounterpart
    ) -> tuple[CreateCounterpart | None, Retry | None]:
        """The create with its rich text read from the origin (``rich_text.from_origin``);
        an origin that cannot be read is not copied now: the pair's retry looks again."""
        try:
            fresh = await rich_text.from_origin(t.state, action, self.observe, self.config.maps)
        except RetryableJiraError as error:
            t.add(_failed(action, error))
            return None, Retry(str(error), error.retry_after)
        except JiraError as error:
            t.add(_failed(action, error))
            return None, None
        if fresh is None:
            reason = f"{action.origin_key} cannot be read; not copied yet"
            t.add(WriteFailed(type(action).__name__, action.site, reason, retryable=True))
            return None, Retry(reason, None)
        return fresh, None

    async def _set_after_create(
        self,
        t: Track,
        action: CreateCounterpart | RecoverCreate,
        key: str,
        left_out: list[str],
    ) -> Retry | None:
        """The values the create screen refused, set by an edit of the new issue (the edit
        screen may have them; when it refuses them too, they are warned about and left
        out). Until the edit is done they are not agreed, so a later merge sets them."""
        names = differences.canonical_names(action.site, left_out, self.config.maps)
        dropped = {name: action.values[name] for name in names if name in action.values}
        if dropped:
            t.add(FieldsUnagreed(dropped))
        for name, field_id in names.items():
            message = differences.not_on_create_screen(action.site, name, field_id)
            t.add(Warned("field-not-on-create-screen", message, name))
        if not dropped:
            return None
        return await self._again(t, WriteFields(action.site, key, dropped))

    async def _issue_type(self, site: SiteNumber, origin_type: Any) -> tuple[str, str | None]:
        """The type the counterpart is created with and, when it is not the origin's, why."""
        wanted = issue_type_for(site, origin_type, self.config.maps) if origin_type else None
        if self.catalogs is None:
            return wanted or self.issue_type, None
        types = (await self.catalogs.available(site)).get("issuetype", frozenset())
        return differences.issue_type(site, origin_type, wanted, types, self.issue_type)

    async def _recover(self, t: Track, action: RecoverCreate) -> Retry | None:
        try:
            found = await self._find_created(action, t.at)
        except RetryableJiraError as error:
            return Retry(str(error), error.retry_after)
        if found is not None:
            t.add(CreateFound(action.site, found.id, found.key or found.id, action.values))
            await self._linked(t)
            retry = None
        else:
            waited = (t.at - action.requested_at).total_seconds()
            grace = self.config.create_grace.total_seconds()
            if waited < grace:
                reason = "an earlier create is not confirmed yet; waiting for it to show in search"
                return Retry(reason, grace - waited)
            retry = await self._create(t, action)
        made = t.state.side(action.site)
        if retry is not None or made is None or action.status is None:
            return retry
        # the dead worker may or may not have moved the new issue to its status
        await self._transition(t, TransitionTo(action.site, made.key, action.status, guarded=True))
        return None

    async def _find_created(self, action: RecoverCreate, now: datetime) -> Issue | None:
        """Our issue among the project's recently created ones, recognised by its signed
        marker (``markers.vouches``); of several, the first made (a copy comes later)."""
        minutes = math.ceil((now - action.requested_at).total_seconds() / 60) + 2
        jql = f'project = "{action.project_key}" AND created >= -{minutes}m ORDER BY created DESC'
        seen, found = 0, None
        client = self.clients[action.site]
        fields = ["created", "creator"]
        async for issue in client.search(jql, fields=fields, properties=[LINK_PROPERTY]):
            if self._made_by(action, issue):
                found = issue  # newest first: the last one found is the earliest
            seen += 1
            if seen >= RECOVERY_PAGES * 100:
                break
        return found

    def _made_by(self, action: RecoverCreate, issue: Issue) -> bool:
        """``issue`` carries the marker the create of ``action`` wrote, and was not created
        by someone other than the sync account (when that account is known)."""
        pair_id = str(action.link.get("pair_id"))
        nonce = action.link.get("nonce")
        marker = issue.properties.get(LINK_PROPERTY)
        secret = self.config.marker_secret
        if not markers.vouches(marker, pair_id, nonce if isinstance(nonce, str) else None, secret):
            return False
        creator = issue.fields.get("creator")
        account = creator.get("accountId") if isinstance(creator, dict) else None
        ours = self.config.integration_accounts.get(action.site)
        return ours is None or account in (None, ours)

    async def _linked(self, t: Track) -> None:
        try:
            await self._cross_link(t.state)
        except JiraError as error:  # the pair stands; only the convenience link is missing
            t.add(Warned("remote-link", f"remote link not added: {error}"))
            return
        t.add(Cleared("remote-link"))

    async def _cross_link(self, pair: PairState) -> None:
        """Remote links both ways (same globalId: re-running never duplicates them)."""
        if pair.site1 is None or pair.site2 is None:
            return
        for here, there in ((pair.site1, pair.site2), (pair.site2, pair.site1)):
            url = f"{self.browse_urls[there.site]}/browse/{there.key}"
            await self.clients[here.site].upsert_remote_link(
                here.key, f"jira-sync:{pair.pair_id}", url, f"{there.key} (synced by jira-sync)"
            )

    async def _transition(self, t: Track, action: TransitionTo) -> None:
        if not action.issue_key:  # the counterpart created by the step's previous action
            created = t.state.side(action.site)
            if created is None:
                return
            action = replace(action, issue_key=created.key)
        site, key = action.site, action.issue_key

        async def untouched() -> bool:
            # someone moved the new issue already: theirs is a change to sync, not undo
            return not await self._status_changed_by_others(site, key)

        target = self.config.maps.statuses.to_site(site, action.status) or action.status
        guard = untouched if action.guarded else None  # read only when a move is due
        fill = ScreenFill(site, action.resolution, self.config.maps)
        client = self.clients[site]
        try:
            await reach(client, key, target, self.graphs[site], may_move=guard, fill=fill)
        except Unreachable as error:
            t.add(Warned("status-unreachable", str(error), field="status"))
            return
        except (ScreenFieldMissing, BadRequest) as error:
            t.add(screens.refused(action, error))
            return
        held = await self._resolution_held(action, fill)
        t.add(StatusReached(site, action.status, action.resolution, held))
        t.add(Cleared("status-unreachable", "status"))
        t.add(*screens.reported(t.state, action, fill, held))

    async def _resolution_held(self, action: TransitionTo, fill: ScreenFill) -> dict[str, Any]:
        """The resolution the issue holds instead of the origin's, when it differs: a
        default given on the screen, or what the site's own post-function set."""
        maps, wanted = self.config.maps, action.resolution
        if fill.given is not None:
            holds = maps.resolutions.to_canonical(action.site, fill.given)
        elif wanted is None:
            return {}
        else:
            issue = await self.clients[action.site].get_issue(action.issue_key, fields=[RESOLUTION])
            holds = canonical(action.site, issue.fields, maps).get(RESOLUTION)
        return {RESOLUTION: holds} if holds != wanted else {}

    async def _status_changed_by_others(self, site: SiteNumber, key: str) -> bool:
        ours = self.config.integration_accounts.get(site)
        async for entry in self.clients[site].changelog(key):
            author = (entry.author or {}).get("accountId")
            if author != ours and any(
                item.get("fieldId", item.get("field")) == "status" for item in entry.items
            ):
                return True
        return False

    async def _refused(self, t: Track, action: Action, error: BadRequest) -> Retry | None:
        """Fields the edit screen refused (named by field id) are left out, by their
        canonical name, and warned about; the rest is written again, once. A refusal that
        names none of the fields written fails the pair."""
        blocked = {}
        if isinstance(action, WriteFields):
            named = differences.canonical_names(
                action.site, error.fields_not_on_screen, self.config.maps
            )
            blocked = {name: named[name] for name in named if name in action.values}
        if not isinstance(action, WriteFields) or not blocked:
            t.add(_failed(action, error))
            return None
        for name, field_id in blocked.items():
            message = differences.not_on_edit_screen(action.site, name, field_id)
            t.add(Warned("field-not-on-screen", message, field=name))
        rest = {k: v for k, v in action.values.items() if k not in blocked}
        if not rest:
            return None
        return await self._again(t, WriteFields(action.site, action.issue_key, rest))


async def _find_copy(target: JiraClient, key: str, source: str) -> Comment | None:
    """The copy of ``source`` on ``key``, found by its marker."""
    async for existing in target.comments(key):
        if comments.is_copy_of(existing, source):
            return existing
    return None


def _report(values: dict[str, Any], rendered: Rendered) -> list[PairEvent]:
    """Warnings for the values a site could not take; cleared for those it took."""
    facts: list[PairEvent] = []
    for name in values:
        problem = rendered.problems.get(name)
        if problem is None:
            facts.append(Cleared("value-missing", name))
        else:
            facts.append(Warned("value-missing", problem, field=name))
    return facts


def _failed(action: Action, error: JiraError) -> WriteFailed:
    """The fact of ``action`` failing: for good (permanent), or to be retried."""
    retryable = isinstance(error, RetryableJiraError)
    after = error.retry_after if isinstance(error, RetryableJiraError) else None
    return WriteFailed(type(action).__name__, action.site, str(error), retryable, after)
