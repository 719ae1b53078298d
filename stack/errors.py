"""Errors of the local stack, each with a message an operator can act on."""

from __future__ import annotations


class StackError(Exception):
    """Base: ``str(error)`` is the whole message shown to the user."""


class MissingToolError(StackError):
    """A program the stack needs (java, mvn) is not on PATH or too old."""


class PortInUseError(StackError):
    """A port the stack was asked to bind is taken by another process."""


class DownloadError(StackError):
    """Maven could not fetch the jars."""


class StartError(StackError):
    """A service process died or did not answer in time."""
