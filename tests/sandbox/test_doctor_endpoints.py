"""The emulator's screen metadata and permissions, which ``jira-sync doctor`` reads:
``createmeta``, ``editmeta`` and ``mypermissions``, held to the OpenAPI description."""

from __future__ import annotations

from tests.sandbox.conftest import Jira, StartSite, basic

CREATEMETA = "/rest/api/3/issue/createmeta/PROJ1/issuetypes"


async def test_createmeta_pages_the_issue_types(flat_jira: Jira) -> None:
    jira = flat_jira
    answer = await jira.get(CREATEMETA)
    assert answer.status == 200
    assert [t["name"] for t in answer.body["issueTypes"]] == ["Task", "Bug", "Story"]
    assert (answer.body["total"], answer.body["startAt"]) == (3, 0)
    second = await jira.get(CREATEMETA + "?startAt=1&maxResults=1")
    assert [t["name"] for t in second.body["issueTypes"]] == ["Bug"]
    too_many = await jira.get(CREATEMETA + "?maxResults=500")
    assert too_many.status == 400
    assert "must not exceed the limit '200'" in too_many.body["errorMessages"][0]
    elsewhere = await jira.get("/rest/api/3/issue/createmeta/NOPE/issuetypes")
    assert elsewhere.status == 404


async def test_createmeta_fields_follow_the_create_screen(
    start_site: StartSite, jira: Jira
) -> None:
    task = (await jira.get(CREATEMETA)).body["issueTypes"][0]["id"]
    answer = await jira.get(f"{CREATEMETA}/{task}")
    assert answer.status == 200
    fields = {field["fieldId"]: field for field in answer.body["fields"]}
    assert {"summary", "description", "priority", "labels", "project", "issuetype"} <= set(fields)
    assert "status" not in fields
    assert [fields[name]["required"] for name in ("summary", "labels")] == [True, False]
    assert fields["labels"]["operations"] == ["add", "set", "remove"]
    assert fields["priority"]["hasDefaultValue"] is True
    assert [p["name"] for p in fields["priority"]["allowedValues"]][:2] == ["Highest", "High"]
    assert (await jira.get(f"{CREATEMETA}/99999")).status == 400

    narrow = await start_site(create_screen=frozenset({"summary"}))
    other = Jira(jira.session, narrow.base_url)
    listed = (await other.get(f"{CREATEMETA}/{task}")).body["fields"]
    assert sorted(field["fieldId"] for field in listed) == ["issuetype", "project", "summary"]


async def test_editmeta_follows_the_edit_screen(start_site: StartSite, jira: Jira) -> None:
    key = await jira.create()
    answer = await jira.get(f"/rest/api/3/issue/{key}/editmeta")
    assert answer.status == 200
    assert {"summary", "description", "priority", "labels"} <= set(answer.body["fields"])
    assert "project" not in answer.body["fields"]
    assert (await jira.get("/rest/api/3/issue/PROJ1-999/editmeta")).status == 404

    narrow = await start_site(edit_screen=frozenset({"summary", "description"}))
    other = Jira(jira.session, narrow.base_url)
    other_key = await other.create()
    fields = (await other.get(f"/rest/api/3/issue/{other_key}/editmeta")).body["fields"]
    assert sorted(fields) == ["description", "summary"]
    refused = await other.put(f"/rest/api/3/issue/{other_key}", {"fields": {"labels": ["x"]}})
    assert refused.status == 400  # what editmeta leaves out, an edit refuses


async def test_mypermissions_answers_per_key_and_checks_the_request(jira: Jira) -> None:
    query = "?projectKey=PROJ1&permissions=BROWSE_PROJECTS,EDIT_ISSUES,ADMINISTER"
    answer = await jira.get("/rest/api/3/mypermissions" + query)
    assert answer.status == 200
    held = {key: value["havePermission"] for key, value in answer.body["permissions"].items()}
    assert held == {"BROWSE_PROJECTS": True, "EDIT_ISSUES": True, "ADMINISTER": False}
    assert answer.body["permissions"]["EDIT_ISSUES"]["id"] == "12"
    assert (await jira.get("/rest/api/3/mypermissions")).status == 400
    assert (await jira.get("/rest/api/3/mypermissions?permissions=FLY")).status == 400
    missing = await jira.get("/rest/api/3/mypermissions?projectKey=NOPE&permissions=EDIT_ISSUES")
    assert missing.status == 404
    stranger = await jira.get(
        "/rest/api/3/mypermissions?permissions=EDIT_ISSUES", authorization=basic("x@y.z", "no")
    )
    assert stranger.status == 401


async def test_reporter_is_set_only_with_modify_reporter(jira: Jira) -> None:
    query = "?projectKey=PROJ1&permissions=MODIFY_REPORTER"
    answer = await jira.get("/rest/api/3/mypermissions" + query)
    assert answer.body["permissions"]["MODIFY_REPORTER"]["havePermission"] is False
    key = await jira.create()
    refused = await jira.put(
        f"/rest/api/3/issue/{key}", {"fields": {"reporter": {"accountId": "someone"}}}
    )
    assert refused.status == 400  # without Modify Reporter the field is not on the screen
