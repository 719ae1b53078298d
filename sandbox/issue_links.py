"""Issue links: the site's link types, links between two issues, ``fields.issuelinks``.

Direction as JIRA Cloud really does it (not as the names suggest): ``POST /issueLink`` with
``inwardIssue`` A, ``outwardIssue`` B and type Blocks makes "A blocks B"; A then lists the
link with ``outwardIssue`` B (read with ``type.outward``) and B with ``inwardIssue`` A (read
with ``type.inward``): https://github.com/mozilla/jira-bugzilla-integration/pull/1285,
https://github.com/iloom-ai/iloom-cli/issues/617, https://github.com/atlassian/atlassian-mcp-
server/issues/112, https://developer.atlassian.com/cloud/jira/platform/issue-linking-model/.
A link that exists already is answered 201 and not doubled (REST v3 description of the
operation). Link type names and phrases differ per site (``SiteConfig.link_types``). Each
side records a ``Link`` changelog item ("This issue blocks B-1").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web

from sandbox.errors import JiraError, bad_request, field_errors, not_found
from sandbox.http import actor_of, json_object, no_content, site_of
from sandbox.model import ChangeItem, Issue
from sandbox.render import linked
from sandbox.site import Site
from sandbox.users import User

ROUTES = web.RouteTableDef()
NO_LINK = "No issue link with id '{id}' exists."


@dataclass(frozen=True)
class Link:
    id: str
    type: dict[str, Any]
    source_id: str  # the subject: "source <outward> target"
    target_id: str


def link_types(site: Site) -> list[dict[str, Any]]:
    base = site.catalog.base
    return [
        {"id": str(10000 + n), "name": name, "inward": inward, "outward": outward,
         "self": f"{base}/rest/api/3/issueLinkType/{10000 + n}"}
        for n, (name, inward, outward) in enumerate(site.config.link_types)
    ]  # fmt: skip


@ROUTES.get("/rest/api/3/issueLinkType")
async def get_link_types(request: web.Request) -> web.Response:
    return web.json_response({"issueLinkTypes": link_types(site_of(request))})


@ROUTES.post("/rest/api/3/issueLink")
async def create_link(request: web.Request) -> web.Response:
    site, actor, body = site_of(request), actor_of(request), await json_object(request)
    kind = _link_type(site, body.get("type"))
    source, target = _end(site, actor, body, "inwardIssue"), _end(site, actor, body, "outwardIssue")
    if source.id == target.id:
        raise bad_request("You cannot link an issue to itself.")
    same = (kind["id"], source.id, target.id)
    if not any(
        (link.type["id"], link.source_id, link.target_id) == same for link in site.links.values()
    ):
        link = Link(site.next_id("issuelink"), kind, source.id, target.id)
        site.links[link.id] = link
        _changed(site, actor, link, added=True)
    return web.Response(status=201)  # an empty body, as JIRA answers


@ROUTES.get("/rest/api/3/issueLink/{linkId}")
async def get_link(request: web.Request) -> web.Response:
    site = site_of(request)
    link = _link(site, actor_of(request), request.match_info["linkId"])
    body = {
        "id": link.id,
        "self": f"{site.catalog.base}/rest/api/3/issueLink/{link.id}",
        "type": link.type,
        "inwardIssue": linked(site.issues[link.source_id], site.catalog.base),
        "outwardIssue": linked(site.issues[link.target_id], site.catalog.base),
    }
    return web.json_response(body)


@ROUTES.delete("/rest/api/3/issueLink/{linkId}")
async def delete_link(request: web.Request) -> web.Response:
    site, actor = site_of(request), actor_of(request)
    link = _link(site, actor, request.match_info["linkId"])
    del site.links[link.id]
    _changed(site, actor, link, added=False)
    return no_content()


def _link_type(site: Site, wanted: Any) -> dict[str, Any]:
    if not isinstance(wanted, dict) or not ({"id", "name"} & wanted.keys()):
        raise field_errors({"issueLinkType": "Issue link type is required."})
    key = "id" if "id" in wanted else "name"
    for kind in link_types(site):
        if str(kind[key]).casefold() == str(wanted[key]).casefold():
            return kind
    raise not_found(f"No issue link type with {key} '{wanted[key]}' found.")


def _end(site: Site, actor: User, body: dict[str, Any], side: str) -> Issue:
    wanted = body.get(side)
    if not isinstance(wanted, dict) or not ({"id", "key"} & wanted.keys()):
        raise field_errors({side: f"'{side}' is required."})
    issue = site.find(str(wanted.get("id") or wanted.get("key")))
    if not site.security.can_see(actor.account_id, issue.fields):
        raise not_found()
    return issue


def _link(site: Site, actor: User, link_id: str) -> Link:
    link = site.links.get(link_id)
    if link is None or not link_id.isdigit():
        raise JiraError(404, [NO_LINK.format(id=link_id)])
    ends = (site.issues.get(link.source_id), site.issues.get(link.target_id))
    if any(end is None or not site.security.can_see(actor.account_id, end.fields) for end in ends):
        raise JiraError(404, [NO_LINK.format(id=link_id)])
    return link


def refresh_links(site: Site, issue: Issue) -> None:
    """``fields.issuelinks`` of ``issue`` from the site's links, oldest first."""
    base, shown = site.catalog.base, []
    for link in site.links.values():
        if issue.id not in (link.source_id, link.target_id):
            continue
        other, side = (
            (link.target_id, "outwardIssue")
            if link.source_id == issue.id
            else (link.source_id, "inwardIssue")
        )
        if other in site.issues:
            shown.append({"id": link.id, "self": f"{base}/rest/api/3/issueLink/{link.id}",
                          "type": link.type, side: linked(site.issues[other], base)})  # fmt: skip
    issue.fields["issuelinks"] = shown


def _changed(site: Site, actor: User, link: Link, *, added: bool) -> None:
    source, target = site.issues[link.source_id], site.issues[link.target_id]
    for issue, other, phrase in (
        (source, target, link.type["outward"]),
        (target, source, link.type["inward"]),
    ):
        refresh_links(site, issue)
        said = f"This issue {phrase} {other.key}"
        item = (
            ChangeItem("Link", "jira", "issuelinks", to_id=other.key, to_string=said)
            if added
            else ChangeItem("Link", "jira", "issuelinks", from_id=other.key, from_string=said)
        )
        site.commit(issue, actor, [item], "issue_updated")
