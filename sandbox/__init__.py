"""The JIRA Cloud sandbox: an emulator held to the official REST v3 description.

from sandbox import SiteConfig, Emulator, serve_emulator, RateLimits, Faults, Workflow
"""

from sandbox.clock import ManualClock, SystemClock
from sandbox.config import Faults, RateLimits, SiteConfig, WebhookRetry
from sandbox.delivery import Delivery
from sandbox.edits import Screens
from sandbox.emulator import Emulator, RunningSite, serve_emulator
from sandbox.workflow import Workflow

__all__ = [
    "Delivery",
    "Emulator",
    "Faults",
    "ManualClock",
    "RateLimits",
    "RunningSite",
    "Screens",
    "SiteConfig",
    "SystemClock",
    "WebhookRetry",
    "Workflow",
    "serve_emulator",
]
