"""A Data Center site's lookups over HTTP, in Data Center's shapes: fields, priorities,
projects, components, versions, issue types, statuses, resolutions, issue links,
``mypermissions``, the paged ``createmeta``, ``editmeta``, ``user/search``, a search that
takes no ``properties``, and worklogs in wiki markup."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest

from sandbox import Faults, SiteConfig
from sandbox.emulator import Emulator
from tests.sandbox.conftest import Jira, Receiver, StartSite, basic, doc

API2 = "/rest/api/2"
NO_LAG = Faults(search_lag=0.0, webhook_duplicate_rate=0.0)
STARTED = "2026-12-01T09:00:00.000+0000"
TEXTAREA = "com.atlassian.jira.plugin.system.customfieldtypes:textarea"


@pytest.fixture
async def dc(start_site: StartSite, session: aiohttp.ClientSession) -> Jira:
    running = await start_site(
        flavour="datacenter", faults=NO_LAG, textarea_field_id="customfield_10060"
    )
    jira = Jira(session, running.base_url)
    jira.authorization = basic("sandbox", "sandbox-token")
    return jira


async def _create(jira: Jira, summary: str = "An issue") -> str:
    fields = {"project": {"key": "PROJ1"}, "issuetype": {"name": "Task"}, "summary": summary}
    answer = await jira.post(f"{API2}/issue", {"fields": fields})
    assert answer.status == 201, answer.body
    return str(answer.body["key"])


def _no_cloud_links(value: Any) -> None:
    """Nothing in a Data Center answer links to /rest/api/3 or names an accountId."""
    text = repr(value)
    assert "/rest/api/3/" not in text
    assert "accountId" not in text


async def test_fields_have_schemas_and_no_key(dc: Jira) -> None:
    answer = await dc.get(f"{API2}/field")
    assert answer.status == 200
    by_name = {field["name"]: field for field in answer.body}
    criteria = by_name["Acceptance criteria"]
    assert criteria["schema"]["custom"] == TEXTAREA
    assert criteria["schema"]["type"] == "string"
    assert criteria["custom"] is True
    assert by_name["Summary"]["schema"] == {"type": "string", "system": "summary"}
    assert all("key" not in field for field in answer.body)  # Data Center's Field


async def test_priorities_issue_types_statuses_resolutions(dc: Jira) -> None:
    priorities = (await dc.get(f"{API2}/priority")).body
    assert {p["name"] for p in priorities} >= {"High", "Medium"}
    assert all("isDefault" not in p and p["description"] for p in priorities)
    types = (await dc.get(f"{API2}/issuetype")).body
    assert "Task" in {t["name"] for t in types}
    assert all("hierarchyLevel" not in t for t in types)
    statuses = (await dc.get(f"{API2}/status")).body
    assert {"statusCategory", "name", "id"} <= statuses[0].keys()
    resolutions = (await dc.get(f"{API2}/resolution")).body
    assert resolutions
    assert all({"id", "name"} <= r.keys() for r in resolutions)
    for body in (priorities, types, statuses, resolutions):
        _no_cloud_links(body)
    assert priorities[0]["self"].endswith(f"{API2}/priority/{priorities[0]['id']}")


async def test_project_with_a_data_center_lead(dc: Jira) -> None:
    project = await dc.get(f"{API2}/project/PROJ1")
    assert project.status == 200
    body = project.body
    assert (body["key"], body["id"], body["archived"]) == ("PROJ1", "10000", False)
    assert (body["lead"]["name"], body["lead"]["key"]) == ("sandbox", "JIRAUSER10000")
    assert {"components", "versions", "issueTypes"} <= body.keys()
    assert not {"style", "isPrivate", "simplified", "properties"} & body.keys()
    _no_cloud_links(body)
    by_id = await dc.get(f"{API2}/project/10000")
    assert by_id.body["key"] == "PROJ1"
    assert (await dc.get(f"{API2}/project/NOPE")).status == 404


async def test_project_list_expands_the_lead(dc: Jira) -> None:
    listed = (await dc.get(f"{API2}/project")).body
    assert [p["key"] for p in listed] == ["PROJ1", "OTHER"]
    assert "lead" not in listed[0]
    expanded = (await dc.get(f"{API2}/project?expand=lead,description")).body
    assert expanded[0]["lead"]["name"] == "sandbox"
    assert "description" in expanded[0]
    _no_cloud_links(expanded)


async def test_project_statuses_components_versions(dc: Jira) -> None:
    statuses = (await dc.get(f"{API2}/project/PROJ1/statuses")).body
    assert statuses[0]["statuses"]
    assert "subtask" in statuses[0]
    components = await dc.get(f"{API2}/project/PROJ1/components")
    versions = await dc.get(f"{API2}/project/PROJ1/versions")
    assert (components.status, versions.status) == (200, 200)
    assert versions.body
    assert all(v["self"].endswith(f"/version/{v['id']}") for v in versions.body)
    for body in (statuses, components.body, versions.body):
        _no_cloud_links(body)
    assert (await dc.get(f"{API2}/project/NOPE/components")).status == 404


async def test_a_component_with_a_lead_by_username_and_a_version(dc: Jira) -> None:
    made = await dc.post(f"{API2}/component", {"name": "Storage", "project": "PROJ1",
                                               "leadUserName": "alice"})  # fmt: skip
    assert made.status == 201, made.body
    assert (made.body["name"], made.body["lead"]["name"]) == ("Storage", "alice")
    listed = (await dc.get(f"{API2}/project/PROJ1/components")).body
    stored = next(c for c in listed if c["name"] == "Storage")
    assert (stored["lead"]["name"], stored["lead"]["key"]) == ("alice", "JIRAUSER10001")
    by_key = {"name": "Billing", "project": "PROJ1", "lead": {"key": "JIRAUSER10002"}}
    assert (await dc.post(f"{API2}/component", by_key)).body["lead"]["name"] == "bob"
    unknown = await dc.post(f"{API2}/component", {"name": "X", "project": "PROJ1",
                                                  "leadUserName": "carol"})  # fmt: skip
    assert unknown.status == 400
    cloud = {"name": "Y", "project": "PROJ1", "leadAccountId": "712020:alice-0001"}
    assert (await dc.post(f"{API2}/component", cloud)).status == 400
    again = await dc.post(f"{API2}/component", {"name": "Storage", "project": "PROJ1"})
    assert again.status == 400  # unique per project
    version = await dc.post(f"{API2}/version", {"name": "7.5", "project": "PROJ1"})
    assert version.status == 201, version.body
    assert version.body["self"].endswith(f"{API2}/version/{version.body['id']}")


async def test_issue_links_under_v2(dc: Jira) -> None:
    first, second = await _create(dc, "Blocker"), await _create(dc, "Blocked")
    types = (await dc.get(f"{API2}/issueLinkType")).body["issueLinkTypes"]
    assert "Blocks" in {t["name"] for t in types}
    _no_cloud_links(types)
    link = {"type": {"name": "Blocks"}, "inwardIssue": {"key": first},
            "outwardIssue": {"key": second}}  # fmt: skip
    made = await dc.post(f"{API2}/issueLink", link)
    assert (made.status, made.body) == (201, None)
    fields = (await dc.get(f"{API2}/issue/{first}?fields=issuelinks")).body["fields"]
    link_id = fields["issuelinks"][0]["id"]
    _no_cloud_links(fields)
    _no_cloud_links((await dc.get(f"{API2}/issue/{second}?expand=changelog")).body)
    got = await dc.get(f"{API2}/issueLink/{link_id}")
    assert (got.status, got.body["outwardIssue"]["key"]) == (200, second)
    _no_cloud_links(got.body)
    assert (await dc.delete(f"{API2}/issueLink/{link_id}")).status == 204
    assert (await dc.get(f"{API2}/issueLink/{link_id}")).status == 404


async def test_my_permissions_as_cloud_answers_them(dc: Jira) -> None:
    asked = f"{API2}/mypermissions?projectKey=PROJ1&permissions=EDIT_ISSUES,ADMINISTER_PROJECTS"
    held = (await dc.get(asked)).body["permissions"]
    assert held["EDIT_ISSUES"]["havePermission"] is True
    assert held["ADMINISTER_PROJECTS"]["havePermission"] is False  # a plain user by default
    assert (await dc.get(f"{API2}/mypermissions")).status == 400
    assert (await dc.get(f"{API2}/mypermissions?permissions=NOPE")).status == 400
    missing = await dc.get(f"{API2}/mypermissions?projectKey=NOPE&permissions=EDIT_ISSUES")
    assert missing.status == 404


async def test_createmeta_pages_with_values(dc: Jira) -> None:
    types = await dc.get(f"{API2}/issue/createmeta/PROJ1/issuetypes?maxResults=2")
    assert types.status == 200
    page = types.body
    assert {"maxResults", "startAt", "total", "isLast", "values"} == page.keys()
    assert (page["maxResults"], len(page["values"]), page["isLast"]) == (2, 2, False)
    assert "issueTypes" not in page
    assert "hierarchyLevel" not in page["values"][0]
    task = next(t for t in (await dc.get(f"{API2}/issue/createmeta/PROJ1/issuetypes")).body[
        "values"
    ] if t["name"] == "Task")  # fmt: skip
    fields = (await dc.get(f"{API2}/issue/createmeta/PROJ1/issuetypes/{task['id']}")).body
    assert fields["isLast"] is True
    assert "fields" not in fields
    by_id = {meta["fieldId"]: meta for meta in fields["values"]}
    assert by_id["summary"]["required"] is True
    assert "key" not in by_id["summary"]
    assert by_id["project"]["allowedValues"][0]["key"] == "PROJ1"
    _no_cloud_links(fields)
    unknown = await dc.get(f"{API2}/issue/createmeta/PROJ1/issuetypes/99999")
    assert unknown.status == 400
    assert (await dc.get(f"{API2}/issue/createmeta/NOPE/issuetypes")).status == 404


async def test_editmeta_in_data_center_shapes(dc: Jira) -> None:
    key = await _create(dc)
    meta = await dc.get(f"{API2}/issue/{key}/editmeta")
    assert meta.status == 200
    fields = meta.body["fields"]
    assert fields["summary"]["fieldId"] == "summary"
    assert "key" not in fields["summary"]
    assert fields["assignee"]["schema"]["type"] == "user"
    _no_cloud_links(fields)
    assert (await dc.get(f"{API2}/issue/PROJ1-999/editmeta")).status == 404


async def test_user_search_by_username_prefix(
    dc: Jira, start_site: StartSite, session: aiohttp.ClientSession
) -> None:
    found = await dc.get(f"{API2}/user/search?username=ali")
    assert found.status == 200
    assert [(u["name"], u["key"]) for u in found.body] == [("alice", "JIRAUSER10001")]
    assert "accountId" not in found.body[0]
    by_display_name = (await dc.get(f"{API2}/user/search?username=private")).body
    assert [u["name"] for u in by_display_name] == ["bob"]
    assert "emailAddress" not in by_display_name[0]  # Bob hides his email
    by_email = (await dc.get(f"{API2}/user/search?username=alice@exa")).body
    assert [u["name"] for u in by_email] == ["alice"]
    assert (await dc.get(f"{API2}/user/search?username=bob@exa")).body == []  # hidden
    missing = await dc.get(f"{API2}/user/search?query=alice")
    assert (missing.status, missing.body["errorMessages"]) == (
        400,
        ["The username query parameter was not provided"],
    )
    assert (await dc.get(f"{API2}/user/search?username=")).body == []


async def test_user_search_leaves_inactive_users_out_by_default(
    start_site: StartSite, session: aiohttp.ClientSession
) -> None:
    running = await start_site(flavour="datacenter")
    jira = Jira(session, running.base_url)
    jira.authorization = basic("sandbox", "sandbox-token")
    gone = running.emulator.add_user("Carol Gone", "carol@example.com")
    gone.active = False
    assert (await jira.get(f"{API2}/user/search?username=carol")).body == []
    both = await jira.get(f"{API2}/user/search?username=carol&includeInactive=true")
    assert [(u["name"], u["active"]) for u in both.body] == [("carol", False)]


async def test_search_takes_no_issue_properties(dc: Jira) -> None:
    key = await _create(dc)
    assert (await dc.put(f"{API2}/issue/{key}/properties/sync", {"a": 1})).status in {200, 201}
    body = {"jql": "project = PROJ1", "properties": ["sync"]}
    refused = await dc.post(f"{API2}/search", body)
    assert refused.status == 400
    assert 'Unrecognized field "properties"' in refused.body["errorMessages"][0]
    cloud = await dc.post(f"{API2}/search", {"jql": "project = PROJ1", "fieldsByKeys": True})
    assert cloud.status == 400
    got = (await dc.get(f"{API2}/search?jql=project=PROJ1&properties=sync")).body
    assert [issue["key"] for issue in got["issues"]] == [key]
    assert "properties" not in got["issues"][0]  # an unknown parameter is ignored
    known = {"jql": "project = PROJ1", "expand": "names", "validateQuery": True}
    assert (await dc.post(f"{API2}/search", known)).status == 200


async def test_cloud_only_paths_are_not_served(dc: Jira) -> None:
    for path in ("/field", "/priority", "/project/PROJ1", "/mypermissions?permissions=X",
                 "/issue/createmeta/PROJ1/issuetypes", "/user/search?query=a"):  # fmt: skip
        assert (await dc.get("/rest/api/3" + path)).status == 404, path
    assert (await dc.get(f"{API2}/project/search")).status == 404  # Cloud's paged list
    assert (await dc.get(f"{API2}/user/search/query?query=x")).status == 404


async def test_worklogs_in_wiki_markup_by_data_center_users(
    start_site: StartSite, session: aiohttp.ClientSession, receiver: Receiver
) -> None:
    running = await start_site(flavour="datacenter", webhook_url=receiver.url, faults=NO_LAG)
    jira = Jira(session, running.base_url)
    jira.authorization = basic("sandbox", "sandbox-token")
    key = await _create(jira)
    path = f"{API2}/issue/{key}/worklog"
    logged = {"comment": "Fixed *it*", "started": STARTED, "timeSpent": "1h 30m"}
    made = await jira.post(path, logged)
    assert made.status == 201, made.body
    assert (made.body["comment"], made.body["timeSpentSeconds"]) == ("Fixed *it*", 5400)
    assert (made.body["author"]["name"], made.body["author"]["key"]) == ("sandbox", "JIRAUSER10000")
    assert made.body["self"].endswith(
        f"{API2}/issue/{made.body['issueId']}/worklog/{made.body['id']}"
    )
    _no_cloud_links(made.body)
    one = f"{path}/{made.body['id']}"
    assert (await jira.post(path, logged | {"comment": doc("ADF")})).status == 400
    listed = (await jira.get(path)).body
    assert (listed["total"], listed["worklogs"][0]["comment"]) == (1, "Fixed *it*")
    assert (await jira.put(one, {})).status == 400  # nothing to change
    edited = await jira.put(one, {"comment": "h2. Done"})
    assert (edited.status, edited.body["comment"]) == (200, "h2. Done")
    assert (await jira.get(one)).body["updateAuthor"]["name"] == "sandbox"
    assert (await jira.delete(one)).status == 204
    assert (await jira.get(one)).status == 404
    assert await running.emulator.wait_for_webhooks()
    events = [json.loads(item.body) for item in receiver.received]
    worklog_events = {e["webhookEvent"]: e for e in events if "worklog" in e}
    assert worklog_events.keys() == {"worklog_created", "worklog_updated", "worklog_deleted"}
    created = worklog_events["worklog_created"]["worklog"]
    assert (created["comment"], created["author"]["name"]) == ("Fixed *it*", "sandbox")
    _no_cloud_links(list(worklog_events.values()))


async def test_transitions_link_to_v2(dc: Jira) -> None:
    key = await _create(dc)
    transitions = await dc.get(f"{API2}/issue/{key}/transitions?expand=transitions.fields")
    assert transitions.status == 200
    assert transitions.body["transitions"]
    _no_cloud_links(transitions.body)


def test_each_data_center_route_is_served_once() -> None:
    app = Emulator(SiteConfig(flavour="datacenter")).app()
    routes = [(r.method, r.resource.canonical) for r in app.router.routes() if r.resource]
    assert len(routes) == len(set(routes))
    assert not [path for _, path in routes if path.startswith("/rest/api/3")]
