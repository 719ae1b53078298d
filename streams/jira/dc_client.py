"""``DataCenterClient``: ``JiraClient``'s interface for a JIRA Data Center / Server site
(REST v2), so the engine runs unchanged against one.

Every call goes through ``request``, which this client replaces: a ``/rest/api/3/...``
path is sent as ``/rest/api/2/...`` (Data Center has no v3), request bodies and answers
are converted both ways (``streams.jira.dc_convert``: users by username, ADF as wiki
markup), so callers of ``client.request`` (the catalog, the doctor) get Cloud's shapes
too. ``GET /rest/api/3/user/search?accountId=X`` is Data Center's ``GET /rest/api/2/user?
username=X``, answered as a list of one (none for a 404).

Where Data Center's resources differ from Cloud's (REST reference:
https://docs.atlassian.com/software/jira/docs/api/REST/9.12.0/):

- search is ``POST /rest/api/2/search`` paged by ``startAt``/``maxResults``/``total``
  (no ``/search/jql``, no ``nextPageToken``, no ``reconcileIssues``); its body has no
  ``properties`` (Data Center's ``SearchRequestBean``: jql, startAt, maxResults, fields,
  expand, validateQuery), so asked properties are read per issue;
- there is no ``/issue/{key}/changelog`` (a 404 on 9.12,
  https://github.com/atlassian-api/atlassian-python-api/issues/1396); the history is
  ``GET /issue/{key}?expand=changelog``'s ``changelog.histories``;
- the textarea custom fields (rich text) are learned from the client's own ``fields()``
  answer (``schema.custom`` ending ``:textarea``), or given to the constructor.

Not supported yet: attachments (uploads and downloads go to Cloud's v3 paths and its media
service, and there are no media ids on Data Center), an epic as ``parent`` (Data Center
links an epic through its Epic Link custom field), and changelog items' ``from``/``to``
of user fields (Data Center gives user keys there; they are passed on unchanged).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable
from typing import Any

from streams.jira import dc_convert, wiki_losses
from streams.jira.answers import API, count, issue_path, items, obj, valid
from streams.jira.client import JiraClient
from streams.jira.errors import NotFound
from streams.jira.models import ChangelogEntry, Issue, User, parse_jira_time
from streams.jira.transport import JiraTransport, Params

__all__ = ["DataCenterClient", "client_for", "losses"]

log = logging.getLogger(__name__)
losses = wiki_losses.losses  # what of an ADF document wiki markup cannot keep


class DataCenterClient(JiraClient):
    losses = staticmethod(wiki_losses.losses)

    def __init__(self, transport: JiraTransport, textareas: Iterable[str] = ()) -> None:
        super().__init__(transport)
        self.request = self.dc_request
        # The site's multi-line text custom fields: their values are wiki markup.
        self.textareas: set[str] = set(textareas)

    async def dc_request(self, method: str, path: str, **options: Any) -> Any:
        """``JiraTransport.request`` in Cloud's terms (``params``, ``json``, ``idempotent``),
        sent in Data Center's."""
        method, v2 = method.upper(), dc_convert.v2_path(path)
        params: Params | None = options.pop("params", None)
        by_account = method == "GET" and v2 == f"{dc_convert.V2}/user/search"
        if by_account and params and "accountId" in params:
            return await self._user_by_name(str(params["accountId"]))
        options["json"] = dc_convert.outbound(v2, options.get("json"))
        params = dc_convert.user_params(v2, params)
        answer = await self.transport.request(method, v2, params=params, **options)
        if method == "GET" and v2 == f"{dc_convert.V2}/field":
            self.textareas |= dc_convert.textarea_ids(answer)
        return dc_convert.inbound(v2, answer, self.textareas)

    async def _user_by_name(self, name: str) -> list[Any]:
        """Cloud's user search by account id: Data Center's user by username (404: none)."""
        path = f"{dc_convert.V2}/user"
        try:
            answer = await self.transport.request("GET", path, params={"username": name})
        except NotFound:
            return []
        return [dc_convert.inbound(path, answer)]

    async def find_users(self, query: str) -> list[User]:
        """``GET /rest/api/2/user/search?username=``: matches usernames, display names and
        email addresses."""
        path = f"{API}/user/search"
        answer = await self.request("GET", path, params={"username": query})
        return [valid(User, item, "GET", path) for item in items(answer, "GET", path)]

    async def search_page(
        self, jql: str, fields: list[str], size: int, properties: list[str] | None, at: Any
    ) -> tuple[list[Issue], Any]:
        """One page of ``POST /rest/api/2/search`` from ``startAt`` ``at`` (None: the first),
        each issue with the asked ``properties`` read from it; the next page's start, None
        after the last (``total``)."""
        start, path = at or 0, f"{API}/search"
        body = {"jql": jql, "startAt": start, "maxResults": size, "fields": fields}
        page = obj(await self.request("POST", path, json=body, idempotent=True), "POST", path)
        found = [valid(Issue, item, "POST", path) for item in items(page, "POST", path, "issues")]
        if properties:
            found = [await self._with_properties(issue, properties) for issue in found]
        start += len(found)
        done = not found or start >= count(page.get("total"), "POST", path)
        return found, None if done else start

    async def _with_properties(self, issue: Issue, names: list[str]) -> Issue:
        held: dict[str, Any] = {}
        for name in names:
            try:
                held[name] = await self.get_property(issue.id, name)
            except NotFound:
                continue
        return issue.model_copy(update={"properties": held})

    async def any_match(self, jql: str, reconcile: list[str] | None = None) -> bool:
        """Whether ``jql`` matches any issue: one search, one result. ``reconcile`` is
        ignored: ``reconcileIssues`` is an option of Cloud's ``/search/jql`` only."""
        body: dict[str, Any] = {"jql": jql, "startAt": 0, "maxResults": 1, "fields": ["id"]}
        path = f"{API}/search"
        page = obj(await self.request("POST", path, json=body, idempotent=True), "POST", path)
        return bool(items(page, "POST", path, "issues"))

    async def changelog(self, key: str, page_size: int = 100) -> AsyncIterator[ChangelogEntry]:
        """The issue's history, oldest first, from ``expand=changelog`` (not paged: a
        ``total`` above the histories given is logged, the rest cannot be read)."""
        path = issue_path(key)
        params: Params = {"fields": ["id"], "expand": ["changelog"]}
        answer = obj(await self.request("GET", path, params=params), "GET", path)
        changelog = obj(answer.get("changelog") or {}, "GET", path)
        histories = items(changelog, "GET", path, "histories")
        if count(changelog.get("total"), "GET", path) > len(histories):
            log.warning(
                "%s: the changelog holds %s histories, %d read",
                key,
                changelog.get("total"),
                len(histories),
            )
        entries = [valid(ChangelogEntry, item, "GET", path) for item in histories]
        for entry in sorted(entries, key=_chronological):
            yield entry


def _chronological(entry: ChangelogEntry) -> tuple[float, int]:
    created = parse_jira_time(entry.created)
    return (created.timestamp() if created else 0.0, int(entry.id) if entry.id.isdigit() else 0)


def client_for(transport: JiraTransport) -> JiraClient:
    """The client a site's flavour needs: ``DataCenterClient`` for a Data Center site."""
    if transport.auth.flavour == "datacenter":
        return DataCenterClient(transport)
    return JiraClient(transport)
