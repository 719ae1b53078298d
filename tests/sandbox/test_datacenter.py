"""The emulator's Data Center flavour: REST v2 only, wiki markup, users by name and key,
Basic username:password or a Bearer personal access token; rate limits on by default."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
from click.testing import CliRunner

from jira_sync.cli import main
from sandbox import Faults, RateLimits
from sandbox.clock import ManualClock
from streams.jira.webhooks import parse_webhook
from tests.sandbox.conftest import Jira, Receiver, StartSite, basic, doc

API2 = "/rest/api/2"
ISSUE = f"{API2}/issue"
# Search tests read right after writing: no index lag (a Cloud site's default is 1 s).
NO_LAG = Faults(search_lag=0.0, webhook_duplicate_rate=0.0)


async def _dc(start_site: StartSite, session: aiohttp.ClientSession, **overrides: Any) -> Jira:
    running = await start_site(flavour="datacenter", **overrides)
    jira = Jira(session, running.base_url)
    jira.authorization = basic("sandbox", "sandbox-token")  # username:password
    return jira


async def _create(jira: Jira, summary: str = "An issue", **fields: Any) -> str:
    body = {"project": {"key": "PROJ1"}, "issuetype": {"name": "Task"}, "summary": summary}
    answer = await jira.post(ISSUE, {"fields": body | fields})
    assert answer.status == 201, answer.body
    assert answer.body["self"].endswith(f"{API2}/issue/{answer.body['id']}")
    return str(answer.body["key"])


async def test_server_info_says_the_flavour(
    start_site: StartSite, session: aiohttp.ClientSession, jira: Jira
) -> None:
    cloud = await jira.get("/rest/api/3/serverInfo")
    assert cloud.body["deploymentType"] == "Cloud"
    dc = await (await _dc(start_site, session)).get(f"{API2}/serverInfo")
    assert (dc.status, dc.body["deploymentType"]) == (200, "DataCenter")
    assert dc.body["versionNumbers"][0] >= 9


async def test_basic_and_bearer_authenticate_a_wrong_token_does_not(
    start_site: StartSite, session: aiohttp.ClientSession
) -> None:
    jira = await _dc(start_site, session)
    me = await jira.get(f"{API2}/myself")
    assert (me.status, me.body["name"], me.body["key"]) == (200, "sandbox", "JIRAUSER10000")
    assert "accountId" not in me.body
    bearer = await jira.get(f"{API2}/myself", authorization="Bearer alice-pat")
    assert (bearer.status, bearer.body["name"]) == (200, "alice")
    wrong = await jira.get(f"{API2}/myself", authorization="Bearer not-a-token")
    assert wrong.status == 401
    by_email = basic("sandbox@example.com", "sandbox-token")  # Cloud's login, not DC's
    assert (await jira.get(f"{API2}/myself", authorization=by_email)).status == 401
    assert (await jira.get(f"{API2}/myself", authorization=basic("sandbox", "x"))).status == 401


async def test_users_by_username_and_key(
    start_site: StartSite, session: aiohttp.ClientSession
) -> None:
    jira = await _dc(start_site, session)
    alice = await jira.get(f"{API2}/user?username=alice")
    assert {k: alice.body[k] for k in ("name", "key", "displayName", "active")} == {
        "name": "alice",
        "key": "JIRAUSER10001",
        "displayName": "Alice Visible",
        "active": True,
    }
    assert (await jira.get(f"{API2}/user?key=JIRAUSER10001")).body["name"] == "alice"
    assert (await jira.get(f"{API2}/user?username=nobody")).status == 404


async def test_an_issue_with_wiki_text_and_an_assignee_by_name(
    start_site: StartSite, session: aiohttp.ClientSession
) -> None:
    jira = await _dc(start_site, session)
    wiki = "h2. Steps\n* one\n* *two*"
    key = await _create(jira, description=wiki, assignee={"name": "alice"})
    got = (await jira.get(f"{ISSUE}/{key}")).body
    assert got["fields"]["description"] == wiki  # kept as given: DC stores wiki markup
    assert got["fields"]["assignee"]["name"] == "alice"
    assert "accountId" not in got["fields"]["reporter"]
    assert got["fields"]["reporter"]["key"] == "JIRAUSER10000"
    edit = {"fields": {"description": "{code}x{code}", "assignee": {"name": "bob"}}}
    assert (await jira.put(f"{ISSUE}/{key}", edit)).status == 204
    got = (await jira.get(f"{ISSUE}/{key}")).body
    assert got["fields"]["description"] == "{code}x{code}"
    assert got["fields"]["assignee"]["name"] == "bob"
    unknown = await jira.put(f"{ISSUE}/{key}", {"fields": {"assignee": {"name": "carol"}}})
    assert (unknown.status, unknown.body["errors"]) == (
        400,
        {"assignee": "User 'carol' does not exist."},
    )


async def test_an_adf_description_is_refused(
    start_site: StartSite, session: aiohttp.ClientSession
) -> None:
    jira = await _dc(start_site, session)
    body = {"project": {"key": "PROJ1"}, "issuetype": {"name": "Task"}, "summary": "ADF"}
    answer = await jira.post(ISSUE, {"fields": body | {"description": doc("Hello")}})
    assert answer.status == 400
    assert answer.body["errors"] == {"description": "Operation value must be a string"}
    by_account = await jira.post(ISSUE, {"fields": body | {"assignee": {"accountId": "x"}}})
    assert by_account.status == 400  # DC has no accountId


async def test_a_comment_in_wiki_markup_with_a_mention(
    start_site: StartSite, session: aiohttp.ClientSession
) -> None:
    jira = await _dc(start_site, session)
    key = await _create(jira)
    text = "Thanks [~alice], see {{config.yml}}"
    created = await jira.post(f"{ISSUE}/{key}/comment", {"body": text})
    assert created.status == 201, created.body
    assert created.body["body"] == text
    assert created.body["author"]["name"] == "sandbox"
    listed = (await jira.get(f"{ISSUE}/{key}/comment")).body
    assert (listed["total"], listed["comments"][0]["body"]) == (1, text)
    refused = await jira.post(f"{ISSUE}/{key}/comment", {"body": doc("ADF")})
    assert refused.status == 400


async def test_search_pages_with_start_at_and_total(
    start_site: StartSite, session: aiohttp.ClientSession
) -> None:
    jira = await _dc(start_site, session, faults=NO_LAG)
    for number in range(5):
        await _create(jira, f"Issue {number}")
    jql = "project = PROJ1 ORDER BY key ASC"
    first = (await jira.post(f"{API2}/search", {"jql": jql, "maxResults": 2})).body
    assert (first["startAt"], first["maxResults"], first["total"]) == (0, 2, 5)
    assert [i["key"] for i in first["issues"]] == ["PROJ1-1", "PROJ1-2"]
    assert "nextPageToken" not in first
    last = (await jira.get(f"{API2}/search?jql={jql}&startAt=4&maxResults=2")).body
    assert [i["key"] for i in last["issues"]] == ["PROJ1-5"]
    assert last["issues"][0]["fields"]["summary"] == "Issue 4"  # navigable fields by default
    await jira.put(f"{ISSUE}/PROJ1-3", {"fields": {"assignee": {"name": "alice"}}})
    mine = {"jql": "assignee = alice", "fields": ["summary"]}
    assert [i["key"] for i in (await jira.post(f"{API2}/search", mine)).body["issues"]] == [
        "PROJ1-3"
    ]
    capped = (await jira.post(f"{API2}/search", {"jql": jql, "maxResults": 5000})).body
    assert capped["maxResults"] == 1000  # jira.search.views.default.max


async def test_cloud_paths_are_not_served(
    start_site: StartSite, session: aiohttp.ClientSession
) -> None:
    jira = await _dc(start_site, session)
    key = await _create(jira)
    assert (await jira.get(f"/rest/api/3/issue/{key}")).status == 404
    assert (await jira.get("/rest/api/3/myself")).status == 404
    assert (await jira.post(f"{API2}/search/jql", {"jql": "project = PROJ1"})).status == 404


async def test_shared_routes_answer_under_v2(
    start_site: StartSite, session: aiohttp.ClientSession
) -> None:
    jira = await _dc(start_site, session)
    key = await _create(jira)
    transitions = await jira.get(f"{ISSUE}/{key}/transitions")
    assert transitions.status == 200
    assert transitions.body["transitions"]
    assert (await jira.put(f"{ISSUE}/{key}/properties/sync", {"a": 1})).status in {200, 201}
    assert (await jira.get(f"{ISSUE}/{key}/properties/sync")).body["value"] == {"a": 1}
    link = {"object": {"url": "https://example.com", "title": "Partner"}}
    assert (await jira.post(f"{ISSUE}/{key}/remotelink", link)).status == 201
    assert (await jira.delete(f"{ISSUE}/{key}")).status == 204


async def test_webhooks_have_data_center_shapes(
    start_site: StartSite, session: aiohttp.ClientSession, receiver: Receiver
) -> None:
    jira = await _dc(start_site, session, webhook_url=receiver.url, faults=NO_LAG)
    key = await _create(jira, description="*bold*", assignee={"name": "alice"})
    await jira.post(f"{ISSUE}/{key}/comment", {"body": "Hi [~alice]"})
    received = await receiver.wait_for(3)
    events = {json.loads(item.body)["webhookEvent"]: json.loads(item.body) for item in received}
    created = events["jira:issue_created"]
    assert created["issue_event_type_name"] == "issue_created"
    assert {created["user"]["name"], created["user"]["key"]} == {"sandbox", "JIRAUSER10000"}
    assert "accountId" not in created["user"]
    fields = created["issue"]["fields"]
    assert fields["description"] == "*bold*"
    assert (fields["assignee"]["name"], "accountId" in fields["assignee"]) == ("alice", False)
    comment = events["comment_created"]
    assert "issue" not in comment  # as webhook-server-comment-created.json
    assert comment["comment"]["body"] == "Hi [~alice]"
    assert comment["comment"]["author"]["name"] == "sandbox"
    assert comment["comment"]["self"].endswith(f"/comment/{comment['comment']['id']}")
    for item in received:
        parse_webhook(item.body)


async def test_rate_limits_are_on_by_default_with_retry_after(
    start_site: StartSite, session: aiohttp.ClientSession
) -> None:
    clock = ManualClock()
    default = await start_site(flavour="datacenter")
    assert default.emulator.rate_limits is not None  # strict: as if an admin enabled them
    jira = await _dc(start_site, session, clock=clock, rate_limits=RateLimits(get_per_second=2))
    answers = [await jira.get(f"{API2}/myself") for _ in range(3)]
    assert [a.status for a in answers] == [200, 200, 429]
    assert answers[-1].headers["Retry-After"] == "1"
    assert answers[-1].headers["X-RateLimiting-Limit"] == "2"
    assert "RateLimit-Reason" not in answers[-1].headers  # Cloud's header
    clock.advance(1.0)
    assert (await jira.get(f"{API2}/myself")).status == 200


async def test_seeded_issues_and_added_users_are_data_center_ones(
    start_site: StartSite, session: aiohttp.ClientSession
) -> None:
    running = await start_site(flavour="datacenter")
    jira = Jira(session, running.base_url)
    (key,) = running.emulator.seed_issues(1)
    assert isinstance(running.emulator.issues[key].fields["description"], str)  # wiki
    carol = running.emulator.add_user("Carol", "carol@example.com", api_token="carol-token")
    for authorization in (basic("carol", "carol-token"), "Bearer carol-token"):
        me = await jira.get(f"{API2}/myself", authorization=authorization)
        assert (me.status, me.body["key"]) == (200, carol.key)
    assert running.emulator.state()["flavour"] == "datacenter"


def test_cli_offers_the_flavour() -> None:
    assert "--flavour [cloud|datacenter]" in CliRunner().invoke(main, ["emulator", "--help"]).output
    wrong = CliRunner().invoke(
        main, ["emulator", "--port", "0", "--project", "P1", "--flavour", "x"]
    )
    assert wrong.exit_code == 2


async def test_a_changelog_names_people_by_user_key(
    start_site: StartSite, session: aiohttp.ClientSession, receiver: Receiver
) -> None:
    """As a Server changelog: an assignee's ``from``/``to`` are user keys, not usernames."""
    jira = await _dc(start_site, session, webhook_url=receiver.url, faults=NO_LAG)
    key = await _create(jira)
    answer = await jira.put(f"{ISSUE}/{key}", {"fields": {"assignee": {"name": "alice"}}})
    assert answer.status == 204, answer.body
    received = await receiver.wait_for(2)
    [updated] = [
        body
        for body in (json.loads(item.body) for item in received)
        if body["webhookEvent"] == "jira:issue_updated"
    ]
    [item] = [i for i in updated["changelog"]["items"] if i["field"] == "assignee"]
    assert (item["from"], item["to"], item["toString"]) == (None, "JIRAUSER10001", "Alice Visible")
    read = await jira.get(f"{ISSUE}/{key}?expand=changelog")
    items = [i for h in read.body["changelog"]["histories"] for i in h["items"]]
    assert [i["to"] for i in items if i["field"] == "assignee"] == ["JIRAUSER10001"]
