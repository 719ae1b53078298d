"""The console's pure parts: sessions and CSRF, cookie flags, escaping, the timeline."""

from __future__ import annotations

from aiokafka.partitioner import DefaultPartitioner
from pydantic import SecretStr

from projections import console_auth as auth
from projections.console_html import form, layout, value
from projections.console_kafka import partition_of
from projections.console_pair import pair_page
from projections.console_views import conflicts, failures
from projections.fold import project
from projections.timeline import as_text, entries, event_line, input_title, summary
from streams.state import FieldConflict, PairFailure, PairStatus
from tests.projections.conftest import T0, pair_state

KEY = SecretStr("console-key")
NOW = 1_800_000_000.0
EVIL = '<script>alert("x")</script>'


def test_a_session_cookie_is_accepted_until_it_expires_and_only_under_its_key() -> None:
    token = auth.session_token(KEY, NOW, "nonce-1")
    assert auth.session_nonce(token, KEY, NOW + 60) == "nonce-1"
    assert auth.session_nonce(token, KEY, NOW + auth.SESSION_SECONDS + 1) is None
    assert auth.session_nonce(token, SecretStr("another-key"), NOW) is None
    assert auth.session_nonce(token, None, NOW) is None


def test_a_forged_or_altered_session_cookie_is_refused() -> None:
    token = auth.session_token(KEY, NOW, "nonce-1")
    version, expires, nonce, mac = token.split(".")
    longer = f"{version}.{int(expires) + 10**6}.{nonce}.{mac}"
    other = f"{version}.{expires}.nonce-2.{mac}"
    for bad in (longer, other, token[:-1] + "0", "v1.1.2", "", "v2" + token[2:], None):
        assert auth.session_nonce(bad, KEY, NOW) is None, bad


def test_the_csrf_token_is_tied_to_the_session_and_checked_in_constant_form() -> None:
    one, two = auth.session_csrf(KEY, "nonce-1"), auth.session_csrf(KEY, "nonce-2")
    assert one != two
    assert auth.session_csrf(SecretStr("another-key"), "nonce-1") != one
    assert auth.same_token(one, auth.session_csrf(KEY, "nonce-1"))
    assert not auth.same_token(two, one)
    assert not auth.same_token("", "")
    assert not auth.same_token(None, one)
    assert not auth.same_token(one, None)


def test_the_key_check_refuses_a_missing_key_and_a_disabled_console() -> None:
    assert auth.key_matches("console-key", KEY)
    assert not auth.key_matches("console-ke", KEY)
    assert not auth.key_matches(None, KEY)
    assert not auth.key_matches("console-key", None)


def test_cookies_are_httponly_samesite_strict_and_scoped_to_the_console() -> None:
    flags = auth.CookieFlags(secure=False).as_kwargs(600)
    assert flags == {
        "httponly": True,
        "samesite": "Strict",
        "path": "/console",
        "secure": False,
        "max_age": 600,
    }
    assert auth.CookieFlags(secure=True).as_kwargs(None)["secure"] is True
    assert "max_age" not in auth.CookieFlags(secure=True).as_kwargs(None)


def test_every_form_carries_the_csrf_token() -> None:
    rendered = form("/console/pairs/1%3A1/retry", "tok", "retry", {"winner": "2"})
    assert '<input type="hidden" name="csrf" value="tok">' in rendered
    assert '<input type="hidden" name="winner" value="2">' in rendered
    assert 'method="post"' in rendered


def test_user_text_is_escaped_on_every_page() -> None:
    conflict = FieldConflict(field=EVIL, base=EVIL, site1={"k": EVIL}, site2=[EVIL], detected_at=T0)
    state = pair_state(1, status=PairStatus.CONFLICTED, conflicts={EVIL: conflict})
    failure = PairFailure(reason=EVIL, retryable=False, at=T0)
    failed = pair_state(2, status=PairStatus.FAILED, failure=failure)
    timeline = entries(
        [
            {
                "v": 2,
                "kind": "step",
                "at": EVIL,
                "input": {"type": "resolve", "sync_id": EVIL, "winner": 2},
                "events": [{"type": EVIL}],
            }
        ]
    )
    pages = [
        conflicts([project(state)], "tok", None),
        failures([project(failed)], "tok", None),
        pair_page(project(state), timeline, "tok", note=EVIL, timeline_problem=EVIL),
        pair_page(project(failed), None, "tok", timeline_problem=EVIL),
        layout(EVIL, value(EVIL), signed_in="tok"),
    ]
    for page in pages:
        assert "<script>alert" not in page
        assert "&lt;script&gt;" in page


def test_conflicts_show_base_and_both_sides_with_both_buttons() -> None:
    page = conflicts([project(pair_state(3, status=PairStatus.CONFLICTED))], "tok", None)
    for text in ("Base (last agreed)", "Site 1", "Site 2", "old", "ours", "theirs"):
        assert text in page
    assert ">keep site 1</button>" in page
    assert ">keep site 2</button>" in page
    assert 'action="/console/pairs/1%3A10003/resolve"' in page


def test_empty_lists_say_so() -> None:
    assert "No conflicted pair" in conflicts([], "tok", None)
    assert "No failed pair" in failures([], "tok", None)
    assert "no step of this pair" in pair_page(project(pair_state(4)), [], "tok")


def test_a_step_record_becomes_its_input_events_and_outcome() -> None:
    step = {
        "v": 2,
        "kind": "step",
        "pair": "1:10001",
        "at": "2026-01-02T03:04:05+00:00",
        "input": {
            "type": "change",
            "site": 2,
            "kind": "updated",
            "issue_key": "PROJ2-1",
            "actor": "bob",
        },
        "events": [
            {"type": "IssueObserved", "site": 1, "issue_key": "PROJ1-1", "fields": {"a": 1}},
            {"type": "FieldsWritten", "site": 2, "values": {"priority": "High"}},
        ],
        "before": "aaaaaaaabbbb",
        "after": "ccccccccdddd",
        "retry_due": "2026-01-02T03:05:00+00:00",
    }
    (entry,) = entries([step])
    assert entry.at == "2026-01-02T03:04:05+00:00"
    assert entry.title == "PROJ2-1 updated on site 2 by bob"
    assert entry.events == (
        "IssueObserved: site=1, issue_key=PROJ1-1, fields={a}",
        "FieldsWritten: site=2, values={priority}",
    )
    assert entry.outcome == ("pair aaaaaaaa -> cccccccc", "retry due 2026-01-02T03:05:00+00:00")
    text = as_text([entry])
    assert "PROJ2-1 updated on site 2 by bob" in text
    assert "=> retry due" in text


def test_other_records_and_inputs_are_named() -> None:
    kinds = [
        e.kind
        for e in entries(
            [
                {"v": 1, "kind": "step", "pair": "p"},
                {"v": 2, "kind": "intent", "pair": "p", "state": {"status": "pending"}},
                {"v": 2, "kind": "route", "site": 1, "issue": "PROJ1-1", "pair": "p"},
                {"kind": "nonsense"},
            ]
        )
    ]
    assert kinds == ["old", "intent", "route", "unreadable"]
    assert input_title({"type": "resolve", "sync_id": "A-1#B-2", "winner": 1}) == (
        "resolve A-1#B-2: site 1 wins"
    )
    assert input_title({"type": "reexamine", "attempt": 3, "reason": "429"}) == "retry #3: 429"
    assert input_title(None) == "an unreadable input"
    assert event_line({"type": "Cleared"}) == "Cleared"


def test_summaries_are_short() -> None:
    assert summary("x" * 500).endswith("...")
    assert len(summary("x" * 500)) == 60
    assert summary([1, 2]) == "[2 items]"
    assert summary({str(n): n for n in range(10)}).endswith(", ...}")
    assert summary(True) == "true"


def test_a_pair_key_goes_to_the_partition_the_producer_picks() -> None:
    partitioner = DefaultPartitioner()
    for n in range(200):
        key = f"{n % 2 + 1}:{10000 + n}".encode()
        for count in (1, 2, 3, 8):
            every = list(range(count))
            assert partition_of(key, count) == partitioner(key, every, every)
