"""Names of the log's topics, all under one configurable prefix."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Site = Literal[1, 2]


@dataclass(frozen=True)
class Topics:
    prefix: str = "jira-sync"

    def events(self, site: Site) -> str:
        """Webhook envelopes from one site, keyed by JIRA issue id. The source of truth."""
        return f"{self.prefix}.jira{site}.events"

    @property
    def commands(self) -> str:
        """Operator commands (manual sync, resolve conflict, full resync) as plain JSON."""
        return f"{self.prefix}.commands"

    @property
    def pair_changes(self) -> str:
        """Internal: normalised changes re-keyed by sync id (one pair, one partition)."""
        return f"{self.prefix}.pair-changes"

    @property
    def sync_state(self) -> str:
        """Compacted: the latest state of every pair, consumed by the projections."""
        return f"{self.prefix}.sync-state"

    @property
    def journal(self) -> str:
        """What each pair step took from JIRA, in order: the replay's second source."""
        return f"{self.prefix}.journal"

    @property
    def retry(self) -> str:
        return f"{self.prefix}.retry"

    @property
    def dead_letter(self) -> str:
        return f"{self.prefix}.dead-letter"

    @property
    def dead_letter_redriven(self) -> str:
        """One partition, kept for ever: which dead letters were re-driven, each marker in
        the same Kafka transaction as its re-driven record (``jira_sync.ops.dead_letters``)."""
        return f"{self.prefix}.dead-letter-redriven"

    @property
    def ignored_events(self) -> str:
        """Valid webhooks of kinds the sync does not use, kept for audit."""
        return f"{self.prefix}.ignored-events"
