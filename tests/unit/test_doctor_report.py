"""``jira-sync doctor``'s report: lines, fixes, the summary, the exit code, and the runner
that bounds every check and keeps one failure from stopping the others."""

from __future__ import annotations

import asyncio

import pytest

from jira_sync.doctor.report import (
    Check,
    Finding,
    Outcome,
    exit_code,
    fail,
    ok,
    render,
    run_checks,
    warn,
)


def test_every_finding_is_one_line_and_problems_carry_their_fix() -> None:
    findings = [
        ok("kafka", "1 broker(s) at 127.0.0.1:9092"),
        warn("dynamodb", "table t does not exist yet", "`jira-sync projections` creates it"),
        fail("site 1 credentials", "JIRA refused the credentials (401)", "check JIRA_1_API_TOKEN"),
    ]
    lines = render(findings).splitlines()
    assert lines == [
        "OK    kafka               1 broker(s) at 127.0.0.1:9092",
        "WARN  dynamodb            table t does not exist yet",
        "                          fix: `jira-sync projections` creates it",
        "FAIL  site 1 credentials  JIRA refused the credentials (401)",
        "                          fix: check JIRA_1_API_TOKEN",
        "1 OK, 1 WARN, 1 FAIL: problems found",
    ]


def test_a_problem_without_a_fix_cannot_be_reported() -> None:
    with pytest.raises(ValueError, match="needs a fix"):
        Finding("kafka", Outcome.FAIL, "down")
    with pytest.raises(ValueError, match="needs a fix"):
        Finding("kafka", Outcome.WARN, "slow", "")


def test_exit_code_is_one_only_when_something_failed() -> None:
    fine = [ok("a", "x"), warn("b", "y", "z")]
    assert exit_code(fine) == 0
    assert exit_code([*fine, fail("c", "down", "start it")]) == 1
    assert render(fine).endswith("1 OK, 1 WARN, 0 FAIL: no failures")


async def test_a_slow_check_times_out_and_a_crashing_one_fails_alone() -> None:
    async def slow() -> list[Finding]:
        await asyncio.sleep(30)
        return [ok("slow", "never")]

    async def crashing() -> list[Finding]:
        raise RuntimeError("boom")

    async def fine() -> list[Finding]:
        return [ok("fine", "answered"), ok("fine", "twice")]

    checks = [
        Check("slow", slow, "raise --timeout"),
        Check("crashing", crashing, "unused"),
        Check("fine", fine, "unused"),
    ]
    began = asyncio.get_running_loop().time()
    findings = await run_checks(checks, 0.2)
    assert asyncio.get_running_loop().time() - began < 5  # side by side, each bounded
    assert [(f.check, f.outcome) for f in findings] == [
        ("slow", Outcome.FAIL),
        ("crashing", Outcome.FAIL),
        ("fine", Outcome.OK),
        ("fine", Outcome.OK),
    ]
    assert findings[0].detail == "no answer within 0.2 s"
    assert findings[0].fix == "raise --timeout"
    assert "RuntimeError: boom" in findings[1].detail
