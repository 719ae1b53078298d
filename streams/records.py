"""Records on the log. Frozen pydantic models, JSON on the wire."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from streams.sites import SiteNumber as SiteNumber


class WebhookEnvelope(BaseModel):
    """One webhook delivery as received, on the events topic of its site (key: issue id)."""

    model_config = ConfigDict(frozen=True)

    site: SiteNumber
    webhook_id: str = Field(min_length=1)
    retry: int = Field(default=0, ge=0)
    received_at: datetime
    event_type: str
    issue_id: str | None = None
    payload: dict[str, Any]

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> WebhookEnvelope:
        return cls.model_validate_json(raw)


def content_webhook_id(site: SiteNumber, body: bytes) -> str:
    """Dedup key for a delivery without ``X-Atlassian-Webhook-Identifier``: a content hash."""
    return f"sha256:{hashlib.sha256(bytes([site]) + body).hexdigest()}"
