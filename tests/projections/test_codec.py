"""Items and totals survive the trip to DynamoDB's attribute form and back (no I/O)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from projections import dynamo_codec as codec
from projections.fold import project
from projections.model import Totals
from streams.state import FieldConflict, PairStatus
from tests.projections.conftest import T0, pair_state

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=12,
)


@given(json_values, json_values)
def test_conflicted_values_of_any_json_shape_round_trip(base: object, theirs: object) -> None:
    conflict = FieldConflict(field="f", base=base, site1=1, site2=theirs, detected_at=T0)
    state = pair_state(3, status=PairStatus.CONFLICTED, conflicts={"f": conflict})
    item = project(state)
    assert codec.decode_item(codec.encode_item(item)) == item


def test_every_state_round_trips() -> None:
    for number, status in enumerate(PairStatus):
        item = project(pair_state(number, version=number + 1, status=status))
        attributes = codec.encode_item(item)
        assert attributes["state"] == {"S": status.value}
        assert attributes["updated_at"]["S"].endswith("Z")
        assert codec.decode_item(attributes) == item


def test_totals_round_trip_and_are_keyed_apart_from_pairs() -> None:
    totals = Totals(
        counts={state: n for n, state in enumerate(PairStatus)},
        last_synced_at={"site1": T0},
        last_updated_at=T0,
        version_sum=12,
    )
    attributes = codec.encode_totals(totals)
    assert attributes["pair_id"] == {"S": codec.TOTALS_KEY}
    assert "state" not in attributes  # so no index lists it
    assert codec.decode_totals(attributes) == totals
    assert codec.decode_totals(None) == Totals()


def test_numbers_come_back_as_ints() -> None:
    item = codec.decode_item(codec.encode_item(project(pair_state(1, version=9))))
    assert type(item.version) is int
    assert item.counters == {"syncs": 9}
    assert not isinstance(item.counters["syncs"], Decimal)
