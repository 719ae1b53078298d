"""Pure conversions between what the engine speaks (JIRA Cloud's REST v3: ADF rich text,
users as ``{"accountId": ...}``) and what a Data Center site speaks (REST v2: wiki markup,
users as ``{"name", "key"}``), for ``streams.jira.dc_client.DataCenterClient``.

A Data Center user's identity in the engine is their username (``name``):

- inbound, every user object of an answer (``name`` and ``key`` and a ``displayName``, no
  ``id``, no ``accountId``: a project or a status category has an ``id``) gains
  ``accountId: <name>``; a deleted user (an empty name) gains none;
- outbound, every ``{"accountId": X}`` in ``fields`` and ``update`` becomes ``{"name": X}``
  (Data Center's user reference, https://docs.atlassian.com/software/jira/docs/api/REST/9.12.0/
  ``#api/2/issue-createIssue``).

Rich text: outbound, every ADF document (``"type": "doc"``) in ``fields``, ``update``, a
comment's ``body`` or a worklog's ``comment`` becomes wiki markup (``wiki.to_wiki``) with
mentions as Data Center's ``[~username]``; inbound, the wiki text of ``description``,
``environment``, the textarea custom fields, comment bodies and worklog comments becomes
ADF (``wiki_parse.from_wiki``) whose mentions name the username. Entity property values
are the caller's own JSON: never converted.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from streams.jira.wiki import to_wiki
from streams.jira.wiki_inline import USERNAME
from streams.jira.wiki_parse import from_wiki

Node = dict[str, Any]
V2, V3 = "/rest/api/2", "/rest/api/3"
RICH_FIELDS = ("description", "environment")  # the system fields holding rich text
TEXTAREA = ":textarea"  # ``schema.custom`` of a multi-line text custom field
PROPERTIES = re.compile(r"/properties(?:/|$)")
COMMENTS = re.compile(r"/issue/[^/]+/comment(?:/[^/]+)?$")
WORKLOGS = re.compile(r"/issue/[^/]+/worklog(?:/[^/]+)?$")
ISSUES = re.compile(r"/issue/[^/]+$|/search$")


def v2_path(path: str) -> str:
    """``/rest/api/3/...`` as ``/rest/api/2/...`` (other paths unchanged)."""
    if path == V3 or path.startswith(V3 + "/"):
        return V2 + path.removeprefix(V3)
    return path


def is_user(value: Node) -> bool:
    """A Data Center user object (``ApplicationUser`` as REST v2 answers it)."""
    shaped = "name" in value and "key" in value and "displayName" in value
    return shaped and "accountId" not in value and "id" not in value


def with_account_ids(value: Any) -> Any:
    """``value`` with every user object's ``accountId`` set to its username (entity
    properties, an issue's, a comment's or a worklog's, are left as they are)."""
    if isinstance(value, list):
        return [with_account_ids(item) for item in value]
    if not isinstance(value, dict):
        return value
    walked = {
        name: item if name == "properties" else with_account_ids(item)
        for name, item in value.items()
    }
    if is_user(value) and value.get("name"):
        walked["accountId"] = str(value["name"])
    return walked


def user_refs(value: Any) -> Any:
    """``value`` with every ``{"accountId": X, ...}`` as ``{"name": X, ...}``."""
    if isinstance(value, list):
        return [user_refs(item) for item in value]
    if not isinstance(value, dict):
        return value
    walked = {name: user_refs(item) for name, item in value.items() if name != "accountId"}
    return walked | {"name": value["accountId"]} if "accountId" in value else walked


def is_document(value: Any) -> bool:
    return isinstance(value, dict) and value.get("type") == "doc"


def to_dc_wiki(document: Node | None) -> str | None:
    """``document`` as Data Center's wiki markup: ``to_wiki`` with each mention's id (the
    username) written ``[~username]``."""
    if document is None:
        return None
    return to_wiki(_mentions(document, lambda account: USERNAME + account.removeprefix(USERNAME)))


def from_dc_wiki(text: str) -> Node:
    """Data Center's wiki markup as ADF: ``[~name]`` is a mention of ``name``."""
    return _mentions(from_wiki(text), lambda account: account.removeprefix(USERNAME))


def _mentions(node: Node, rename: Callable[[str], str]) -> Node:
    """``node`` with each mention's id passed through ``rename``, display text dropped (Data
    Center's markup carries none: JIRA shows the account's name)."""
    if node.get("type") == "mention":
        attrs = dict(node.get("attrs") or {})
        attrs.pop("text", None)
        return node | {"attrs": attrs | {"id": rename(str(attrs.get("id", "")))}}
    if not isinstance(node.get("content"), list):
        return node
    return node | {"content": [_mentions(child, rename) for child in node["content"]]}


def documents_to_wiki(value: Any) -> Any:
    """``value`` with every ADF document in it as wiki markup."""
    if is_document(value):
        return to_dc_wiki(value) or ""
    if isinstance(value, list):
        return [documents_to_wiki(item) for item in value]
    if isinstance(value, dict):
        return {name: documents_to_wiki(item) for name, item in value.items()}
    return value


def outbound(path: str, body: Any) -> Any:
    """A request body for Data Center: users by name, ADF as wiki markup."""
    if not isinstance(body, dict) or PROPERTIES.search(path):
        return body
    out = dict(body)
    for key in ("fields", "update"):
        if key in out:
            out[key] = user_refs(documents_to_wiki(out[key]))
    for key in ("body", "comment"):
        if is_document(out.get(key)):
            out[key] = to_dc_wiki(out[key]) or ""
    return out


def inbound(path: str, answer: Any, textareas: Iterable[str] = ()) -> Any:
    """An answer of Data Center's as the engine reads it: users with ``accountId``, wiki
    text as ADF (``textareas``: the site's multi-line text custom field ids)."""
    if PROPERTIES.search(path):
        return answer
    answer = with_account_ids(answer)
    if not isinstance(answer, dict):
        return answer
    if COMMENTS.search(path):
        return _listed(answer, "comments", "body")
    if WORKLOGS.search(path):
        return _listed(answer, "worklogs", "comment")
    if ISSUES.search(path):
        rich = (*RICH_FIELDS, *textareas)
        issues = answer.get("issues")
        if isinstance(issues, list):
            answer = answer | {"issues": [issue_in(item, rich) for item in issues]}
        return issue_in(answer, rich)
    return answer


def issue_in(issue: Any, rich: Iterable[str]) -> Any:
    """An issue answer with its rich text fields, comments and worklogs as ADF."""
    fields = issue.get("fields") if isinstance(issue, dict) else None
    if not isinstance(fields, dict):
        return issue
    fields = dict(fields)
    for name in rich:
        if isinstance(fields.get(name), str):
            text = fields[name]
            fields[name] = from_dc_wiki(text) if text.strip() else None
    if isinstance(fields.get("comment"), dict):
        fields["comment"] = _listed(fields["comment"], "comments", "body")
    if isinstance(fields.get("worklog"), dict):
        fields["worklog"] = _listed(fields["worklog"], "worklogs", "comment")
    return issue | {"fields": fields}


def _listed(answer: Node, listing: str, key: str) -> Node:
    """One comment or worklog (``key`` its text), or a page of them under ``listing``."""
    found = answer.get(listing)
    if isinstance(found, list):
        pages = [_listed(item, listing, key) if isinstance(item, dict) else item for item in found]
        answer = answer | {listing: pages}
    if isinstance(answer.get(key), str):
        answer = answer | {key: from_dc_wiki(answer[key])}
    return answer


def textarea_ids(fields: Any) -> set[str]:
    """The ids of the multi-line text custom fields in a ``GET /field`` answer."""
    found: set[str] = set()
    for field in fields if isinstance(fields, list) else []:
        schema = field.get("schema") if isinstance(field, dict) else None
        custom = schema.get("custom") if isinstance(schema, dict) else None
        if isinstance(custom, str) and custom.endswith(TEXTAREA) and field.get("id"):
            found.add(str(field["id"]))
    return found


def user_params(path: str, params: Any) -> Any:
    """Query parameters of a user lookup in Data Center's terms: Cloud's ``accountId`` and
    ``query`` are Data Center's ``username`` (which ``/user/search`` also matches against
    display names and email addresses)."""
    if not re.search(r"/user(?:/search)?$", path) or not params:
        return params
    renamed = {"accountId": "username", "query": "username"}
    return {renamed.get(name, name): value for name, value in params.items()}
