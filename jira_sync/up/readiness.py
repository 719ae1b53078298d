"""When is a child of ``jira-sync up`` ready: it answers, not merely runs."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient

from jira_sync.up.supervisor import Child


class NotReady(Exception):
    """A child died or did not answer in time; the message says which and why."""


def basic_auth(user: str, token: str) -> dict[str, str]:
    encoded = base64.b64encode(f"{user}:{token}".encode()).decode()
    return {"Authorization": f"Basic {encoded}"}


def request_json(
    method: str,
    url: str,
    body: object = None,
    headers: dict[str, str] | None = None,
    timeout: float = 10.0,
) -> Any:
    """One HTTP call with a JSON body and answer; raises ``urllib.error.URLError``/
    ``HTTPError`` (with the answer's text in the message) otherwise."""
    data = json.dumps(body).encode() if body is not None else None
    all_headers = {"Accept": "application/json", **(headers or {})}
    if data is not None:
        all_headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, method=method, headers=all_headers)  # noqa: S310 - http(s) URLs we built
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
            raw = answer.read()
    except urllib.error.HTTPError as error:
        text = error.read().decode(errors="replace")[:500]
        raise urllib.error.HTTPError(
            url, error.code, f"{error.reason}: {text}", error.headers, None
        ) from None
    return json.loads(raw) if raw else None


def http_ok(url: str, headers: dict[str, str] | None = None) -> Callable[[], bool]:
    def check() -> bool:
        try:
            request_json("GET", url, headers=headers, timeout=3.0)
        except (OSError, ValueError):
            return False
        return True

    return check


def consumer_group_stable(bootstrap: str, group: str) -> Callable[[], bool]:
    """The group has members and finished rebalancing: its consumers own partitions."""

    def check() -> bool:
        return asyncio.run(_group_stable(bootstrap, group, 5.0))

    return check


async def _group_stable(bootstrap: str, group: str, wait: float) -> bool:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=int(wait * 1000))
    logger = logging.getLogger("aiokafka")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        await asyncio.wait_for(admin.start(), wait)
        responses = await asyncio.wait_for(admin.describe_consumer_groups([group]), wait)
    except Exception:
        return False
    finally:
        with contextlib.suppress(Exception):
            await admin.close()
        logger.setLevel(level)
    for response in responses:
        for entry in response.groups:
            error_code, _name, state, _type, _protocol, members = entry[:6]
            if error_code == 0 and state == "Stable" and members:
                return True
    return False


def wait_ready(
    checks: dict[str, Callable[[], bool]],
    children: dict[str, Child],
    timeout: float,
    progress: Callable[[str], None],
) -> None:
    """Poll every check until all pass; fail at once when the named child exits."""
    pending = dict(checks)
    deadline = time.monotonic() + timeout
    while pending:
        for name, check in list(pending.items()):
            child = children.get(name)
            if child is not None and child.popen.poll() is not None:
                raise NotReady(
                    f"{name} exited with code {child.popen.returncode} during start-up; "
                    f"the end of {child.log}:\n{log_tail(child)}"
                )
            if check():
                progress(f"{name} is ready")
                del pending[name]
        if not pending:
            return
        if time.monotonic() > deadline:
            logs = ", ".join(str(children[name].log) for name in pending if name in children)
            raise NotReady(
                f"{', '.join(pending)} not ready within {timeout:.0f} s (--start-timeout); "
                f"see {logs}"
            )
        time.sleep(0.3)


def log_tail(child: Child, lines: int = 25) -> str:
    try:
        text = child.log.read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join("  " + line for line in text.splitlines()[-lines:])
