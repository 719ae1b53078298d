"""A comment's webhook on a pair (pure): comments are copied one way each, an original to
the other side with an attribution header (``streams.sync.comments``); copies (ours) never
come back; internal comments never leave their site."""

from __future__ import annotations

from datetime import datetime

from streams.state import PairState, PairStatus
from streams.sync import moves, visibility
from streams.sync.decision import Decision, settled
from streams.sync.events import PairEvent
from streams.sync.merging import moved_away
from streams.sync.messages import CommentChanged, CopyComment, DeleteComment, SyncConfig
from streams.sync.settled import CommentSeen


def comment_change(
    change: CommentChanged, pair: PairState | None, config: SyncConfig, now: datetime
) -> Decision:
    """Comments are copied one way each: an original goes to the other side with an
    attribution header; copies (ours) never come back; internal comments never leave."""
    if not config.sync_comments:
        return Decision(pair, note="comments are not synced")
    if pair is None or pair.site1 is None or pair.site2 is None:
        return Decision(pair, note="comment on an issue that is not synced (yet)")
    if change.webhook_id is not None and change.webhook_id in pair.recent_webhook_ids:
        return Decision(pair, note="duplicate")
    if pair.status is PairStatus.ORPHANED:
        return Decision(pair, note="orphaned")
    if moves.moved_out(change.site, change.issue_key, config):  # before its move's webhook
        return moved_away(pair, change.site, change.issue_key, now)
    if pair.status in visibility.PAUSED:  # copied when the pair resumes (merge_reads)
        return Decision(pair, note=f"{pair.status.value}: comment not copied now")
    seen: list[PairEvent] = [CommentSeen(change.webhook_id, config.dedup_window)]
    ours = config.integration_accounts.get(change.site)
    if change.ref in pair.comment_map.values() or (ours and ours in (change.author, change.actor)):
        return settled(pair, seen, now, note="echo")
    target = pair.site2 if change.site == 1 else pair.site1
    copy = pair.comment_map.get(change.ref)
    if change.kind == "deleted":
        if copy is None:
            return settled(pair, seen, now, note="comment never copied")
        copy_id = copy.partition(":")[2]
        delete = DeleteComment(target.site, target.key, copy_id, change.ref)
        return settled(pair, seen, now, [delete], note="comment")
    if change.kind == "created" and copy is not None:
        note = "copied already (with the comments before the pair)"
        return settled(pair, seen, now, note=note)
    if change.restricted and copy is None:
        return settled(pair, seen, now, note="internal comment stays on its site")
    action = CopyComment(change.site, change.issue_key, change.comment_id, target.site, target.key)
    return settled(pair, seen, now, [action], note="comment")
