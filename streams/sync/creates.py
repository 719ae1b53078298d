"""The create effects: a counterpart made with its link marker in the create call (its
intent recorded first), and a create never confirmed looked for by that marker. What the
answers mean (found, wait, make again; values the create screen left out) is decided by
``streams.sync.policies.after``; these functions only ask JIRA and say what it answered
(``running.LeftOut``, ``running.Searched``)."""

from __future__ import annotations

import math
from datetime import datetime
from typing import TYPE_CHECKING, Any

from streams.jira.errors import BadRequest, JiraError, PermanentJiraError, RetryableJiraError
from streams.jira.models import CreatedIssue
from streams.state import PendingCreate
from streams.sync import at_create, differences, hierarchy, markers, parents, rich_text, wiki_kept
from streams.sync.at_create import PARENT
from streams.sync.catalog import SUBTASKS
from streams.sync.facts import (
    Cleared,
    CounterpartCreated,
    CreateIntended,
    Warned,
    WriteFailed,
)
from streams.sync.fields import issue_type_for
from streams.sync.messages import (
    LINK_PROPERTY,
    CreateCounterpart,
    Fetch,
    RecoverCreate,
    SiteNumber,
    other,
)
from streams.sync.parent_facts import ParentsSeen
from streams.sync.running import (
    Answer,
    Candidate,
    Durable,
    LeftOut,
    Retry,
    Searched,
    failed,
    observation,
    reported,
    retry_of,
)

if TYPE_CHECKING:
    from streams.sync.effects import Effects

RECOVERY_PAGES = 5  # of 100 recent issues: how far back a lost create is looked for


async def create(
    applier: Effects, run: Answer, action: CreateCounterpart, at: datetime, durable: Durable
) -> Retry | None:
    """The counterpart made; its intent (nonce, signed marker) is durable before the call."""
    if action.webhook_text:
        fresh, retry = await _with_origin_text(applier, run, action)
        if fresh is None:
            return retry
        action = fresh
    under, waiting = await _parent_fields(applier, run, action)
    if waiting is not None:
        return waiting
    nonce = action.link.get("nonce")  # a create made again keeps its intent's nonce
    nonce = nonce if isinstance(nonce, str) else applier.nonce()
    link = markers.signed(action.link, nonce, applier.config.marker_secret)
    intent = PendingCreate(
        site=action.site,
        project_key=action.project_key,
        values=action.values,
        link=link,
        origin_key=action.origin_key,
        requested_at=at,
        status=action.status,
        nonce=nonce,
    )
    before = run.checkpoint()  # a refused create leaves no intent
    run.add(CreateIntended(intent))
    await durable(run.events)
    synced = {k: v for k, v in action.values.items() if k not in at_create.ONLY_AT_CREATE}
    rendered = await applier.render_for(action.site, synced)
    fields = {k: v for k, v in rendered.fields.items() if v is not None}
    fields |= await _reporter(applier, action.site, action.values)
    issue_type, type_problem = await _issue_type(applier, action.site, action.values)
    fields |= {"project": {"key": action.project_key}, "issuetype": {"name": issue_type}}
    try:
        created, left_out = await _made(applier, run, action.site, fields | under, link)
    except PermanentJiraError as error:  # JIRA refused: nothing was created
        run.rollback(before)
        run.add(failed(action, error))
        return None
    except RetryableJiraError as error:  # may or may not exist: the intent stays
        run.add(failed(action, error))
        return retry_of(error)
    values, held = action.values, rendered.held
    run.add(CounterpartCreated(action.site, created.id, created.key, values, held))
    await applier.made(action.site, created.id)
    applier.initial.made(action.site, created.key, action.project_key, issue_type)
    run.add(_parents_seen(action, under, run))
    run.add(*reported(synced, rendered), *wiki_kept.kept(action.site, synced, applier.config))
    if type_problem is None:
        run.add(Cleared("value-missing", "issuetype"))
    else:
        run.add(Warned("value-missing", type_problem, "issuetype"))
    origin: tuple[SiteNumber, str] = (other(action.site), action.origin_key)
    pair_id = str(action.link.get("pair_id"))
    await applier.linked(run, pair_id, [origin, (action.site, created.key)])
    run.said = LeftOut(action, created.key, left_out)
    return None


async def _parent_fields(
    applier: Effects, run: Answer, action: CreateCounterpart
) -> tuple[dict[str, Any], Retry | None]:
    """``fields.parent`` for the create (``hierarchy.parent_plan``): under the parent's
    counterpart, none, or a wait (a retryable failure: the parent is not synced yet)."""
    origin_parent = action.values.get(PARENT)
    if not isinstance(origin_parent, dict):
        return {}, None
    try:
        found = await parents.counterpart(applier, action.site, origin_parent)
    except JiraError as error:
        run.add(failed(action, error))
        return {}, retry_of(error) if isinstance(error, RetryableJiraError) else Retry(
            str(error), None
        )
    plan = hierarchy.parent_plan(origin_parent, found)
    if isinstance(plan, hierarchy.WaitForParent):
        run.add(WriteFailed(type(action).__name__, action.site, plan.reason, retryable=True))
        return {}, Retry(plan.reason, None)
    if isinstance(plan, hierarchy.UnderParent):
        return {PARENT: {"id": plan.parent_id}}, None
    return {}, None


async def _made(
    applier: Effects, run: Answer, site: SiteNumber, fields: dict[str, Any], link: dict[str, Any]
) -> tuple[CreatedIssue, list[str]]:
    """The create; a standard issue JIRA refuses under its parent's counterpart (an epic
    copied at another level: an unmapped epic type) is made without it, with a warning."""
    client, properties = applier.clients[site], {LINK_PROPERTY: link}
    try:
        return await differences.create_within_screens(client, fields, properties)
    except BadRequest as error:
        if PARENT not in fields or not hierarchy.refused_parent(error.errors):
            raise
        if fields.get("issuetype", {}).get("name") in await _subtask_types(applier, site):
            raise
        why = f"not put under its parent on site {site}: {'; '.join(error.errors.values())}"
        run.add(Warned("parent-not-set", why, field=PARENT))
        unparented = {k: v for k, v in fields.items() if k != PARENT}
        return await differences.create_within_screens(client, unparented, properties)


def _parents_seen(action: CreateCounterpart, under: dict[str, Any], run: Answer) -> ParentsSeen:
    """The parent each new issue is under (a later move is followed from there)."""
    origin = action.values.get(PARENT)
    unparented = any(isinstance(e, Warned) and e.code == "parent-not-set" for e in run.events)
    made = "" if unparented else str(under.get(PARENT, {}).get("id", ""))
    origin_id = str(origin["id"]) if isinstance(origin, dict) else ""
    return ParentsSeen({str(other(action.site)): origin_id, str(action.site): made})


async def _reporter(applier: Effects, site: SiteNumber, values: dict[str, Any]) -> dict[str, Any]:
    """``fields.reporter``: the origin's reporter's account on ``site``, when known there
    (learned by email like an assignee); else none, and the attribution names the person."""
    reporter = values.get(at_create.REPORTER)
    if site not in applier.config.reporter_sites:  # JIRA would refuse it (400): not asked
        return {}
    account = reporter.get("account") if isinstance(reporter, dict) else None
    if account and applier.catalogs is not None:
        await applier.catalogs.learn_user(site, str(account))
    return at_create.reporter_field(site, reporter, applier.config.maps.users)


async def _subtask_types(applier: Effects, site: SiteNumber) -> frozenset[str]:
    if applier.catalogs is None:
        return frozenset()
    return (await applier.catalogs.available(site)).get(SUBTASKS, frozenset())


async def _with_origin_text(
    applier: Effects, run: Answer, action: CreateCounterpart
) -> tuple[CreateCounterpart | None, Retry | None]:
    """The create with its rich text read from the origin (``rich_text.with_rest_text``);
    an origin that cannot be read is not copied now: the pair's retry looks again."""
    try:
        seen = await applier.observe(Fetch(other(action.site), action.origin_key))
    except RetryableJiraError as error:
        run.add(failed(action, error))
        return None, retry_of(error)
    except JiraError as error:
        run.add(failed(action, error))
        return None, None
    run.add(observation(seen))
    fresh = rich_text.with_rest_text(action, seen, applier.config.maps)
    if fresh is None:
        reason = f"{action.origin_key} cannot be read; not copied yet"
        run.add(WriteFailed(type(action).__name__, action.site, reason, retryable=True))
        return None, Retry(reason, None)
    return fresh, None


async def _issue_type(
    applier: Effects, site: SiteNumber, values: dict[str, Any]
) -> tuple[str, str | None]:
    """The type the counterpart is created with and, when it is not the origin's, why."""
    origin_type = values.get("issuetype")
    maps = applier.config.maps
    wanted = issue_type_for(site, origin_type, maps) if origin_type else None
    if applier.catalogs is None:
        return wanted or applier.issue_type, None
    available = await applier.catalogs.available(site)
    parent = values.get(PARENT)
    if isinstance(parent, dict) and parent.get("subtask"):  # only a sub-task type will do
        return hierarchy.subtask_type(site, wanted or "", available.get(SUBTASKS, frozenset()))
    types = available.get("issuetype", frozenset()) - available.get(SUBTASKS, frozenset())
    return differences.issue_type(site, origin_type, wanted, types, applier.issue_type)


async def recover(
    applier: Effects, run: Answer, action: RecoverCreate, at: datetime
) -> Retry | None:
    """A create never confirmed: the project's recent issues searched for its marker
    (what that means is the policies' to say: found, waited for, or made again)."""
    try:
        run.said = Searched(await _recent(applier, action, at))
    except RetryableJiraError as error:
        return retry_of(error)
    return None


async def _recent(applier: Effects, action: RecoverCreate, at: datetime) -> list[Candidate]:
    """The project's issues created since the intent (newest first), with their markers."""
    minutes = math.ceil((at - action.requested_at).total_seconds() / 60) + 2
    jql = f'project = "{action.project_key}" AND created >= -{minutes}m ORDER BY created DESC'
    found: list[Candidate] = []
    client = applier.clients[action.site]
    fields = ["created", "creator"]
    async for issue in client.search(jql, fields=fields, properties=[LINK_PROPERTY]):
        creator = issue.fields.get("creator")
        account = creator.get("accountId") if isinstance(creator, dict) else None
        marker = issue.properties.get(LINK_PROPERTY)
        found.append(Candidate(issue.id, issue.key, marker, account))
        if len(found) >= RECOVERY_PAGES * 100:
            break
    return found
