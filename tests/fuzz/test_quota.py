"""The issue's bar: at least 10,000 generated requests per run against the ingress, its
management API and the status API. Each fuzz module asserts it sent its own quota."""

from __future__ import annotations

from tests.fuzz import test_ingress_management, test_ingress_webhooks, test_status_api, test_wire


def test_the_fuzz_modules_quotas_add_up_to_ten_thousand_requests() -> None:
    modules = (test_ingress_webhooks, test_ingress_management, test_status_api, test_wire)
    assert sum(module.QUOTA for module in modules) >= 10_000
