"""Values carried only at the create: the reporter, and the line naming them where the
counterpart cannot be given them."""

from __future__ import annotations

from streams.sync import at_create
from streams.sync.fields import FieldMaps, canonical
from streams.sync.knowledge import UserMap


def test_the_reporter_is_carried_with_the_name_the_attribution_needs() -> None:
    users = UserMap({"712020:alice": "712020:alice-two"})
    fields = {"reporter": {"accountId": "712020:alice-two", "displayName": "Alice"}}
    carried = canonical(2, fields, FieldMaps(users=users))["reporter"]
    assert carried == {"account": "712020:alice", "name": "Alice"}
    assert at_create.reporter_field(2, carried, users) == {
        "reporter": {"accountId": "712020:alice-two"}
    }
    unknown = {"account": "site2:712020:nobody", "name": "Nobody"}
    assert at_create.reporter_field(1, unknown, users) == {}
    assert at_create.attribution(unknown, "PROJ2-4", 2) == (
        "Nobody reported this as PROJ2-4 (site 2). [jira-sync]"
    )
    assert at_create.attribution(None, "PROJ2-4", 2) is None
