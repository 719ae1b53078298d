"""Random concurrent edit scripts for the convergence simulations, and what must hold after.

A scenario: an issue is created on one site (its origin); humans then edit the synced
fields and the status of both issues, each edit after a random number of webhook
deliveries, some in the middle of a sync step (after the engine read both issues, before
it writes); deliveries arrive in random order, some several times. The vocabulary is the
config's own ``synced()`` fields (the core fields and the status), so the simulations
follow the model when it syncs more.

After quiescence (no delivery left): both issues are equal on every synced field except
exactly the conflicted ones (none under ``jira1``/``jira2``); the pair's base holds the
agreed value of every other field; and the sync wrote at most once per effective human
edit on the other side (plus the create): duplicates, reordering and our own echoes cost
no write. ``simulation_bound`` states it.

The emulated simulation adds comments (added, added internal, edited, restricted,
deleted): at most one comment write per human comment change on the other side.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from streams.settings import ConflictPolicy
from streams.state import PairState, PairStatus
from streams.sync.fields import CORE_FIELDS
from streams.sync.messages import SiteNumber, SyncConfig

INITIAL_STATUS = "To Do"  # every new JIRA issue starts there (both emulated workflows)
# Canonical values a human may set, per synced field (labels as sorted lists).
VALUES: dict[str, tuple[Any, ...]] = {
    "summary": ("first summary", "alpha", "beta", "gamma", "delta"),
    "description": (None, "some text", "other text\nsecond line", "third text"),
    "priority": ("Highest", "High", "Medium", "Low", "Lowest"),
    "labels": ((), ("x",), ("x", "y"), ("y",), ("ops", "z")),
    "status": (INITIAL_STATUS, "In Progress", "In Review", "Done"),
}
SET_BY_TRANSITIONS = ("resolution",)  # changes with the status (a transition's screen)
POLICIES = (ConflictPolicy.MANUAL,) * 3 + tuple(ConflictPolicy)
# Comments (the emulated simulation only): a human adds one (or an internal one), edits,
# restricts or deletes one of their own on that site, picked by index.
COMMENT = "comment"
COMMENT_TEXTS = ("first comment", "a reply", "edited text", "line one\nline two")
comment_actions = st.one_of(
    st.tuples(st.sampled_from(["add", "add internal"]), st.sampled_from(COMMENT_TEXTS)),
    st.tuples(st.just("edit"), st.integers(0, 3), st.sampled_from(COMMENT_TEXTS)),
    st.tuples(st.sampled_from(["delete", "restrict"]), st.integers(0, 3)),
)


def config_for(policy: ConflictPolicy, accounts: Mapping[int, str]) -> SyncConfig:
    return SyncConfig(
        project_keys={1: "PROJ1", 2: "PROJ2"},
        policy=policy,
        fields=CORE_FIELDS,
        integration_accounts=dict(accounts),
    )


def synced_fields(config: SyncConfig) -> tuple[str, ...]:
    """The fields to edit: every synced one; a new one without values here fails loudly."""
    edited = tuple(name for name in config.synced() if name not in SET_BY_TRANSITIONS)
    missing = [name for name in edited if name not in VALUES]
    assert not missing, f"give the simulations values for the newly synced fields {missing}"
    return edited


def canonical(name: str, value: Any) -> Any:
    return list(value) if name == "labels" else value


@dataclass(frozen=True)
class Edit:
    site: SiteNumber
    name: str  # a synced field, or ``COMMENT``
    value: Any  # canonical; for a comment, the action (see ``comment_actions``)
    wait: int  # deliveries to let through before this edit
    mid_step: bool  # made after the engine's reads, before its writes


@dataclass(frozen=True)
class Scenario:
    origin: SiteNumber
    start: dict[str, Any]  # the origin issue as created (status: the initial one)
    settle_first: bool  # every delivery of the create is handled before the first edit
    edits: tuple[Edit, ...]
    policy: ConflictPolicy
    duplicate_rate: float
    seed: int  # of the delivery order and the duplicates

    def chaos(self) -> random.Random:
        return random.Random(self.seed)  # noqa: S311 - a simulation's dice, not crypto


@st.composite
def edits(draw: st.DrawFn, fields: tuple[str, ...], hot: str, comments: bool) -> Edit:
    """An edit, two times in three of the scenario's ``hot`` field (so that both sides
    often change the same field at once); with ``comments``, a comment change one time
    in three instead."""
    if comments and draw(st.integers(0, 2)) == 0:
        name = COMMENT
    else:
        name = hot if draw(st.integers(0, 2)) else draw(st.sampled_from(fields))
    value = draw(comment_actions) if name == COMMENT else draw(st.sampled_from(VALUES[name]))
    return Edit(
        site=draw(st.sampled_from([1, 2])),
        name=name,
        value=canonical(name, value),
        wait=draw(st.sampled_from([0, 0, 0, 1, 2, 3])),
        mid_step=draw(st.integers(0, 5)) == 0,
    )


@st.composite
def scenarios(draw: st.DrawFn, max_edits: int = 12, comments: bool = False) -> Scenario:
    """Two to ``max_edits`` edits (a few more with empty scripts add nothing), of the
    synced fields and, with ``comments``, of comments too."""
    fields = synced_fields(config_for(ConflictPolicy.MANUAL, {}))
    start = {name: canonical(name, draw(st.sampled_from(VALUES[name]))) for name in fields}
    start["status"] = INITIAL_STATUS
    hot = draw(st.sampled_from(fields))
    return Scenario(
        origin=draw(st.sampled_from([1, 2])),
        start=start,
        settle_first=draw(st.integers(0, 3)) > 0,
        edits=tuple(draw(st.lists(edits(fields, hot, comments), min_size=2, max_size=max_edits))),
        policy=draw(st.sampled_from(POLICIES)),
        duplicate_rate=draw(st.sampled_from([0.0, 0.2, 0.5])),
        seed=draw(st.integers(0, 2**32 - 1)),
    )


@dataclass
class Outcome:
    """What a simulation ends with, for ``check_converged``."""

    scenario: Scenario
    pair: PairState | None
    values: dict[int, dict[str, Any]]  # canonical synced values of each issue at the end
    field_writes: dict[int, int]  # edits and transitions the sync made, per site
    effective_edits: dict[int, int]  # human edits that changed something, per site
    creates: dict[int, int]
    comment_writes: dict[int, int] = field(default_factory=lambda: {1: 0, 2: 0})
    comment_edits: dict[int, int] = field(default_factory=lambda: {1: 0, 2: 0})  # effective


def simulation_bound(outcome: Outcome, site: int) -> int:
    """At most one field write or transition on ``site`` per effective human edit on the
    other site (a create's own transition to the origin's status, when the counterpart
    already starts there, is no write: JIRA is read first), plus two per field edit made on
    ``site`` itself in the middle of a step: the sync's write may overwrite it, its echo
    then puts it back (``streams.sync.overwrites``), and the value it overwrote with may
    be copied again once the person's edit is undone (the base is the value before both)."""
    edits = outcome.scenario.edits
    restores = sum(1 for e in edits if e.site == site and e.mid_step and e.name != "comment")
    return outcome.effective_edits[3 - site] + 2 * restores


def check_converged(outcome: Outcome, fields: tuple[str, ...]) -> None:
    pair = outcome.pair
    assert pair is not None, "no pair was made"
    one, two = outcome.values[1], outcome.values[2]
    differing = {name for name in fields if one.get(name) != two.get(name)}
    assert differing == set(pair.conflicts), (
        f"differing {sorted(differing)} but conflicts {sorted(pair.conflicts)}: {one} {two}"
    )
    if outcome.scenario.policy in (ConflictPolicy.JIRA1, ConflictPolicy.JIRA2):
        assert not pair.conflicts, f"a conflict under policy {outcome.scenario.policy}"
    # ``latest`` leaves a conflict when both sides changed in the same millisecond
    # (``merge._winner`` has no tie-break); only the emulated sites' clocks can tie.
    expected = PairStatus.CONFLICTED if pair.conflicts else PairStatus.SYNCED
    assert pair.status is expected, (pair.status, pair.conflicts, pair.failure)
    agreed = {name: one[name] for name in fields if name not in differing}
    base = {name: pair.base.get(name) for name in agreed}
    assert base == agreed, f"the base {base} is not the agreed values {agreed}"
    counterpart = 3 - outcome.scenario.origin
    assert outcome.creates == {outcome.scenario.origin: 0, counterpart: 1}, outcome.creates
    for site in (1, 2):
        bound = simulation_bound(outcome, site)
        assert outcome.field_writes[site] <= bound, (
            f"{outcome.field_writes[site]} writes on site {site} for "
            f"{outcome.effective_edits[3 - site]} human edits on the other site"
        )
        comments = outcome.comment_edits[3 - site]
        assert outcome.comment_writes[site] <= comments, (
            f"{outcome.comment_writes[site]} comment writes on site {site} for {comments} "
            "human comment changes on the other site"
        )
