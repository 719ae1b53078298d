"""Metadata: site-specific custom field ids, priorities, project, users with hidden email."""

from __future__ import annotations

import aiohttp

from tests.sandbox.conftest import Jira, StartSite, basic


async def test_custom_field_ids_differ_per_site(
    start_site: StartSite, session: aiohttp.ClientSession
) -> None:
    one = Jira(session, (await start_site()).base_url)
    second = await start_site(
        project_key="PROJ2", text_field_id="customfield_10101", select_field_id="customfield_10107"
    )
    two = Jira(session, second.base_url)
    ids_one = {f["name"]: f["id"] for f in (await one.get("/rest/api/3/field")).body if f["custom"]}
    ids_two = {f["name"]: f["id"] for f in (await two.get("/rest/api/3/field")).body if f["custom"]}
    defaults = {
        "Story Points": "customfield_10016",
        "Go-live": "customfield_10070",
        "Platforms": "customfield_10080",
        "Tags": "customfield_10090",
    }
    assert ids_one == {"Customer": "customfield_10042", "Severity": "customfield_10050"} | defaults
    assert ids_two == {"Customer": "customfield_10101", "Severity": "customfield_10107"} | defaults
    fields = {"project": {"key": "PROJ2"}, "issuetype": {"name": "Task"}, "summary": "S"}
    fields["customfield_10107"] = {"value": "Minor"}
    created = await two.post("/rest/api/3/issue", {"fields": fields})
    assert created.body["key"] == "PROJ2-1"
    key = await one.create()
    elsewhere = await one.put(f"/rest/api/3/issue/{key}", {"fields": {"customfield_10107": "x"}})
    assert (elsewhere.status, list(elsewhere.body["errors"])) == (400, ["customfield_10107"])


async def test_priorities_project_components_versions(flat_jira: Jira) -> None:
    jira = flat_jira
    priorities = (await jira.get("/rest/api/3/priority")).body
    assert [p["name"] for p in priorities] == ["Highest", "High", "Medium", "Low", "Lowest"]
    project = (await jira.get("/rest/api/3/project/PROJ1")).body
    assert (project["key"], project["id"]) == ("PROJ1", "10000")
    assert [t["name"] for t in project["issueTypes"]] == ["Task", "Bug", "Story"]
    components = (await jira.get("/rest/api/3/project/PROJ1/components")).body
    versions = (await jira.get("/rest/api/3/project/10000/versions")).body
    assert [c["name"] for c in components] == ["Backend", "Frontend"]
    assert [v["name"] for v in versions] == ["1.0", "2.0"]
    missing = await jira.get("/rest/api/3/project/NOPE")
    assert missing.status == 404


async def test_user_search_leaves_hidden_emails_out(jira: Jira) -> None:
    alice = (await jira.get("/rest/api/3/user/search?query=alice")).body
    bob = (await jira.get("/rest/api/3/user/search?query=bob")).body
    assert alice[0]["emailAddress"] == "alice@example.com"
    assert "emailAddress" not in bob[0]
    assert (await jira.get("/rest/api/3/user/search?query=bob@example.com")).body == []
    by_email = await jira.get("/rest/api/3/user/search?query=alice@example.com")
    assert [u["displayName"] for u in by_email.body] == ["Alice Visible"]


async def test_myself_and_server_info(jira: Jira) -> None:
    me = (await jira.get("/rest/api/3/myself")).body
    assert (me["displayName"], me["emailAddress"]) == ("Sync Integration", "sandbox@example.com")
    info = (await jira.get("/rest/api/3/serverInfo")).body
    assert info["deploymentType"] == "Cloud"
    assert info["baseUrl"] == jira.base_url


async def test_other_users_can_act_with_their_own_token(jira: Jira) -> None:
    as_alice = basic("alice@example.com", "alice-token")
    me = await jira.get("/rest/api/3/myself", authorization=as_alice)
    assert me.body["accountId"] == "712020:alice-0001"
    created = await jira.post(
        "/rest/api/3/issue",
        {"fields": {"project": {"key": "PROJ1"}, "issuetype": {"name": "Task"}, "summary": "A"}},
        authorization=as_alice,
    )
    issue = await jira.get(f"/rest/api/3/issue/{created.body['key']}?fields=reporter")
    assert issue.body["fields"]["reporter"]["displayName"] == "Alice Visible"


async def test_custom_field_kinds_are_checked_like_jira(jira: Jira) -> None:
    key = await jira.create()
    good = {
        "customfield_10016": 5.5,
        "customfield_10070": "2027-01-31",
        "customfield_10080": [{"value": "iOS"}, {"value": "Web"}],
        "customfield_10090": ["alpha", "beta"],
    }
    assert (await jira.put(f"/rest/api/3/issue/{key}", {"fields": good})).status == 204
    stored = (await jira.get(f"/rest/api/3/issue/{key}")).body["fields"]
    assert stored["customfield_10016"] == 5.5
    assert stored["customfield_10070"] == "2027-01-31"
    assert [o["value"] for o in stored["customfield_10080"]] == ["iOS", "Web"]
    assert stored["customfield_10090"] == ["alpha", "beta"]
    for field, bad in (
        ("customfield_10016", "five"),
        ("customfield_10080", [{"value": "Windows"}]),
        ("customfield_10070", "31/01/2027"),
    ):
        answer = await jira.put(f"/rest/api/3/issue/{key}", {"fields": {field: bad}})
        assert (answer.status, list(answer.body["errors"])) == (400, [field])


async def test_components_and_versions_can_be_added_once(jira: Jira) -> None:
    made = await jira.post("/rest/api/3/component", {"name": "Mobile", "project": "PROJ1"})
    assert made.status == 201
    assert made.body["name"] == "Mobile"
    again = await jira.post("/rest/api/3/component", {"name": "mobile", "project": "PROJ1"})
    assert again.status == 400
    assert "already exists" in again.body["errorMessages"][0]
    version = await jira.post("/rest/api/3/version", {"name": "3.0", "projectId": 10000})
    assert version.status == 201
    project = (await jira.get("/rest/api/3/project/PROJ1")).body
    assert [c["name"] for c in project["components"]] == ["Backend", "Frontend", "Mobile"]
    assert [v["name"] for v in project["versions"]] == ["1.0", "2.0", "3.0"]
    key = await jira.create()
    fields = {"components": [{"name": "Mobile"}], "fixVersions": [{"name": "3.0"}]}
    assert (await jira.put(f"/rest/api/3/issue/{key}", {"fields": fields})).status == 204
    elsewhere = await jira.post("/rest/api/3/component", {"name": "X", "project": "NOPE"})
    assert elsewhere.status == 404
