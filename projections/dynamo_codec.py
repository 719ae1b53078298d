"""``PairItem`` and ``Totals`` to DynamoDB attribute maps and back (no I/O).

Everything is stored as native attributes (strings, numbers, maps, lists) except the
three values of a conflicted field, which are JSON text: they can be any JSON (floats,
deeply nested documents) that DynamoDB's number and nesting rules would refuse.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from projections.model import DEFAULT_CONNECTION, Head, PairItem, Totals

Attributes = dict[str, Any]  # DynamoDB's {"name": {"S": "..."}} form
PAIR_KEY = "pair_id"
TOTALS_KEY = "#totals"  # the pair id of the one totals item (real pair ids never start so)
CONFLICT_VALUES = ("base", "site1", "site2")

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def key_of(pair_id: str) -> Attributes:
    return {PAIR_KEY: {"S": pair_id}}


def to_attributes(data: Mapping[str, Any]) -> Attributes:
    return {name: _serializer.serialize(value) for name, value in data.items()}


def from_attributes(attributes: Mapping[str, Any]) -> dict[str, Any]:
    return {name: _deserializer.deserialize(value) for name, value in attributes.items()}


def encode_item(item: PairItem) -> Attributes:
    data = item.as_json()
    data["conflicts"] = [_with_values(conflict, json.dumps) for conflict in data["conflicts"]]
    return to_attributes(data)


def decode_item(attributes: Mapping[str, Any]) -> PairItem:
    data = from_attributes(attributes)
    data["conflicts"] = [_with_values(conflict, json.loads) for conflict in data["conflicts"]]
    return PairItem.model_validate(data)


def _with_values(conflict: Mapping[str, Any], convert: Any) -> dict[str, Any]:
    return {
        name: convert(value) if name in CONFLICT_VALUES else value
        for name, value in conflict.items()
    }


def encode_totals(totals: Totals) -> Attributes:
    return to_attributes({PAIR_KEY: TOTALS_KEY, **totals.as_json()})


def decode_totals(attributes: Mapping[str, Any] | None) -> Totals:
    if not attributes:
        return Totals()
    data = from_attributes(attributes)
    data.pop(PAIR_KEY, None)
    return Totals.model_validate(data)


def decode_head(attributes: Mapping[str, Any]) -> Head:
    connection = attributes.get("connection", {}).get("S") or DEFAULT_CONNECTION
    return Head(
        version=int(attributes["version"]["N"]),
        state=attributes["state"]["S"],
        connection=connection,
    )
