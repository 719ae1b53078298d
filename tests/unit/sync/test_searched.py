"""What a full sync's search said of an issue: its marker is taken only for an issue made
long enough before (an eventually consistent result may predate a newer marker), its file
list whenever it was asked for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from streams.sync import searched
from streams.sync.fields import FieldMaps
from streams.sync.messages import LINK_PROPERTY, IssueChanged
from streams.sync.normalize import change_from_envelope, snapshot_envelope

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
MARKER = {"pair_id": "site1:10001", "key": "PROJ1-1"}


def jira(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def payload(created: datetime, marker: dict[str, str] | None = None) -> dict[str, object]:
    properties = {LINK_PROPERTY: marker} if marker else {}
    return {searched.SEARCHED: searched.said({"created": jira(created)}, properties)}


def test_an_old_issue_s_marker_or_its_absence_is_taken_from_the_search() -> None:
    old = NOW - timedelta(days=1)
    assert searched.marker(payload(old, MARKER), NOW) == (True, MARKER)
    assert searched.marker(payload(old), NOW) == (True, None)


def test_an_issue_made_in_the_last_minutes_is_read() -> None:
    recent = NOW - searched.SETTLED + timedelta(seconds=1)
    assert searched.marker(payload(recent), NOW) == (False, None)
    assert searched.marker(payload(recent, MARKER), NOW) == (False, None)


def test_a_snapshot_without_what_the_search_said_is_read() -> None:
    assert searched.marker({}, NOW) == (False, None)
    assert searched.marker({searched.SEARCHED: {"created": "yesterday"}}, NOW) == (False, None)
    assert searched.has_files({}) is None


def test_a_searched_snapshot_says_whether_its_issue_has_files_and_drops_the_list() -> None:
    fields = {"summary": "S", "attachment": [{"id": "1"}], "created": jira(NOW)}
    said = searched.said(fields, {})
    envelope = snapshot_envelope(
        1, "10001", "PROJ1-1", searched.synced_fields(fields), "resync:1", NOW, said=said
    )
    assert envelope.payload["issue"]["fields"] == {"summary": "S"}
    change = change_from_envelope(envelope, FieldMaps())
    assert isinstance(change, IssueChanged)
    assert (change.kind, change.attachments, change.text_read) == ("snapshot", True, True)
    bare = searched.said({"summary": "S", "attachment": []}, {})
    change = change_from_envelope(
        snapshot_envelope(1, "10001", "PROJ1-1", {}, "resync:1", NOW, said=bare), FieldMaps()
    )
    assert isinstance(change, IssueChanged)
    assert (change.attachments, change.text_read) == (False, True)
    manual = snapshot_envelope(1, "10001", "PROJ1-1", {}, "manual:1", NOW)
    change = change_from_envelope(manual, FieldMaps())
    assert isinstance(change, IssueChanged)
    assert (change.attachments, change.text_read) == (False, False)  # files to be listed
