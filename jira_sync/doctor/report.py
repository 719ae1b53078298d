"""The report of ``jira-sync doctor``: findings, how they print, and how checks are run.

A check is a coroutine returning findings (one per thing it looked at). Every check runs
under its own time limit; a check that crashes or times out becomes a FAIL finding of its
own, so one check never stops the others.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum


class Outcome(StrEnum):
    OK = "OK"
    WARN = "WARN"
    FAIL = "FAIL"


@dataclass(frozen=True)
class Finding:
    check: str
    outcome: Outcome
    detail: str
    fix: str | None = None  # what to do; every WARN and FAIL carries one

    def __post_init__(self) -> None:
        if self.outcome is not Outcome.OK and not self.fix:
            raise ValueError(f"a {self.outcome} finding needs a fix: {self.check}")


def ok(check: str, detail: str) -> Finding:
    return Finding(check, Outcome.OK, detail)


def warn(check: str, detail: str, fix: str) -> Finding:
    return Finding(check, Outcome.WARN, detail, fix)


def fail(check: str, detail: str, fix: str) -> Finding:
    return Finding(check, Outcome.FAIL, detail, fix)


@dataclass(frozen=True)
class Check:
    name: str
    run: Callable[[], Awaitable[list[Finding]]]
    timeout_fix: str  # what to do when it does not answer in time


async def run_checks(checks: Sequence[Check], limit: float) -> list[Finding]:
    """Every check at once, each bounded by ``limit`` seconds; findings in the checks' order."""
    groups = await asyncio.gather(*(_bounded(check, limit) for check in checks))
    return [finding for group in groups for finding in group]


async def _bounded(check: Check, limit: float) -> list[Finding]:
    try:
        return await asyncio.wait_for(check.run(), limit)
    except TimeoutError:
        return [fail(check.name, f"no answer within {limit:g} s", check.timeout_fix)]
    except Exception as error:  # a bug in one check must not hide the others
        detail = f"the check itself failed: {type(error).__name__}: {error}"
        return [fail(check.name, detail, "run again with --timeout 30; report it if it stays")]


def render(findings: Sequence[Finding]) -> str:
    """One line per finding, ``fix:`` under every WARN and FAIL, then the counts."""
    width = max((len(finding.check) for finding in findings), default=0)
    lines = []
    for finding in findings:
        lines.append(f"{finding.outcome.value:<4}  {finding.check:<{width}}  {finding.detail}")
        if finding.fix:
            lines.append(f"{'':<4}  {'':<{width}}  fix: {finding.fix}")
    lines.append(summary(findings))
    return "\n".join(lines)


def summary(findings: Sequence[Finding]) -> str:
    counts = Counter(finding.outcome for finding in findings)
    parts = ", ".join(f"{counts[outcome]} {outcome.value}" for outcome in Outcome)
    verdict = "problems found" if counts[Outcome.FAIL] else "no failures"
    return f"{parts}: {verdict}"


def exit_code(findings: Sequence[Finding]) -> int:
    """1 when anything failed, else 0 (warnings alone do not fail the run)."""
    return 1 if any(finding.outcome is Outcome.FAIL for finding in findings) else 0
