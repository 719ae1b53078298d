"""Several projects on one site (``project_key`` and ``other_projects``), each served as
strictly as JIRA serves one: its routes answer by key or id and a project the site does not
have is 404; create numbers keys per project; JQL limits by project and compares keys
within one; a project admin administers only their projects. Every answer is checked
against the REST v3 description (``module_violations``)."""

from __future__ import annotations

from typing import Any

from sandbox import RunningSite
from sandbox.config import Faults
from sandbox.contract import OpenApiContract
from tests.sandbox.conftest import Jira, StartSite

API = "/rest/api/3"
SEARCH = f"{API}/search/jql"
PROJECTS = {"PROJ1": "10000", "ALPHA": "10001", "BETA": "10002"}
ADMIN = f"{API}/mypermissions?permissions=ADMINISTER_PROJECTS,MODIFY_REPORTER"


async def _site(start_site: StartSite, jira: Jira, **overrides: Any) -> tuple[RunningSite, Jira]:
    faults = Faults(search_lag=0)  # the index up to date: every issue is found at once
    running = await start_site(other_projects=("ALPHA", "BETA"), faults=faults, **overrides)
    return running, Jira(jira.session, running.base_url)


async def _create(client: Jira, project: str, summary: str = "An issue") -> str:
    body = {"fields": {"project": {"key": project}, "issuetype": {"name": "Task"}}}
    body["fields"]["summary"] = summary
    answer = await client.post(f"{API}/issue", body)
    assert answer.status == 201, answer.body
    return str(answer.body["key"])


async def _keys(client: Jira, jql: str) -> list[str]:
    answer = await client.post(SEARCH, {"jql": f"{jql} ORDER BY key ASC", "fields": ["key"]})
    assert answer.status == 200, answer.body
    return [issue["key"] for issue in answer.body["issues"]]


async def test_every_project_of_the_site_has_its_routes_by_key_or_id(
    start_site: StartSite, jira: Jira, contract: OpenApiContract
) -> None:
    _, client = await _site(start_site, jira)
    for key, project_id in PROJECTS.items():
        for wanted in (key, project_id, key.lower()):
            found = await client.get(f"{API}/project/{wanted}")
            assert found.status == 200, found.body
            assert (found.body["key"], found.body["id"]) == (key, project_id)
        components = (await client.get(f"{API}/project/{key}/components")).body
        assert {(c["project"], c["projectId"]) for c in components} == {(key, int(project_id))}
        versions = (await client.get(f"{API}/project/{key}/versions")).body
        assert {v["projectId"] for v in versions} == {int(project_id)}
        statuses = await client.get(f"{API}/project/{key}/statuses")
        assert statuses.status == 200
        types = await client.get(f"{API}/issuetype/project?projectId={project_id}")
        assert types.status == 200
        meta = (await client.get(f"{API}/issue/createmeta/{key}/issuetypes/10001")).body
        [project_field] = [f for f in meta["fields"] if f["fieldId"] == "project"]
        assert [p["key"] for p in project_field["allowedValues"]] == [key]
    for route in ("", "/components", "/versions", "/statuses"):
        missing = await client.get(f"{API}/project/NOPE{route}")
        assert missing.status == 404, route
        assert missing.body["errorMessages"] == ["No project could be found with key 'NOPE'."]
    assert (await client.get(f"{API}/project/10009")).status == 404
    assert (await client.get(f"{API}/issue/createmeta/NOPE/issuetypes")).status == 404
    assert (await client.get(f"{API}/issuetype/project?projectId=10009")).status == 404


async def test_project_search_finds_each_project_by_key_id_or_name(
    start_site: StartSite, jira: Jira
) -> None:
    _, client = await _site(start_site, jira)

    async def found(query: str) -> list[str]:
        page = (await client.get(f"{API}/project/search?{query}")).body
        assert page["total"] == len(page["values"])
        return [p["key"] for p in page["values"]]

    assert await found("") == ["PROJ1", "ALPHA", "BETA"]
    assert await found("keys=ALPHA&keys=10002") == ["ALPHA", "BETA"]
    assert await found("keys=BETA,PROJ1") == ["PROJ1", "BETA"]
    assert await found("query=alp") == ["ALPHA"]
    assert await found("keys=ALPHA&query=beta") == []
    assert await found("keys=NOPE") == []
    listed = (await client.get(f"{API}/project")).body
    assert [p["key"] for p in listed] == ["PROJ1", "ALPHA", "BETA"]


async def test_keys_are_numbered_per_project_and_jql_limits_by_project(
    start_site: StartSite, jira: Jira
) -> None:
    running, client = await _site(start_site, jira)
    made = [await _create(client, p) for p in ("PROJ1", "ALPHA", "ALPHA", "BETA", "ALPHA")]
    assert made == ["PROJ1-1", "ALPHA-1", "ALPHA-2", "BETA-1", "ALPHA-3"]
    issue = (await client.get(f"{API}/issue/ALPHA-2")).body
    assert issue["fields"]["project"]["key"] == "ALPHA"
    assert issue["fields"]["project"]["id"] == "10001"
    assert await _keys(client, "project = ALPHA") == ["ALPHA-1", "ALPHA-2", "ALPHA-3"]
    assert await _keys(client, "project = 10002") == ["BETA-1"]
    assert await _keys(client, "project in (BETA, PROJ1)") == ["BETA-1", "PROJ1-1"]
    assert await _keys(client, "project != ALPHA") == ["BETA-1", "PROJ1-1"]
    assert await _keys(client, "key > ALPHA-1") == ["ALPHA-2", "ALPHA-3"]
    assert await _keys(client, "key <= BETA-1") == ["BETA-1"]
    assert await _keys(client, "key in (ALPHA-3, PROJ1-1)") == ["ALPHA-3", "PROJ1-1"]
    refused = await client.post(SEARCH, {"jql": "project = NOPE"})
    assert refused.status == 400
    assert refused.body["errorMessages"] == [
        "The value 'NOPE' does not exist for the field 'project'."
    ]
    assert (await client.get(f"{API}/issue/BETA-1/editmeta")).status == 200
    assert (await client.get(f"{API}/issue/BETA-2/editmeta")).status == 404
    assert running.emulator.issues["BETA-1"].fields["project"]["key"] == "BETA"


async def test_a_project_admin_administers_only_their_projects(
    start_site: StartSite, jira: Jira
) -> None:
    _, client = await _site(
        start_site, jira, integration_role="project-admin", integration_admin_of=("ALPHA",)
    )

    async def held(context: str) -> dict[str, bool]:
        answer = await client.get(f"{ADMIN}&{context}")
        assert answer.status == 200, answer.body
        return {k: v["havePermission"] for k, v in answer.body["permissions"].items()}

    admin = {"ADMINISTER_PROJECTS": True, "MODIFY_REPORTER": True}
    plain = {"ADMINISTER_PROJECTS": False, "MODIFY_REPORTER": False}
    alpha, beta = await _create(client, "ALPHA"), await _create(client, "BETA")
    assert await held("projectKey=ALPHA") == admin
    assert await held("projectId=10001") == admin
    assert await held(f"issueKey={alpha}") == admin
    assert await held("projectKey=BETA") == plain
    assert await held(f"issueKey={beta}") == plain
    assert await held("projectKey=PROJ1") == plain
    assert await held("") == admin  # no context: held in some project
    assert (await client.get(f"{ADMIN}&projectKey=NOPE")).status == 404
    quiet = {"fields": {"summary": "Quiet"}}
    assert (await client.put(f"{API}/issue/{alpha}?notifyUsers=false", quiet)).status == 204
    refused = await client.put(f"{API}/issue/{beta}?notifyUsers=false", quiet)
    assert refused.status == 403


async def test_a_project_admin_by_default_administers_every_project(
    start_site: StartSite, jira: Jira
) -> None:
    _, client = await _site(start_site, jira, integration_role="project-admin")
    for key in PROJECTS:
        answer = (await client.get(f"{ADMIN}&projectKey={key}")).body
        assert answer["permissions"]["ADMINISTER_PROJECTS"]["havePermission"] is True


async def test_components_and_versions_are_each_projects_own(
    start_site: StartSite, jira: Jira
) -> None:
    _, client = await _site(start_site, jira)

    async def named(project: str, kind: str) -> dict[str, str]:
        listed = (await client.get(f"{API}/project/{project}/{kind}")).body
        return {value["name"]: value["id"] for value in listed}

    mine, alphas = await named("PROJ1", "components"), await named("ALPHA", "components")
    assert list(mine) == list(alphas) == ["Backend", "Frontend"]
    assert not set(mine.values()) & set(alphas.values())  # ids unique on the site
    made = await client.post(f"{API}/component", {"name": "Mobile", "project": "ALPHA"})
    assert made.status == 201, made.body
    assert "Mobile" in await named("ALPHA", "components")
    assert "Mobile" not in await named("PROJ1", "components")
    again = await client.post(f"{API}/component", {"name": "Mobile", "project": "ALPHA"})
    assert again.status == 400
    beta = await client.post(f"{API}/component", {"name": "Mobile", "project": "BETA"})
    assert beta.status == 201
    version = await client.post(f"{API}/version", {"name": "3.0", "projectId": 10002})
    assert (version.status, version.body["projectId"]) == (201, 10002)
    assert "3.0" not in await named("ALPHA", "versions")

    body = {"project": {"key": "PROJ1"}, "issuetype": {"name": "Task"}, "summary": "x"}
    refused = await client.post(
        f"{API}/issue", {"fields": body | {"components": [{"name": "Mobile"}]}}
    )
    assert refused.status == 400, refused.body
    other_id = {"components": [{"id": mine["Backend"]}]}
    in_alpha = body | {"project": {"key": "ALPHA"}}
    assert (await client.post(f"{API}/issue", {"fields": in_alpha | other_id})).status == 400
    chosen = {"components": [{"name": "Mobile"}], "fixVersions": [{"name": "1.0"}]}
    created = await client.post(f"{API}/issue", {"fields": in_alpha | chosen})
    assert created.status == 201, created.body
    stored = (await client.get(f"{API}/issue/{created.body['key']}")).body["fields"]
    assert [c["id"] for c in stored["components"]] == [
        (await named("ALPHA", "components"))["Mobile"]
    ]
    assert [v["id"] for v in stored["fixVersions"]] == [(await named("ALPHA", "versions"))["1.0"]]
    meta = (await client.get(f"{API}/issue/createmeta/BETA/issuetypes/10001")).body
    [components] = [f for f in meta["fields"] if f["fieldId"] == "components"]
    assert [c["name"] for c in components["allowedValues"]] == ["Backend", "Frontend", "Mobile"]
    edit = await client.put(
        f"{API}/issue/{created.body['key']}", {"fields": {"components": [{"id": mine["Frontend"]}]}}
    )
    assert edit.status == 400
