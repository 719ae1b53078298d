"""Properties of the pure delivery check over random bodies, headers and secrets."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from ingress.receive import BadSignature, DeliveryError, receive
from streams.jira.signature import sign
from tests.ingress.conftest import NOW, sample_paths

SAMPLES = [path.read_bytes() for path in sample_paths()[:8]]
HEADER_NAMES = [
    "X-Hub-Signature",
    "X-Atlassian-Webhook-Identifier",
    "X-Atlassian-Webhook-Retry",
    "Content-Type",
]
secrets = st.text(min_size=1, max_size=40)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children),
    max_leaves=20,
)


@st.composite
def webhook_like(draw: st.DrawFn) -> bytes:
    """JSON objects near the webhook shape, so that parsing is exercised past the HMAC."""
    document: dict[str, Any] = draw(st.dictionaries(st.text(max_size=10), json_values))
    if draw(st.booleans()):
        document["webhookEvent"] = draw(
            st.sampled_from(["jira:issue_created", "comment_created", "worklog_updated"])
            | st.text()
        )
    if draw(st.booleans()):
        document["timestamp"] = draw(st.integers() | json_values)
    if draw(st.booleans()):
        document["issue"] = draw(st.fixed_dictionaries({"id": st.text() | json_values}))
    if draw(st.booleans()):
        document["comment"] = draw(json_values)
    return json.dumps(document).encode()


bodies = st.binary(max_size=300) | webhook_like() | st.sampled_from(SAMPLES)
headers = st.dictionaries(st.sampled_from(HEADER_NAMES) | st.text(min_size=1), st.text())


@given(st.integers(1, 2), headers, bodies, secrets | st.none())
def test_any_delivery_gives_an_envelope_or_a_typed_error(
    site: int, headers: dict[str, str], body: bytes, secret: str | None
) -> None:
    try:
        delivery = receive(site, headers, body, secret, NOW)  # type: ignore[arg-type]
    except DeliveryError as error:
        reason = error.reason
    else:
        assert delivery.stamp.site == site
        assert delivery.value
        return
    assert reason


@given(bodies, secrets, headers)
def test_a_correct_signature_always_passes_the_check(
    body: bytes, secret: str, extra: dict[str, str]
) -> None:
    headers = {**extra, "X-Hub-Signature": sign(body, secret)}
    try:
        receive(1, headers, body, secret, NOW)
    except BadSignature as error:  # pragma: no cover - the property failing
        raise AssertionError(f"refused a correct signature: {error}") from error
    except DeliveryError:
        pass


@given(bodies, secrets, secrets)
def test_a_signature_made_with_another_secret_never_passes(
    body: bytes, secret: str, other: str
) -> None:
    if other == secret:
        return
    try:
        receive(1, {"X-Hub-Signature": sign(body, other)}, body, secret, NOW)
    except BadSignature:
        return
    raise AssertionError("accepted a signature made with another secret")


@given(bodies, st.binary(min_size=1, max_size=20), secrets)
def test_a_changed_body_never_passes_with_the_old_signature(
    body: bytes, change: bytes, secret: str
) -> None:
    changed = body + change
    try:
        receive(1, {"X-Hub-Signature": sign(body, secret)}, changed, secret, NOW)
    except BadSignature:
        return
    raise AssertionError("accepted a body that was changed after signing")
