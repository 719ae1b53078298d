"""Hypothesis strategies shared by the fuzz tests: text, JSON, bodies, headers, paths.

Real webhook bodies come from ``../shared/reference/webhooks`` and are mutated at the JSON
level (keys deleted or renamed, values replaced by other types, nasty strings, huge
numbers, deep nesting) and at the byte level (truncated, bytes flipped or inserted).
"""

from __future__ import annotations

import copy
import json
import string
from collections.abc import Sequence
from typing import Any, TypeVar
from urllib.parse import quote

from hypothesis import strategies as st

from tests.ingress.conftest import sample_paths

T = TypeVar("T")
SAMPLES: tuple[bytes, ...] = tuple(path.read_bytes() for path in sample_paths())
DOCUMENTS: tuple[dict[str, Any], ...] = tuple(json.loads(body) for body in SAMPLES)

NASTY_STRINGS = (
    "",
    " ",
    "\u0000",
    "\u202etxet\u202c",  # right-to-left override
    "\ufeff",
    "\u200b\u200d",
    "\U0001d518\U0001d52b\U0001d526 \U0001f600 \U0001f469\u200d\U0001f469\u200d\U0001f467",
    "a\u0301\u0301\u0301",
    "İıßẞ",
    "\x7f\x1b[31m",
    "<script>alert(1)</script>",
    "'; DROP TABLE pairs; --",
    "${jndi:ldap://x}",
    "%s%n%x",
    "../../../etc/passwd",
    "PROJ1-1#PROJ2-2",
    "A" * 5000,
)
NASTY_JSON = (
    b"",
    b" \n\t ",
    b"null",
    b"[]",
    b"{}",
    b'"just a string"',
    b"NaN",
    b'{"timestamp": Infinity, "webhookEvent": "jira:issue_created"}',
    b'{"timestamp": 1e999, "webhookEvent": "jira:issue_created", "issue": {"id": "1"}}',
    b'{"timestamp": -0, "webhookEvent": "jira:issue_created", "issue": {"id": "1"}}',
    b'{"timestamp": 1, "webhookEvent": "jira:issue_created", "issue": {"id": "\\ud800"}}',
    b'{"timestamp": 1, "webhookEvent": "x\\udfff", "issue": {"id": "1", "k": "\\udbff\\udfff"}}',
    b'{"timestamp": 1, "webhookEvent": "jira:issue_created", "issue": {"id": "1\xff\xfe"}}',
    b'{"webhookEvent": "a", "webhookEvent": "jira:issue_created", "timestamp": 1, "issue": {}}',
    b"\xef\xbb\xbf{}",
    '{"timestamp": 1, "webhookEvent": "jira:issue_created"}'.encode("utf-16"),
    '{"timestamp": 1, "webhookEvent": "jira:issue_created"}'.encode("utf-32-le"),
    b'{"timestamp": ' + b"9" * 5000 + b', "webhookEvent": "jira:issue_created"}',
    b"[" * 20_000 + b"]" * 20_000,
    b'{"a":' * 10_000 + b"1" + b"}" * 10_000,
    b'{"timestamp": 1, "webhookEvent": "jira:issue_created", "issue": {"id": "1"}} trailing',
    b'{"timestamp": 1, "webhookEvent": "jira:issue_created", "issue": {"id": "1"',
)

texts = st.text(max_size=40) | st.sampled_from(NASTY_STRINGS)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=2**63 - 2, max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | texts
)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(texts, children, max_size=4),
    max_leaves=12,
)


MUTATIONS = st.sampled_from(["delete", "replace", "rename", "add", "nest"])
BYTE_MUTATIONS = st.sampled_from(["truncate", "flip", "insert"])
replacements = json_values | st.sampled_from(NASTY_STRINGS)


def pick(draw: st.DrawFn, items: Sequence[T]) -> T:
    """One of ``items`` (cheaper than building a ``sampled_from`` per draw)."""
    return items[draw(st.integers(0, len(items) - 1))]


@st.composite
def mostly(draw: st.DrawFn, good: st.SearchStrategy[T], bad: st.SearchStrategy[Any]) -> Any:
    """``good`` seven times in eight, else ``bad`` (``one_of`` has no weights)."""
    return draw(good) if draw(st.integers(0, 7)) else draw(bad)


def encode(document: Any, draw: st.DrawFn) -> bytes:
    """JSON text, sometimes with non-ASCII kept as UTF-8 rather than escaped."""
    return json.dumps(document, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")


@st.composite
def mutated_document(draw: st.DrawFn) -> dict[str, Any]:
    """A real webhook body with one to four JSON-level mutations."""
    document = copy.deepcopy(pick(draw, DOCUMENTS))
    for _ in range(draw(st.integers(1, 4))):
        _mutate(draw, _descend(draw, document))
    return document


def _descend(draw: st.DrawFn, node: dict[str, Any] | list[Any]) -> dict[str, Any] | list[Any]:
    for _ in range(draw(st.integers(0, 4))):
        children = list(node.values()) if isinstance(node, dict) else node
        inner = [child for child in children if isinstance(child, dict | list) and child]
        if not inner:
            break
        node = pick(draw, inner)
    return node


def _mutate(draw: st.DrawFn, node: dict[str, Any] | list[Any]) -> None:
    if isinstance(node, list):
        delete: bool = draw(st.booleans())
        if node and delete:
            del node[draw(st.integers(0, len(node) - 1))]
        else:
            node.append(draw(json_values))
        return
    keys = sorted(node)
    operation = draw(MUTATIONS)
    if not keys or operation == "add":
        node[draw(texts)] = draw(json_values)
        return
    key = pick(draw, keys)
    if operation == "delete":
        del node[key]
    elif operation == "replace":
        node[key] = draw(replacements)
    elif operation == "rename":
        node[draw(texts)] = node.pop(key)
    else:
        node[key] = [[[[{"deep": [node[key]]}]]]]


@st.composite
def byte_mutated(draw: st.DrawFn) -> bytes:
    """A real webhook body truncated, or with bytes flipped or inserted."""
    body = bytearray(pick(draw, SAMPLES))
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(body)))
        operation = draw(BYTE_MUTATIONS)
        if operation == "truncate":
            del body[at:]
        elif operation == "flip" and at < len(body):
            body[at] ^= draw(st.integers(1, 255))
        else:
            body[at:at] = draw(st.binary(min_size=1, max_size=8))
        if not body:
            break
    return bytes(body)


@st.composite
def padded(draw: st.DrawFn, limit: int) -> bytes:
    """A real body grown to just under, at, or over ``limit`` bytes (JSON kept valid)."""
    document = dict(pick(draw, DOCUMENTS))
    document["padding"] = ""
    size = len(json.dumps(document).encode())
    target = limit + pick(draw, (-1, 0, 1, 2, 1000, limit))
    document["padding"] = "x" * max(0, target - size)
    return json.dumps(document).encode()


@st.composite
def encoded(draw: st.DrawFn, documents: st.SearchStrategy[Any]) -> bytes:
    return encode(draw(documents), draw)


@st.composite
def repeated_byte(draw: st.DrawFn, limit: int) -> bytes:
    return draw(st.binary(min_size=1, max_size=1)) * draw(st.integers(0, 2 * limit))


def webhook_bodies(limit: int) -> st.SearchStrategy[bytes]:
    """Everything the webhook routes may be sent: real bodies (a quarter, so that many
    reach the publisher), mutated ones, random JSON and bytes, nasty documents, sizes
    around ``limit``. Build it once per module: building strategies is not free."""
    return st.one_of(
        st.sampled_from(SAMPLES),
        st.sampled_from(SAMPLES),
        encoded(mutated_document()),
        byte_mutated(),
        encoded(json_values),
        st.binary(max_size=300),
        st.sampled_from(NASTY_JSON),
        padded(limit),
        repeated_byte(limit),
    )


# --- headers -----------------------------------------------------------------------------

# Values a well-formed client can send: no control characters (those are the wire tests').
header_text = st.text(
    st.characters(min_codepoint=0x20, exclude_categories=("Cc", "Cs")), max_size=60
) | st.sampled_from([s for s in NASTY_STRINGS if s.isprintable() and len(s) < 100])
CONTENT_TYPES = (
    "application/json",
    "application/json; charset=utf-8",
    "application/json; charset=latin-1",
    "text/plain",
    "text/html; charset=utf-16",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=xyz",
    "multipart/form-data",
    "application/xml",
    "application/octet-stream",
    "*/*",
    "",
    "garbage",
    "application/json; charset=\u00e9",
)
content_types = st.sampled_from(CONTENT_TYPES) | header_text
header_names = st.text(
    string.ascii_letters + string.digits + "-_!#$%&'*+.^`|~", min_size=1, max_size=24
)
# Headers a client may send whatever their value: framing headers (Content-Length,
# Transfer-Encoding, Host, Connection) are left to the client here and fuzzed on the wire.
FRAMING = frozenset({"content-length", "transfer-encoding", "host", "connection", "upgrade"})
extra_headers = st.lists(
    st.tuples(
        header_names.filter(lambda name: name.lower() not in FRAMING)
        | st.sampled_from(["Accept", "Accept-Encoding", "Cookie", "X-Forwarded-For", "Origin"]),
        header_text,
    ),
    max_size=4,
)
# Methods aiohttp's HTTP parser lets through to the app (it refuses unknown ones itself,
# in plain text: see the wire tests).
METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE", "PROPFIND", "PURGE")


def percent(text: str) -> str:
    """``text`` as one percent-encoded path segment (unicode as UTF-8)."""
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


def odd_paths(known: tuple[str, ...]) -> st.SearchStrategy[str]:
    """Known routes altered (case, slashes, suffixes, dot segments, encodings) or invented."""
    variants = st.sampled_from(known).flatmap(
        lambda path: st.sampled_from(
            [
                path.upper(),
                path + "/",
                "/" + path,
                path.replace("/", "//"),
                path + "/extra",
                path + "%00",
                path + "%2F..%2F",
                "/%2e%2e" + path,
                "/a/../" + path.lstrip("/"),
                path[:-1] + percent(path[-1]),
                path + ";param",
                path + "?" + "&".join(["q=1", "q=2", "x=%FF", "y=%", "z"]),
                path + "#fragment",
            ]
        )
    )
    invented = st.lists(header_text.map(percent), min_size=1, max_size=4).map(
        lambda parts: "/" + "/".join(parts)
    )
    return variants | invented
