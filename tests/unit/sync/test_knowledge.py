"""The worker's configuration is complete and frozen before it starts (``prepare.completed``),
and what it learns while it runs is in one explicit store (``knowledge.Knowledge``): the user
map itself never changes. Pure: no JIRA, no loop."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from streams.sync.fields import DEFAULT_FIELDS, CustomField, FieldMaps, UserMap, canonical, render
from streams.sync.knowledge import Knowledge, LearnedUsers
from streams.sync.messages import SyncConfig
from streams.sync.prepare import completed

BASE = SyncConfig(
    project_keys={1: "PROJ1", 2: "PROJ2"},
    maps=FieldMaps(users=UserMap({"one-ann": "two-ann"})),
)
CUSTOMER = CustomField("Customer", "text", {1: "customfield_1", 2: "customfield_7"})


def test_the_completed_config_holds_what_jira_answered_and_the_base_is_untouched() -> None:
    knowledge = Knowledge()
    config = completed(BASE, knowledge, {1: "sync-1", 2: "sync-2"}, [CUSTOMER])
    assert config.integration_accounts == {1: "sync-1", 2: "sync-2"}
    assert config.maps.custom == (CUSTOMER,)
    assert config.fields == (*BASE.fields, "cf:Customer")
    assert config.maps.users.learned is knowledge.users
    assert BASE.integration_accounts == {}
    assert BASE.maps.custom == ()
    assert BASE.maps.users.learned is not knowledge.users
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.fields = DEFAULT_FIELDS  # type: ignore[misc]


def test_without_custom_fields_the_fields_stay_the_settings_ones() -> None:
    config = completed(BASE, Knowledge(), {}, [])
    assert config.fields == BASE.fields
    assert config.maps.custom == ()


def test_users_learned_into_the_store_are_seen_by_canonical_values_and_renderings() -> None:
    knowledge = Knowledge()
    config = completed(BASE, knowledge, {}, [])
    site2 = {"assignee": {"accountId": "two-erin"}}
    assert canonical(2, site2, config.maps)["assignee"] == "site2:two-erin"
    knowledge.users.learn("one-erin", "two-erin")
    assert canonical(2, site2, config.maps)["assignee"] == "one-erin"
    assert render(2, {"assignee": "one-erin"}, config.maps).fields == {
        "assignee": {"accountId": "two-erin"}
    }
    assert config.maps.users.mapped == {"one-ann": "two-ann"}  # the map itself is unchanged


def test_the_user_map_cannot_be_changed_and_the_mapping_file_wins_over_what_is_learned() -> None:
    store = LearnedUsers()
    users = UserMap({"one-ann": "two-ann"}, learned=store)
    assert not hasattr(users, "learn")
    with pytest.raises(TypeError):
        users.mapped["one-bob"] = "two-bob"  # type: ignore[index]
    with pytest.raises(TypeError):
        users.one_to_two["one-bob"] = "two-bob"  # type: ignore[index]
    store.learn("one-ann", "two-other")  # a later match never overrides the mapping file
    store.learn("one-cat", "two-cat")
    store.learn("one-cat", "two-later")  # nor an earlier match
    assert dict(users.one_to_two) == {"one-ann": "two-ann", "one-cat": "two-cat"}
    assert users.to_site(2, "one-ann") == "two-ann"
    assert users.to_canonical(2, "two-cat") == "one-cat"
    assert UserMap({"one-ann": "two-ann"}) == users  # equal by what the mapping file says


def test_the_store_holds_one_workflow_graph_per_site() -> None:
    knowledge = Knowledge()
    assert set(knowledge.graphs) == {1, 2}
    assert knowledge.graphs[1] is not knowledge.graphs[2]
    assert Knowledge().graphs[1] is not knowledge.graphs[1]
    assert Knowledge().users is not knowledge.users


def test_site_number_is_defined_once() -> None:
    root = Path(__file__).resolve().parents[3]
    defining = [
        path.relative_to(root).as_posix()
        for package in ("streams", "ingress", "projections", "jira_sync", "sandbox")
        for path in (root / package).rglob("*.py")
        if re.search(r"^SiteNumber\b.*=", path.read_text(), re.MULTILINE)
    ]
    assert defining == ["streams/sites.py"]
