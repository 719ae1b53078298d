"""The counterparts a worker made, for its route agents: the newest ones kept."""

from __future__ import annotations

from streams.sync.made_here import MadeHere


def test_a_counterpart_made_names_its_pair_per_site_until_newer_ones_push_it_out() -> None:
    made = MadeHere(kept=2)
    made.made(2, "10001", "1:10000")
    made.made(1, "10001", "2:10500")
    assert made.pair_of(2, "10001") == "1:10000"
    assert made.pair_of(1, "10001") == "2:10500"
    assert made.pair_of(1, "10002") is None
    made.made(2, "10001", "1:10000")  # made again (a retried step): the newest now
    made.made(2, "10003", "1:10002")
    assert made.pair_of(1, "10001") is None
    assert made.pair_of(2, "10001") == "1:10000"
    assert made.pair_of(2, "10003") == "1:10002"
