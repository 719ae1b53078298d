"""The fuzz tests reuse the ingress fixtures (an app on a memory publisher, signed requests)."""

from __future__ import annotations

from tests.ingress.conftest import harness, make_harness

__all__ = ["harness", "make_harness"]
