"""The Data Center conversions (``streams.jira.dc_convert``, pure): paths, users by
username both ways, ADF <-> Data Center wiki markup, and what an answer's shape says."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from streams.jira import dc_convert
from streams.jira.adf import canonical_adf
from streams.jira.dc_client import DataCenterClient, losses
from streams.jira.wiki import to_wiki

Node = dict[str, Any]
ALICE = {
    "self": "http://jira/rest/api/2/user?username=alice",
    "name": "alice",
    "key": "JIRAUSER10001",
    "displayName": "Alice",
    "active": True,
}
PROJECT = {"id": "10000", "key": "PROJ1", "name": "Project", "avatarUrls": {}}
STATUS = {"id": "1", "name": "Open", "statusCategory": {"id": 2, "key": "new", "name": "To Do"}}


def doc(*content: Node) -> Node:
    return {"type": "doc", "version": 1, "content": list(content)}


def para(*content: Node) -> Node:
    return {"type": "paragraph", "content": list(content)}


def text(value: str, *marks: Node) -> Node:
    return {"type": "text", "text": value} | ({"marks": list(marks)} if marks else {})


def mention(name: str) -> Node:
    return {"type": "mention", "attrs": {"id": name}}


def test_v3_paths_are_v2_others_unchanged() -> None:
    assert dc_convert.v2_path("/rest/api/3/issue/P-1") == "/rest/api/2/issue/P-1"
    assert dc_convert.v2_path("/rest/api/3") == "/rest/api/2"
    assert dc_convert.v2_path("/rest/api/2/search") == "/rest/api/2/search"
    assert dc_convert.v2_path("/rest/api/30/x") == "/rest/api/30/x"


def test_user_objects_gain_their_username_as_account_id_nothing_else_does() -> None:
    answer = {
        "fields": {
            "assignee": ALICE,
            "project": PROJECT,
            "status": STATUS,
            "watchers": [ALICE],
            "gone": {"name": "", "key": "", "displayName": "Former user"},
        }
    }
    fields = dc_convert.with_account_ids(answer)["fields"]
    assert fields["assignee"] == ALICE | {"accountId": "alice"}
    assert fields["watchers"] == [ALICE | {"accountId": "alice"}]
    assert (fields["project"], fields["status"]) == (PROJECT, STATUS)
    assert "accountId" not in fields["gone"]


def test_account_ids_go_out_as_names() -> None:
    body = {
        "fields": {"assignee": {"accountId": "bob"}, "customfield_1": [{"accountId": "a"}]},
        "update": {"reporter": [{"set": {"accountId": "c"}}]},
        "transition": {"id": "5"},
    }
    out = dc_convert.outbound("/rest/api/2/issue", body)
    assert out == {
        "fields": {"assignee": {"name": "bob"}, "customfield_1": [{"name": "a"}]},
        "update": {"reporter": [{"set": {"name": "c"}}]},
        "transition": {"id": "5"},
    }
    assert dc_convert.user_refs({"accountId": None}) == {"name": None}


def test_documents_go_out_as_wiki_with_username_mentions() -> None:
    said = doc(para(text("Hi "), mention("alice"), text(" "), text("ok", {"type": "strong"})))
    assert dc_convert.to_dc_wiki(said) == "Hi [~alice] *ok*"
    body = {"fields": {"description": said}, "update": {"environment": [{"set": said}]}}
    out = dc_convert.outbound("/rest/api/2/issue/P-1", body)
    assert out["fields"]["description"] == out["update"]["environment"][0]["set"]
    assert dc_convert.outbound("/rest/api/2/issue/P-1/comment", {"body": said}) == {
        "body": "Hi [~alice] *ok*"
    }
    assert dc_convert.outbound("/rest/api/2/issue/P-1/worklog", {"comment": said})["comment"]
    assert dc_convert.to_dc_wiki(None) is None
    assert to_wiki(said) == "Hi [~accountid:alice] *ok*"  # Cloud's rendering is unchanged


def test_property_values_are_never_converted() -> None:
    value = {"fields": {"description": doc(para(text("x")))}, "user": ALICE}
    path = "/rest/api/2/issue/P-1/properties/sync"
    assert dc_convert.outbound(path, value) == value
    issue = {"id": "1", "properties": {"sync": value}, "fields": {}}
    assert dc_convert.inbound("/rest/api/2/issue/P-1", issue) == issue
    worklogs = {"worklogs": [{"id": "2", "properties": [{"key": "k", "value": ALICE}]}]}
    assert dc_convert.inbound("/rest/api/2/issue/P-1/worklog", worklogs) == worklogs
    assert dc_convert.inbound(path, {"key": "sync", "value": value}) == {
        "key": "sync",
        "value": value,
    }


def test_answers_rich_text_becomes_adf_by_where_it_is() -> None:
    issue = {
        "id": "1",
        "fields": {
            "description": "Hi [~bob]",
            "environment": "  ",
            "customfield_9": "*x*",
            "customfield_8": "*y*",
            "comment": {"comments": [{"id": "1", "body": "c"}]},
            "worklog": {"worklogs": [{"id": "2", "comment": "w"}]},
        },
    }
    fields = dc_convert.inbound("/rest/api/2/issue/P-1", issue, {"customfield_9"})["fields"]
    assert fields["description"] == doc(para(text("Hi "), mention("bob")))
    assert fields["environment"] is None
    assert fields["customfield_9"] == doc(para(text("x", {"type": "strong"})))
    assert fields["customfield_8"] == "*y*"  # not a textarea: text as it is
    assert fields["comment"]["comments"][0]["body"] == doc(para(text("c")))
    assert fields["worklog"]["worklogs"][0]["comment"] == doc(para(text("w")))
    page = dc_convert.inbound("/rest/api/2/search", {"issues": [issue], "total": 1})
    assert page["issues"][0]["fields"]["description"] == fields["description"]
    one = dc_convert.inbound("/rest/api/2/issue/P-1/comment/7", {"id": "7", "body": "b"})
    assert one["body"] == doc(para(text("b")))
    listed = dc_convert.inbound("/rest/api/2/issue/P-1/comment", {"comments": [{"body": "d"}]})
    assert listed["comments"][0]["body"] == doc(para(text("d")))


def test_textareas_are_learned_from_the_fields_answer() -> None:
    answer = [
        {"id": "description", "schema": {"type": "string", "system": "description"}},
        {
            "id": "customfield_1",
            "schema": {"custom": "com.atlassian.jira.plugin.system.customfieldtypes:textarea"},
        },
        {"id": "customfield_2", "schema": {"custom": "x:textfield"}},
        "not a field",
    ]
    assert dc_convert.textarea_ids(answer) == {"customfield_1"}
    assert dc_convert.textarea_ids({"not": "a list"}) == set()


def test_user_lookups_ask_by_username() -> None:
    assert dc_convert.user_params("/rest/api/2/user/search", {"query": "a@x"}) == {
        "username": "a@x"
    }
    assert dc_convert.user_params("/rest/api/2/user", {"accountId": "a"}) == {"username": "a"}
    assert dc_convert.user_params("/rest/api/2/search", {"query": "q"}) == {"query": "q"}


def test_losses_are_wiki_markups() -> None:
    underlined = doc(para(text("u", {"type": "underline"})))
    assert losses(underlined) == DataCenterClient.losses(underlined) == ["underline"]


# Property-style: what wiki markup can express reads back as itself, through Data Center.
# (Spaces inside words only: a table cell's edge spaces are trimmed, as JIRA shows it.)
WORDS = st.text(alphabet="ab Z9é*_-[]|#.h", min_size=1, max_size=6).map(str.strip).filter(bool)
MARKS = [{"type": kind} for kind in ("strong", "em", "strike", "code")]
LINKS = [{"type": "link", "attrs": {"href": "https://example.com/a"}}]
marked = st.builds(
    lambda value, on: text(value, *on),
    WORDS,
    st.lists(st.sampled_from(MARKS + LINKS), max_size=2, unique_by=lambda m: str(m["type"])),
)
names = st.sampled_from(["alice", "bob.smith", "c-d_e", "x@example.com"])
inline = st.lists(st.one_of(marked, marked, st.builds(mention, names)), min_size=1, max_size=4)
paragraphs = st.builds(lambda nodes: para(*nodes), inline)
headings = st.builds(
    lambda level, nodes: {"type": "heading", "attrs": {"level": level}, "content": nodes},
    st.integers(1, 6),
    inline,
)
items = st.lists(
    st.builds(lambda p: {"type": "listItem", "content": [p]}, paragraphs), min_size=1, max_size=3
)
lists = st.builds(
    lambda kind, content: {"type": kind, "content": content},
    st.sampled_from(["bulletList", "orderedList"]),
    items,
)
code = st.builds(
    lambda body: {"type": "codeBlock", "attrs": {"language": "python"}, "content": [text(body)]},
    st.text(alphabet="ab [~x]*\n", min_size=1, max_size=10),
)


def _row(kind: str, cells: list[Node]) -> Node:
    return {"type": "tableRow", "content": [{"type": kind, "content": [p]} for p in cells]}


tables = st.integers(1, 3).flatmap(
    lambda width: st.builds(
        lambda head, body: {
            "type": "table",
            "content": [_row("tableHeader", head), _row("tableCell", body)],
        },
        st.lists(paragraphs, min_size=width, max_size=width),
        st.lists(paragraphs, min_size=width, max_size=width),
    )
)
documents = st.builds(
    lambda blocks: canonical_adf(doc(*blocks)),
    st.lists(st.one_of(paragraphs, headings, lists, code, tables), min_size=1, max_size=4),
)


@settings(max_examples=300, deadline=None)
@given(documents)
def test_adf_to_data_center_wiki_and_back_is_stable(document: Node) -> None:
    wiki = dc_convert.to_dc_wiki(document)
    assert wiki is not None
    assert canonical_adf(dc_convert.from_dc_wiki(wiki)) == document, wiki
    assert "[~accountid:" not in wiki  # no Cloud mention syntax
