"""The pipeline's two emulated JIRA sites as a person uses them (REST calls as alice on
site 1 and bob on site 2, a 429 waited out) and as the sync's writes show on them: the
part of ``harness.pipeline.Pipeline`` that talks to JIRA (``OnTheSites``)."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import aiohttp

from sandbox import RunningSite
from sandbox.emulator import writes_by
from sandbox.model import Issue, RemoteLink

SYNC_ACCOUNT = "sandbox@example.com"
HUMANS = {1: "alice", 2: "bob"}


class OnTheSites:
    """JIRA, as a human and as seen by the sync: mixed into ``Pipeline``, which holds the
    running sites and the HTTP session."""

    sites: dict[int, RunningSite]
    session: aiohttp.ClientSession

    def api(self, site: int) -> str:
        """The site's REST API: v3 on Cloud, v2 on Data Center."""
        return "/rest/api/2" if self.sites[site].emulator.datacenter else "/rest/api/3"

    async def call(
        self, site: int, method: str, path: str, body: object = None, user: str | None = None
    ) -> Any:
        """One REST call as a human (Cloud: email and token; Data Center: username and
        password); a 429 is waited out (``Retry-After``) and retried."""
        who = user or HUMANS[site]
        login = who if self.sites[site].emulator.datacenter else f"{who}@example.com"
        token = base64.b64encode(f"{login}:{who}-token".encode()).decode()
        url = self.sites[site].base_url + path
        headers = {"Authorization": f"Basic {token}"}
        for _ in range(10):
            async with self.session.request(method, url, json=body, headers=headers) as answer:
                if answer.status != 429:
                    assert answer.status < 300, await answer.text()
                    return await answer.json() if answer.content_length else None
                await asyncio.sleep(float(answer.headers.get("Retry-After", "1")))
        raise AssertionError(f"{method} {path} on site {site}: 429 ten times")

    async def create(self, site: int, summary: str, **fields: Any) -> str:
        key = self.sites[site].emulator.config.project_key
        body = {
            "fields": {
                "project": {"key": key},
                "issuetype": {"name": "Task"},
                "summary": summary,
                **fields,
            }
        }
        created = await self.call(site, "POST", f"{self.api(site)}/issue", body)
        return str(created["key"])

    def create_inside(self, site: int, summary: str) -> str:
        """A create made inside the emulator (webhooks fire, no REST call, no rate limit)."""
        emulator = self.sites[site].emulator
        email = f"{HUMANS[site]}@example.com"
        [user] = [u for u in emulator.users.all() if u.email == email]
        project = emulator.config.project_key
        body = {
            "fields": {
                "project": {"key": project},
                "issuetype": {"name": "Task"},
                "summary": summary,
            }
        }
        return emulator.site.create(user, body).key

    async def edit(self, site: int, key: str, **fields: Any) -> None:
        await self.call(site, "PUT", f"{self.api(site)}/issue/{key}", {"fields": fields})

    async def transition(
        self, site: int, key: str, status: str, fields: dict[str, Any] | None = None
    ) -> None:
        """As a person: through the screen, with ``fields`` or else the first allowed value
        of each required field."""
        path = f"{self.api(site)}/issue/{key}/transitions"
        answer = await self.call(site, "GET", f"{path}?expand=transitions.fields")
        [wanted] = [t for t in answer["transitions"] if t["to"]["name"] == status]
        body = {"transition": {"id": wanted["id"]}, "fields": fields or _picked(wanted)}
        try:
            await self.call(site, "POST", path, body)
        except AssertionError:  # the sync moved it there meanwhile: the person sees it done
            if self.issues(site)[key].fields["status"]["name"] != status:
                raise

    def issues(self, site: int) -> dict[str, Issue]:
        return self.sites[site].emulator.issues

    def find(self, site: int, summary: str) -> Issue | None:
        return next(
            (i for i in self.issues(site).values() if i.fields.get("summary") == summary), None
        )

    def twin(self, site: int, key: str) -> Issue | None:
        """The issue on ``site`` whose link marker or remote link names ``key``."""
        for issue in self.issues(site).values():
            marker = issue.properties.get("jira-sync.link") or {}
            if marker.get("key") == key:
                return issue
        for issue in self.issues(site).values():
            if any(_links_to(link, key) for link in issue.remote_links):
                return issue
        return None

    def sync_writes(self, site: int) -> int:
        return len(writes_by(self.sites[site].emulator, SYNC_ACCOUNT))

    def throttled(self, site: int) -> int:
        calls = self.sites[site].emulator.calls
        return sum(1 for c in calls if c.email == SYNC_ACCOUNT and c.status == 429)


def _picked(transition: dict[str, Any]) -> dict[str, Any]:
    """The first allowed value of each required field of a transition's screen."""
    picked: dict[str, Any] = {}
    for field_id, meta in transition.get("fields", {}).items():
        if meta["required"]:
            first = meta["allowedValues"][0]
            picked[field_id] = {"value": first["value"]} if "value" in first else first
    return picked


def _links_to(link: RemoteLink, key: str) -> bool:
    """A remote link to the issue ``key`` exactly (PROJ1-1 is not PROJ1-11)."""
    url = str((link.body.get("object") or {}).get("url", ""))
    return url.endswith(f"/browse/{key}")
