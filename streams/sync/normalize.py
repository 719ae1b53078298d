"""Webhook envelopes -> ``IssueChanged``, and the JSON form of pair messages on the pair topic.

Besides JIRA's own events, the events topics carry ``jira-sync:snapshot`` envelopes: an
issue as read through REST by a manual sync or a full sync, fed through the same path.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from typing import Any, Literal

from streams.jira.models import parse_jira_time
from streams.jira.webhooks import EventKind, JiraWebhook, WebhookError, parse_webhook
from streams.records import SiteNumber, WebhookEnvelope
from streams.sync import searched
from streams.sync.fields import FieldMaps, canonical
from streams.sync.messages import (
    ChangeKind,
    CommentChanged,
    EndPair,
    IssueChanged,
    LinkExisting,
    PairMessage,
    Reexamine,
    Resolve,
)
from streams.sync.overwrites import changelog_values
from streams.sync.worklog_actions import WorklogChanged

SNAPSHOT_EVENT = "jira-sync:snapshot"
MATCHED = "jiraSyncJqlMatch"  # a snapshot its site's JQL filter found (``jql_filter``)
KINDS: dict[str, ChangeKind] = {
    EventKind.ISSUE_CREATED: "created",
    EventKind.ISSUE_UPDATED: "updated",
    EventKind.ISSUE_DELETED: "deleted",
    SNAPSHOT_EVENT: "snapshot",
}
COMMENT_KINDS: dict[str, Literal["created", "updated", "deleted"]] = {
    EventKind.COMMENT_CREATED: "created",
    EventKind.COMMENT_UPDATED: "updated",
    EventKind.COMMENT_DELETED: "deleted",
}
WORKLOG_KINDS: dict[str, Literal["created", "updated", "deleted"]] = {
    EventKind.WORKLOG_CREATED: "created",
    EventKind.WORKLOG_UPDATED: "updated",
    EventKind.WORKLOG_DELETED: "deleted",
}


ROUTE_EVENT = "jira-sync:route"  # the worker's own: an issue's pair, set by a link command


def route_envelope(
    site: SiteNumber, issue_id: str, pair_id: str, event_id: str, now: datetime
) -> WebhookEnvelope:
    """An instruction to site ``site``'s route agent: ``issue_id`` belongs to ``pair_id``
    from now on (an envelope: only the worker writes them, never the ingress)."""
    return WebhookEnvelope(
        site=site,
        webhook_id=event_id,
        received_at=now,
        event_type=ROUTE_EVENT,
        issue_id=issue_id,
        payload={"pair_id": pair_id},
    )


def snapshot_envelope(
    site: SiteNumber,
    issue_id: str,
    key: str,
    fields: dict[str, Any],
    snapshot_id: str,
    now: datetime,
    matched: bool = False,
    said: dict[str, Any] | None = None,
) -> WebhookEnvelope:
    """An issue read through REST, as an event on its site's events topic; ``matched``: a
    search with its site's JQL filter found it (JIRA need not be asked again); ``said``:
    what a full sync's search said of it besides its fields (``streams.sync.searched``)."""
    payload: dict[str, Any] = {
        "timestamp": int(now.timestamp() * 1000),
        "webhookEvent": SNAPSHOT_EVENT,
        "issue": {"id": issue_id, "key": key, "fields": fields},
        **({MATCHED: True} if matched else {}),
        **({searched.SEARCHED: said} if said is not None else {}),
    }
    return WebhookEnvelope(
        site=site,
        webhook_id=snapshot_id,
        received_at=now,
        event_type=SNAPSHOT_EVENT,
        issue_id=issue_id,
        payload=payload,
    )


def change_from_envelope(
    envelope: WebhookEnvelope, maps: FieldMaps
) -> IssueChanged | CommentChanged | WorklogChanged | None:
    """The change a delivery reports, or None for events the engine does not act on."""
    kind = KINDS.get(envelope.event_type)
    comment_kind = COMMENT_KINDS.get(envelope.event_type)
    worklog_kind = WORKLOG_KINDS.get(envelope.event_type)
    if kind is None and comment_kind is None and worklog_kind is None:
        return None
    try:
        webhook = parse_webhook(envelope.payload)
    except WebhookError:
        return None
    if worklog_kind is not None:
        return _worklog_change(envelope, webhook, worklog_kind)
    if comment_kind is not None:
        return _comment_change(envelope, webhook, comment_kind)
    if kind is None:
        return None
    issue = webhook.issue
    if issue is None or not issue.id or not issue.key:
        return None
    return IssueChanged(
        site=envelope.site,
        kind=kind,
        issue_id=issue.id,
        issue_key=issue.key,
        values=canonical(envelope.site, issue.fields, maps),
        updated=parse_jira_time(issue.fields.get("updated")),
        webhook_id=envelope.webhook_id,
        actor=webhook.user.id if webhook.user else None,
        attachments=files_changed(webhook, kind) or bool(searched.has_files(envelope.payload)),
        text_read=searched.has_files(envelope.payload) is not None,  # a search: REST values
        jql_match=_matched(envelope),
        changelog=changelog_values(envelope.site, webhook.changelog, maps),
    )


def _matched(envelope: WebhookEnvelope) -> bool | None:
    """True for a snapshot its site's filter found; None (ask JIRA) for anything else."""
    if envelope.event_type == SNAPSHOT_EVENT and envelope.payload.get(MATCHED) is True:
        return True
    return None


def files_changed(webhook: JiraWebhook, kind: ChangeKind) -> bool:
    """A file was added or deleted (an ``Attachment`` changelog item), or an issue was
    created with files."""
    items = webhook.changelog.items if webhook.changelog is not None else []
    if any((item.field_id or item.field).lower() == "attachment" for item in items):
        return True
    files = webhook.issue.fields.get("attachment") if webhook.issue is not None else None
    return kind == "created" and bool(files)


def _comment_change(
    envelope: WebhookEnvelope,
    webhook: JiraWebhook,
    kind: Literal["created", "updated", "deleted"],
) -> CommentChanged | None:
    comment, issue_id = webhook.comment, webhook.issue_id
    if comment is None or issue_id is None:
        return None
    key = webhook.issue.key if webhook.issue is not None else None
    return CommentChanged(
        site=envelope.site,
        kind=kind,
        issue_id=issue_id,
        issue_key=key or issue_id,
        comment_id=comment.id,
        author=comment.author.id if comment.author else None,
        actor=webhook.user.id if webhook.user else None,
        restricted=comment.internal,
        webhook_id=envelope.webhook_id,
    )


def _worklog_change(
    envelope: WebhookEnvelope,
    webhook: JiraWebhook,
    kind: Literal["created", "updated", "deleted"],
) -> WorklogChanged | None:
    """A worklog event: its issue by id only (worklog webhooks carry no key)."""
    worklog, issue_id = webhook.worklog, webhook.issue_id
    if worklog is None or issue_id is None:
        return None
    return WorklogChanged(
        site=envelope.site,
        kind=kind,
        issue_id=issue_id,
        issue_key=issue_id,
        worklog_id=worklog.id,
        author=worklog.author.id if worklog.author else None,
        actor=worklog.update_author.id if worklog.update_author else None,
        webhook_id=envelope.webhook_id,
    )


def change_to_json(change: IssueChanged) -> dict[str, Any]:
    refused = {"refused": change.refused} if change.refused is not None else {}
    files = {"attachments": True} if change.attachments else {}
    matched = {"jql_match": change.jql_match} if change.jql_match is not None else {}
    changes = {"changelog": change.changelog} if change.changelog else {}
    return {
        "site": change.site,
        "kind": change.kind,
        "issue_id": change.issue_id,
        "issue_key": change.issue_key,
        "values": change.values,
        "updated": change.updated.isoformat() if change.updated else None,
        "webhook_id": change.webhook_id,
        "actor": change.actor,
        "text_read": change.text_read,
        **refused,
        **files,
        **matched,
        **changes,
    }


def change_from_json(raw: dict[str, Any]) -> IssueChanged:
    updated = raw.get("updated")  # ``type`` (message_to_json) is ignored here
    return IssueChanged(
        site=raw["site"],
        kind=raw["kind"],
        issue_id=raw["issue_id"],
        issue_key=raw["issue_key"],
        values=raw["values"],
        updated=datetime.fromisoformat(updated) if updated else None,
        webhook_id=raw.get("webhook_id"),
        actor=raw.get("actor"),
        text_read=bool(raw.get("text_read", False)),
        refused=raw.get("refused"),
        attachments=bool(raw.get("attachments", False)),
        jql_match=raw.get("jql_match"),
        changelog=raw.get("changelog") or {},
    )


def message_to_json(message: PairMessage) -> dict[str, Any]:
    if isinstance(message, Reexamine):
        return {"type": "reexamine", "reason": message.reason, "attempt": message.attempt}
    if isinstance(message, Resolve):
        return {"type": "resolve", "winner": message.winner, "sync_id": message.sync_id}
    if isinstance(message, CommentChanged):
        return {"type": "comment", **dataclasses.asdict(message)}
    if isinstance(message, WorklogChanged):
        return {"type": "worklog", **dataclasses.asdict(message)}
    if isinstance(message, LinkExisting):
        return {"type": "link", **dataclasses.asdict(message)}
    if isinstance(message, EndPair):
        return {"type": "end", "sync_id": message.sync_id}
    return {"type": "change", **change_to_json(message)}


def message_from_json(raw: dict[str, Any]) -> PairMessage:
    kind = raw.get("type", "change")
    if kind == "reexamine":
        return Reexamine(reason=raw["reason"], attempt=raw.get("attempt", 1))
    if kind == "resolve":
        return Resolve(winner=raw["winner"], sync_id=raw["sync_id"])
    if kind == "comment":
        return CommentChanged(**{k: v for k, v in raw.items() if k != "type"})
    if kind == "worklog":
        return WorklogChanged(**{k: v for k, v in raw.items() if k != "type"})
    if kind == "link":
        return LinkExisting(raw["sync_id"], str(raw["site1_id"]), str(raw["site2_id"]))
    if kind == "end":
        return EndPair(raw["sync_id"])
    return change_from_json(raw)


def encode_message(message: PairMessage) -> bytes:
    """A pair message as the value of a pair-changes record."""
    return json.dumps(message_to_json(message)).encode()
