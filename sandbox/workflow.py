"""Workflows: statuses and the transitions between them.

``default`` is a company-managed workflow as partner sites have them: a global transition
into every status, the one into Done shows a screen on which ``resolution`` is required
(the site's own resolutions: "Fixed", "Won't Do"..., no "Done" by default), and a global
"Escalate" transition into Escalated whose screen requires the Severity custom field. A
transition lacking a required field answers 400 ``{"errors": {"resolution": "Resolution is
required."}}`` (JIRA's words, https://gitlab.com/gitlab-org/gitlab/-/issues/26230; the
screen: https://gitlab.com/gitlab-org/gitlab/-/issues/32301; the resolution marks the end
of an issue's life: https://confluence.atlassian.com/cloudkb/best-practices-on-using-the-
resolution-field-968660796.html). ``simplified`` is a team-managed (simplified) workflow:
global transitions, no screens, a post-function setting the resolution to Done (the knob
for tests about something else). ``strict`` is a classic workflow: To Do -> Done is
impossible (go via In Progress) and the transitions into Done require ``resolution``.
Leaving a done status clears the resolution in all of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Category = Literal["new", "indeterminate", "done"]

CATEGORIES: dict[str, tuple[int, str, str]] = {
    "new": (2, "To Do", "blue-gray"),
    "indeterminate": (4, "In Progress", "yellow"),
    "done": (3, "Done", "green"),
}

TODO, IN_PROGRESS, IN_REVIEW, DONE = "10000", "10001", "10002", "10003"
ESCALATED = "10004"
SEVERITY = "Severity"  # a custom field, named: its id differs per site


@dataclass(frozen=True)
class Status:
    id: str
    name: str
    category: Category

    def json(self, base_url: str) -> dict[str, Any]:
        category_id, category_name, colour = CATEGORIES[self.category]
        return {
            "self": f"{base_url}/rest/api/3/status/{self.id}",
            "description": "",
            "iconUrl": f"{base_url}/",
            "name": self.name,
            "id": self.id,
            "statusCategory": {
                "self": f"{base_url}/rest/api/3/statuscategory/{category_id}",
                "id": category_id,
                "key": self.category,
                "colorName": colour,
                "name": category_name,
            },
        }


@dataclass(frozen=True)
class Transition:
    id: str
    name: str
    to: str
    sources: frozenset[str] | None = None  # None: a global transition, from any status
    # fields that may be set while transitioning (ids, or a custom field's name)
    screen: tuple[str, ...] = ()
    required: tuple[str, ...] = ()  # fields that must hold a value after transitioning

    def leaves(self, status_id: str) -> bool:
        if self.to == status_id:
            return False
        return self.sources is None or status_id in self.sources


@dataclass(frozen=True)
class Workflow:
    name: str
    statuses: tuple[Status, ...]
    transitions: tuple[Transition, ...]
    initial: str
    resolve_on_done: bool = False

    def status(self, status_id: str) -> Status:
        return next(status for status in self.statuses if status.id == status_id)

    def status_named(self, name: str) -> Status | None:
        wanted = name.casefold()
        return next((s for s in self.statuses if s.name.casefold() == wanted), None)

    def available(self, status_id: str) -> list[Transition]:
        return [transition for transition in self.transitions if transition.leaves(status_id)]

    @classmethod
    def named(cls, name: str) -> Workflow:
        if name == "default":
            return cls.default()
        if name == "strict":
            return cls.strict()
        if name == "simplified":
            return cls.simplified()
        raise ValueError(f"unknown workflow {name!r}: use 'default', 'simplified' or 'strict'")

    @classmethod
    def default(cls) -> Workflow:
        screen, required = ("resolution", "fixVersions"), ("resolution",)
        transitions = (
            Transition("11", "To Do", TODO),
            Transition("21", "In Progress", IN_PROGRESS),
            Transition("31", "In Review", IN_REVIEW),
            Transition("41", "Done", DONE, None, screen, required),
            Transition("51", "Escalate", ESCALATED, None, (SEVERITY,), (SEVERITY,)),
        )
        statuses = (*_statuses(), Status(ESCALATED, "Escalated", "indeterminate"))
        return cls("default", statuses, transitions, TODO)

    @classmethod
    def simplified(cls) -> Workflow:
        transitions = (
            Transition("11", "To Do", TODO),
            Transition("21", "In Progress", IN_PROGRESS),
            Transition("31", "In Review", IN_REVIEW),
            Transition("41", "Done", DONE),
        )
        return cls("simplified", _statuses(), transitions, TODO, resolve_on_done=True)

    @classmethod
    def strict(cls) -> Workflow:
        screen, required = ("resolution", "fixVersions"), ("resolution",)
        transitions = (
            Transition("11", "Start Progress", IN_PROGRESS, frozenset({TODO})),
            Transition("21", "Stop Progress", TODO, frozenset({IN_PROGRESS})),
            Transition("31", "Submit for Review", IN_REVIEW, frozenset({IN_PROGRESS})),
            Transition("41", "Request Changes", IN_PROGRESS, frozenset({IN_REVIEW})),
            Transition("51", "Approve", DONE, frozenset({IN_REVIEW}), screen, required),
            Transition("61", "Resolve", DONE, frozenset({IN_PROGRESS}), screen, required),
            Transition("71", "Reopen", TODO, frozenset({DONE})),
        )
        return cls("strict", _statuses(), transitions, TODO)


def _statuses() -> tuple[Status, ...]:
    return (
        Status(TODO, "To Do", "new"),
        Status(IN_PROGRESS, "In Progress", "indeterminate"),
        Status(IN_REVIEW, "In Review", "indeterminate"),
        Status(DONE, "Done", "done"),
    )
