"""Webhook envelopes -> ``IssueChanged``, and the change's JSON form on the pair topic."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from streams.jira.models import parse_jira_time
from streams.jira.webhooks import EventKind, WebhookError, parse_webhook
from streams.records import WebhookEnvelope
from streams.sync.fields import FieldMaps, canonical
from streams.sync.messages import ChangeKind, IssueChanged

KINDS: dict[str, ChangeKind] = {
    EventKind.ISSUE_CREATED: "created",
    EventKind.ISSUE_UPDATED: "updated",
    EventKind.ISSUE_DELETED: "deleted",
}


def change_from_envelope(envelope: WebhookEnvelope, maps: FieldMaps) -> IssueChanged | None:
    """The issue change a delivery reports, or None for events the engine does not act on."""
    kind = KINDS.get(envelope.event_type)
    if kind is None:
        return None
    try:
        webhook = parse_webhook(envelope.payload)
    except WebhookError:
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
        actor=webhook.user.account_id if webhook.user else None,
    )


def change_to_json(change: IssueChanged) -> dict[str, Any]:
    return {
        "site": change.site,
        "kind": change.kind,
        "issue_id": change.issue_id,
        "issue_key": change.issue_key,
        "values": change.values,
        "updated": change.updated.isoformat() if change.updated else None,
        "webhook_id": change.webhook_id,
        "actor": change.actor,
    }


def change_from_json(raw: dict[str, Any]) -> IssueChanged:
    updated = raw.get("updated")
    return IssueChanged(
        site=raw["site"],
        kind=raw["kind"],
        issue_id=raw["issue_id"],
        issue_key=raw["issue_key"],
        values=raw["values"],
        updated=datetime.fromisoformat(updated) if updated else None,
        webhook_id=raw.get("webhook_id"),
        actor=raw.get("actor"),
    )
