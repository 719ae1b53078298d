"""The console's dead-letters page, with no I/O: the letters grouped by reason (largest
group first, as ``jira-sync dead-letters list``), each group's state counts and newest
letters, and a "Re-drive N" form per group; plus the chooser a group's re-drive uses and
the note that tells the operator what it did."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import get_args

from projections.console_html import empty, esc, flash, form, layout, table
from projections.console_kafka import Chooser
from streams import dead_letter_plan as plans
from streams.dead_letter_redrive import Outcome
from streams.dead_letters import DeadLetter

NEWEST = 5  # letters shown per group
NAMED = 10  # re-driven letters named in the note (it travels in the redirect's URL)
STATES: tuple[plans.State, ...] = get_args(plans.State)
LOOK = {"waiting": "pending", "redriven": "synced", "in doubt": "conflicted", "cannot": "skipped"}


def of_reason(reason: str) -> Chooser:
    """The letters of exactly one group: those whose reason is ``reason`` (not a part of
    it, as ``--reason`` takes), so the button re-drives what its group shows."""

    def choose(letters: Sequence[DeadLetter]) -> list[DeadLetter]:
        return [letter for letter in letters if letter.reason == reason]

    return choose


def newest(letters: Sequence[DeadLetter], count: int = NEWEST) -> list[DeadLetter]:
    """The ``count`` newest letters, newest first (by time written, then place)."""
    order = sorted(letters, key=lambda one: (one.at or "", one.offset, one.partition))
    return order[::-1][:count]


def dead_letters_page(
    letters: Sequence[DeadLetter] | None,
    known: dict[str, plans.State],
    csrf: str,
    note: str | None = None,
    problem: str | None = None,
) -> str:
    """``letters`` None: they could not be read (``problem`` says why)."""
    if letters is None:
        body = f'<p class="error" role="alert">Dead letters unknown: {esc(problem)}</p>'
    elif not letters:
        body = empty("No dead letters. Every record the worker read was handled.")
    else:
        groups = plans.grouped(letters)
        summary = f"<p>{len(letters)} dead letter(s), {len(groups)} reason(s).</p>"
        body = summary + "".join(group_block(group, known, csrf) for group in groups)
    return layout("Dead letters", flash(note) + body, "dead-letters", csrf)


def group_block(group: plans.Group, known: dict[str, plans.State], csrf: str) -> str:
    counts = Counter(plans.state_of(letter, known) for letter in group.letters)
    tally = ", ".join(f"{counts[state]} {state}" for state in STATES if counts[state])
    rows = [_row(letter, plans.state_of(letter, known)) for letter in newest(group.letters)]
    headers = ("Letter", "Written", "State", "Source record", "Key")
    older = len(group.letters) - len(rows)
    more = f'<p class="none">and {older} older letter(s)</p>' if older > 0 else ""
    waiting = counts["waiting"]
    action = (
        form("/console/dead-letters/redrive", csrf, f"Re-drive {waiting}", {"reason": group.reason})
        if waiting
        else '<span class="none">nothing waits to be re-driven</span>'
    )
    return (
        f'<section class="dead-group" aria-label="{esc(group.reason)}">'
        f"<h2>{len(group.letters)} x {esc(group.reason)}</h2>"
        f"<p>From {esc(', '.join(group.sources))}: {esc(tally)}.</p>"
        f"{table(headers, rows, group.reason)}{more}"
        f'<div class="actions">{action}</div></section>'
    )


def _row(letter: DeadLetter, state: plans.State) -> tuple[str, ...]:
    original = letter.original
    source = (
        f"<code>{esc(f'{original.topic}:{original.partition}:{original.offset}')}</code>"
        if original is not None
        else f'<span class="none">{esc(letter.why_not or "no record kept")}</span>'
    )
    shown = f'class="badge state-{LOOK[state]}" data-letter="{esc(letter.id)}"'
    return (
        f"<code>{esc(letter.id)}</code>",
        esc(letter.at or "?"),
        f"<span {shown}>{esc(state)}</span>",
        source,
        esc(letter.key) if letter.key else '<span class="none">-</span>',
    )


def redrive_note(outcome: Outcome, reason: str) -> str:
    """What a group's re-drive did, in a sentence or two."""
    done = outcome.done
    more = f" and {len(done) - NAMED} more" if len(done) > NAMED else ""
    which = f": {', '.join(done[:NAMED])}{more}." if done else "."
    parts = [f"Re-drove {len(done)} letter(s) of {reason!r}{which}"]
    skipped = Counter(step.why for step in outcome.steps if not step.redrive)
    parts += [f"Skipped {n}: {why}." for why, n in sorted(skipped.items())]
    parts += [
        f"Settled an interrupted redrive of {letter}: "
        + ("record found, counted as re-driven." if found else "record not found.")
        for letter, found in outcome.settled
    ]
    if not outcome.steps:
        parts.append("No letter of that reason is left.")
    if outcome.stopped:
        parts.append(f"The redrive {outcome.stopped}.")
    return " ".join(parts)
