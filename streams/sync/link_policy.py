"""What the pair's links read come to (pure): the links seen, the links to make and remove
(``issue_links.plan``), and the links that stay out listed on the pair (a warning)."""

from __future__ import annotations

from streams.sync.events import PairEvent
from streams.sync.facts import Cleared, Warned
from streams.sync.issue_links import UNSYNCED, LinksRead, RemoveLink, SyncLinks, copies_gone, plan
from streams.sync.link_facts import LinksSeen
from streams.sync.messages import Action, SyncConfig
from streams.sync.running import Followed, Said


def after(action: SyncLinks, said: Said | None, config: SyncConfig) -> Followed:
    if not isinstance(said, LinksRead):
        return Followed()
    keys = {1: action.keys[0], 2: action.keys[1]}
    wanted, unsynced = plan(said, keys, action.made, config.maps.link_types)
    seen = {str(site): [link.seen for link in links] for site, links in said.links.items()}
    settled = {step.made for step in wanted if isinstance(step, RemoveLink)}
    forgotten = sorted(copies_gone(said.links, action.made) - settled)
    facts: list[PairEvent] = [LinksSeen(seen, forgotten)]
    if unsynced:
        facts.append(Warned(UNSYNCED, "issue links not synced: " + "; ".join(unsynced)))
    else:
        facts.append(Cleared(UNSYNCED))
    then: list[Action] = list(wanted)
    return Followed(facts, then)
