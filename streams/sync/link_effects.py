"""The issue-link effects: both issues' links read with where each other end's
counterpart is (``parents.counterpart_ref``: a signed marker on one side, the sync's
remote link on the other), a link made, a link removed. What to do is decided by
``streams.sync.link_policy``; these only ask JIRA and say what it answered."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from streams.jira.errors import NotFound
from streams.sync import parents
from streams.sync.issue_links import (
    ISSUELINKS,
    LinkAction,
    LinksRead,
    MakeLink,
    Outward,
    RemoveLink,
    outward,
)
from streams.sync.link_facts import LinkMade, LinkRemoved
from streams.sync.messages import SiteNumber
from streams.sync.running import Answer

if TYPE_CHECKING:
    from streams.sync.effects import Effects


async def perform(applier: Effects, run: Answer, action: LinkAction) -> None:
    if isinstance(action, MakeLink):
        client = applier.clients[action.site]
        await client.link_issues(action.type, action.subject_key, action.object_key)
        run.add(LinkMade(action.site, action.made.partition("|")[2]))
    elif isinstance(action, RemoveLink):
        with contextlib.suppress(NotFound):  # gone already: as good as removed
            await applier.clients[action.site].delete_link(action.link_id)
        run.add(LinkRemoved(action.site, action.seen, action.made))
    elif all(action.keys):
        run.said = await read(applier, action.keys)


async def read(applier: Effects, keys: tuple[str, str]) -> LinksRead:
    links: dict[int, list[Outward]] = {}
    found: dict[str, tuple[str, str] | None] = {}
    for site, key in zip((1, 2), keys, strict=True):
        issue = await applier.clients[site].get_issue(key, fields=[ISSUELINKS])
        links[site] = outward(issue.fields.get(ISSUELINKS))
        for link in links[site]:
            there: SiteNumber = 2 if site == 1 else 1
            ref = {"id": link.other_id, "key": link.other_key}
            found[f"{site}|{link.other_id}"] = await parents.counterpart_ref(applier, there, ref)
    return LinksRead(links, found)
