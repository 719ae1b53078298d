"""Comments: ADF bodies only, visibility (restricted comments), CRUD."""

from __future__ import annotations

from sandbox import RunningSite
from tests.sandbox.conftest import Jira, doc

ISSUE = "/rest/api/3/issue"


async def test_comment_lifecycle(jira: Jira, site: RunningSite) -> None:
    key = await jira.create()
    base = f"{ISSUE}/{key}/comment"
    created = await jira.post(base, {"body": doc("First")})
    assert created.status == 201
    comment_id = created.body["id"]
    assert created.body["author"]["displayName"] == "Sync Integration"
    assert (await jira.get(f"{base}/{comment_id}")).body["body"] == doc("First")
    edited = await jira.put(f"{base}/{comment_id}", {"body": doc("Second")})
    assert (edited.status, edited.body["body"]) == (200, doc("Second"))
    assert site.emulator.comments[comment_id].body == doc("Second")
    assert (await jira.delete(f"{base}/{comment_id}")).status == 204
    assert (await jira.get(f"{base}/{comment_id}")).status == 404


async def test_restricted_comments_keep_their_visibility(jira: Jira) -> None:
    key = await jira.create()
    visibility = {"type": "role", "value": "Developers"}
    created = await jira.post(
        f"{ISSUE}/{key}/comment", {"body": doc("Internal"), "visibility": visibility}
    )
    assert created.body["visibility"]["value"] == "Developers"
    await jira.post(f"{ISSUE}/{key}/comment", {"body": doc("Public")})
    page = (await jira.get(f"{ISSUE}/{key}/comment")).body
    assert page["total"] == 2
    assert [("visibility" in c) for c in page["comments"]] == [True, False]


async def test_unknown_role_is_refused(jira: Jira) -> None:
    key = await jira.create()
    body = {"body": doc("x"), "visibility": {"type": "role", "value": "Board"}}
    answer = await jira.post(f"{ISSUE}/{key}/comment", body)
    assert answer.status == 400
    assert "commentLevel" in answer.body["errors"]


async def test_plain_string_and_empty_bodies_are_400(jira: Jira) -> None:
    key = await jira.create()
    plain = await jira.post(f"{ISSUE}/{key}/comment", {"body": "plain"})
    empty = await jira.post(f"{ISSUE}/{key}/comment", {})
    blank = await jira.post(f"{ISSUE}/{key}/comment", {"body": doc("")})
    assert blank.body["errors"] == {"comment": "Comment body can not be empty!"}
    assert (plain.status, plain.body["errors"]) == (400, {"comment": "Comment body is not valid!"})
    assert empty.body["errors"] == {"comment": "Comment body can not be empty!"}


async def test_comments_are_listed_oldest_first_and_can_be_reversed(jira: Jira) -> None:
    key = await jira.create()
    for text in ("a", "b", "c"):
        await jira.post(f"{ISSUE}/{key}/comment", {"body": doc(text)})
    ascending = (await jira.get(f"{ISSUE}/{key}/comment")).body["comments"]
    descending = (await jira.get(f"{ISSUE}/{key}/comment?orderBy=-created")).body["comments"]
    texts = [c["body"]["content"][0]["content"][0]["text"] for c in ascending]
    assert texts == ["a", "b", "c"]
    assert [c["id"] for c in descending] == [c["id"] for c in reversed(ascending)]


async def test_a_comment_updates_the_issue_without_history(jira: Jira) -> None:
    key = await jira.create()
    before = (await jira.get(f"{ISSUE}/{key}?fields=updated")).body["fields"]["updated"]
    await jira.post(f"{ISSUE}/{key}/comment", {"body": doc("x")})
    after = (await jira.get(f"{ISSUE}/{key}?fields=updated")).body["fields"]["updated"]
    assert after > before
    assert (await jira.get(f"{ISSUE}/{key}/changelog")).body["total"] == 0
