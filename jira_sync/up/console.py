"""How ``jira-sync up`` talks: progress lines on stderr, and ``UpError``, a problem it
cannot work around (the message says what to change)."""

from __future__ import annotations

import click


class UpError(Exception):
    """Something ``up`` cannot work around; the message says what to change."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def progress(message: str) -> None:
    click.echo(f"up: {message}", err=True)
