"""Issues over REST v3: auth, create/get/edit/delete, update verbs, ADF, screens."""

from __future__ import annotations

import re

import aiohttp

from sandbox import RunningSite
from tests.sandbox.conftest import Jira, StartSite, basic, doc

ISSUE = "/rest/api/3/issue"
JIRA_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$")
SCREEN = "Field '{0}' cannot be set. It is not on the appropriate screen, or unknown."


async def test_requests_without_valid_credentials_get_401(jira: Jira) -> None:
    wrong = await jira.get("/rest/api/3/myself", authorization=basic("sandbox@example.com", "x"))
    missing = await jira.get("/rest/api/3/myself", authorization="Bearer nothing")
    for answer in (wrong, missing):
        assert answer.status == 401
        assert answer.body == {
            "errorMessages": ["Client must be authenticated to access this resource."],
            "errors": {},
        }


async def test_create_answers_id_key_self_and_numbers_from_10000(jira: Jira) -> None:
    body = {"fields": {"project": {"key": "PROJ1"}, "issuetype": {"name": "Task"}, "summary": "A"}}
    first = await jira.post(ISSUE, body)
    second = await jira.post(ISSUE, body)
    assert first.status == 201
    assert first.body == {
        "id": "10000",
        "key": "PROJ1-1",
        "self": f"{jira.base_url}/rest/api/3/issue/10000",
    }
    assert (second.body["id"], second.body["key"]) == ("10001", "PROJ1-2")


async def test_get_by_key_or_id_with_all_fields_by_default(jira: Jira) -> None:
    key = await jira.create("Fields", description=doc("Body"), labels=["x"])
    by_key, by_id = await jira.get(f"{ISSUE}/{key}"), await jira.get(f"{ISSUE}/10000")
    assert by_key.body == by_id.body
    fields = by_key.body["fields"]
    assert fields["summary"] == "Fields"
    assert fields["description"] == doc("Body")
    assert fields["status"]["name"] == "To Do"
    assert fields["priority"]["name"] == "Medium"
    assert fields["reporter"]["displayName"] == "Sync Integration"
    assert {"customfield_10042", "customfield_10050", "resolution", "duedate"} <= fields.keys()
    assert JIRA_TIME.match(fields["created"])
    assert fields["updated"] == fields["created"]


async def test_fields_parameter_limits_the_answer(jira: Jira) -> None:
    key = await jira.create()
    answer = await jira.get(f"{ISSUE}/{key}?fields=summary,status")
    assert set(answer.body["fields"]) == {"summary", "status"}
    excluded = await jira.get(f"{ISSUE}/{key}?fields=*all,-description")
    assert "description" not in excluded.body["fields"]
    assert "summary" in excluded.body["fields"]


async def test_every_edit_moves_updated_even_within_one_millisecond(jira: Jira) -> None:
    key = await jira.create()
    seen = [(await jira.get(f"{ISSUE}/{key}")).body["fields"]["updated"]]
    for n in range(3):
        assert (await jira.put(f"{ISSUE}/{key}", {"fields": {"summary": f"v{n}"}})).status == 204
        seen.append((await jira.get(f"{ISSUE}/{key}")).body["fields"]["updated"])
    assert seen == sorted(seen)
    assert len(set(seen)) == 4


async def test_update_verbs_set_add_remove(jira: Jira) -> None:
    key = await jira.create(labels=["a", "b"], components=[{"name": "Backend"}])
    update = {
        "labels": [{"add": "c"}, {"remove": "a"}],
        "components": [{"add": {"name": "Frontend"}}, {"remove": {"id": "10000"}}],
        "summary": [{"set": "Renamed"}],
    }
    assert (await jira.put(f"{ISSUE}/{key}", {"update": update})).status == 204
    fields = (await jira.get(f"{ISSUE}/{key}")).body["fields"]
    assert fields["labels"] == ["b", "c"]
    assert [c["name"] for c in fields["components"]] == ["Frontend"]
    assert fields["summary"] == "Renamed"


async def test_a_field_in_both_fields_and_update_is_400(jira: Jira) -> None:
    key = await jira.create()
    body = {"fields": {"labels": ["x"]}, "update": {"labels": [{"add": "y"}]}}
    answer = await jira.put(f"{ISSUE}/{key}", body)
    assert answer.status == 400
    assert answer.body["errorMessages"] == []
    assert list(answer.body["errors"]) == ["labels"]


async def test_plain_string_description_is_refused_in_rest_v3(jira: Jira) -> None:
    body = {
        "fields": {
            "project": {"key": "PROJ1"},
            "issuetype": {"name": "Task"},
            "summary": "S",
            "description": "plain text",
        }
    }
    answer = await jira.post(ISSUE, body)
    assert answer.status == 400
    assert answer.body["errors"] == {
        "description": "Operation value must be an Atlassian Document (see the Atlassian "
        "Document Format)"
    }
    key = await jira.create()
    edit = await jira.put(f"{ISSUE}/{key}", {"fields": {"description": "plain"}})
    assert edit.status == 400
    assert "description" in edit.body["errors"]


async def test_malformed_adf_is_invalid_input(jira: Jira) -> None:
    key = await jira.create()
    broken = {"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": 3}]}
    answer = await jira.put(f"{ISSUE}/{key}", {"fields": {"description": broken}})
    assert (answer.status, answer.body["errors"]) == (400, {"description": "INVALID_INPUT"})


async def test_create_checks_project_type_and_summary(flat_jira: Jira) -> None:
    jira = flat_jira
    cases = {
        "project": {"fields": {"project": {"key": "NOPE"}, "issuetype": {"name": "Task"}}},
        "issuetype": {"fields": {"project": {"key": "PROJ1"}, "summary": "S"}},
        "summary": {"fields": {"project": {"key": "PROJ1"}, "issuetype": {"name": "Task"}}},
    }
    unknown_type = {"project": {"key": "PROJ1"}, "issuetype": {"name": "Epic"}, "summary": "S"}
    answer = await jira.post(ISSUE, {"fields": unknown_type})
    assert answer.body["errors"] == {"issuetype": "The issue type selected is invalid."}
    for field_id, body in cases.items():
        answer = await jira.post(ISSUE, body)
        assert answer.status == 400
        assert list(answer.body["errors"]) == [field_id]


async def test_bad_values_name_their_field(jira: Jira) -> None:
    key = await jira.create()
    body = {
        "fields": {
            "priority": {"name": "Urgent"},
            "labels": ["has space"],
            "assignee": {"accountId": "nobody"},
            "customfield_10050": {"value": "Catastrophic"},
        }
    }
    answer = await jira.put(f"{ISSUE}/{key}", body)
    assert answer.status == 400
    assert set(answer.body["errors"]) == set(body["fields"])


async def test_custom_fields_and_references_are_stored_in_rest_shape(jira: Jira) -> None:
    key = await jira.create()
    body = {
        "fields": {
            "customfield_10042": "ACME",
            "customfield_10050": {"value": "Major"},
            "assignee": {"accountId": "712020:alice-0001"},
            "duedate": "2024-05-01",
            "fixVersions": [{"name": "2.0"}],
        }
    }
    assert (await jira.put(f"{ISSUE}/{key}", body)).status == 204
    fields = (await jira.get(f"{ISSUE}/{key}")).body["fields"]
    assert fields["customfield_10042"] == "ACME"
    assert fields["customfield_10050"]["value"] == "Major"
    assert fields["assignee"]["displayName"] == "Alice Visible"
    assert fields["duedate"] == "2024-05-01"
    assert fields["fixVersions"][0]["id"] == "10001"


async def test_fields_off_the_screen_are_400_naming_the_field(
    start_site: StartSite, session: aiohttp.ClientSession
) -> None:
    running = await start_site(edit_screen={"summary", "description"})
    jira = Jira(session, running.base_url)
    key = await jira.create()
    answer = await jira.put(f"{ISSUE}/{key}", {"fields": {"customfield_10050": {"value": "Major"}}})
    assert answer.status == 400
    assert answer.body == {
        "errorMessages": [],
        "errors": {"customfield_10050": SCREEN.format("customfield_10050")},
    }
    status = await jira.put(f"{ISSUE}/{key}", {"fields": {"status": {"name": "Done"}}})
    assert status.body["errors"] == {"status": SCREEN.format("status")}


async def test_screens_change_at_runtime_through_the_control_api(
    jira: Jira, site: RunningSite
) -> None:
    key = await jira.create()
    screens = {"create": None, "edit": ["summary"]}
    async with jira.session.put(f"{site.base_url}/_emulator/screens", json=screens) as answer:
        assert answer.status == 200
    refused = await jira.put(f"{ISSUE}/{key}", {"fields": {"labels": ["x"]}})
    assert refused.body["errors"] == {"labels": SCREEN.format("labels")}
    unknown = await jira.put(f"{ISSUE}/{key}", {"fields": {"customfield_99999": "x"}})
    assert unknown.body["errors"] == {"customfield_99999": SCREEN.format("customfield_99999")}


async def test_create_sets_properties_atomically(jira: Jira, site: RunningSite) -> None:
    body = {
        "fields": {"project": {"key": "PROJ1"}, "issuetype": {"name": "Bug"}, "summary": "P"},
        "properties": [{"key": "sync.link", "value": {"peer": "PROJ2-7"}}],
    }
    created = await jira.post(ISSUE, body)
    key = created.body["key"]
    assert site.emulator.issues[key].properties == {"sync.link": {"peer": "PROJ2-7"}}
    answer = await jira.get(f"{ISSUE}/{key}?properties=sync.link&fields=summary")
    assert answer.body["properties"] == {"sync.link": {"peer": "PROJ2-7"}}
    too_big = body | {"properties": [{"key": "big", "value": "x" * 40_000}]}
    assert (await jira.post(ISSUE, too_big)).status == 400
    assert len(site.emulator.issues) == 1


async def test_delete_then_404(jira: Jira) -> None:
    key = await jira.create()
    assert (await jira.delete(f"{ISSUE}/{key}")).status == 204
    gone = await jira.get(f"{ISSUE}/{key}")
    assert gone.status == 404
    assert gone.body["errorMessages"] == [
        "Issue does not exist or you do not have permission to see it."
    ]


async def test_return_issue_on_edit(jira: Jira) -> None:
    key = await jira.create()
    answer = await jira.put(f"{ISSUE}/{key}?returnIssue=true", {"fields": {"summary": "New"}})
    assert answer.status == 200
    assert answer.body["fields"]["summary"] == "New"


async def test_expand_changelog_lists_newest_first(jira: Jira) -> None:
    key = await jira.create()
    for n in range(3):
        await jira.put(f"{ISSUE}/{key}", {"fields": {"summary": f"S{n}"}})
    changelog = (await jira.get(f"{ISSUE}/{key}?expand=changelog")).body["changelog"]
    assert changelog["total"] == 3
    summaries = [h["items"][0]["toString"] for h in changelog["histories"]]
    assert summaries == ["S2", "S1", "S0"]
