"""The values a transition's screen is given when the sync moves an issue.

Real sites put a screen on the transitions into a done status on which the resolution is
required, and the resolutions are the site's own ("Fixed", "Won't Do"; "Done" only where
the site has it): ``GET .../transitions?expand=transitions.fields`` lists each screen's
fields with ``required`` and ``allowedValues``, and a transition lacking a required field
answers 400 ``{"errors": {"resolution": "Resolution is required."}}``
(https://gitlab.com/gitlab-org/gitlab/-/issues/26230, /32301). So:

- the resolution is the origin's, through the mapping file's ``resolutions`` map (a name
  absent from it is the same on both sites), when the target allows it; else the target's
  ``transition_defaults`` entry for the resolution; else, when the screen requires one,
  ``ScreenFieldMissing`` (the caller warns on the pair, naming the field, and does not
  transition). Nothing is invented: never "Done" where nobody said so.
- any other required field gets the target's ``transition_defaults`` value (by the field's
  name or id), rendered for its schema; without one it is left out: JIRA takes the issue's
  own value if it holds one, else refuses naming the field (the caller warns).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from streams.jira.errors import BadRequest
from streams.jira.models import Transition
from streams.sync.events import PairEvent
from streams.sync.facts import Cleared, Warned, WarningsCleared
from streams.sync.fields import RESOLUTION, FieldMaps, SiteNumber
from streams.sync.messages import TransitionTo

SCREEN_WARNING = "transition-screen"  # a required screen field the sync has no value for
KEPT_WARNING = "resolution-kept"  # the issue holds another resolution than the origin's
NAMED = frozenset({"priority", "resolution", "version", "component", "issuetype", "status"})


class ScreenFieldMissing(Exception):
    """A required field of a transition's screen the sync has no value for."""

    def __init__(self, field_id: str, message: str) -> None:
        super().__init__(message)
        self.field_id = field_id


@dataclass
class ScreenFill:
    """Called with each transition about to be performed; returns its ``fields``."""

    site: SiteNumber
    resolution: str | None  # canonical (site 1) name wanted; None: the origin has none
    maps: FieldMaps
    given: str | None = None  # the resolution (this site's name) a screen took

    def __call__(self, transition: Transition) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for field_id, meta in transition.fields.items():
            if field_id == RESOLUTION:
                name = self._resolution(transition, meta)
                if name is not None:
                    values[RESOLUTION] = {"name": name}
                    self.given = name
            elif meta.get("required"):
                default = _lookup(self._defaults(), field_id, meta)
                if default is not None:
                    values[field_id] = rendered(meta, default)
        return values

    def _defaults(self) -> Mapping[str, Any]:
        return self.maps.transition_defaults.get(self.site, {})

    def _resolution(self, transition: Transition, meta: dict[str, Any]) -> str | None:
        allowed = _allowed_names(meta)
        mapped = self.maps.resolutions.to_site(self.site, self.resolution)
        if mapped is not None and (found := _pick(mapped, allowed)) is not None:
            return found
        default = _lookup(self._defaults(), RESOLUTION, meta)
        if isinstance(default, str) and (found := _pick(default, allowed)) is not None:
            return found
        if not meta.get("required"):
            return None
        raise ScreenFieldMissing(RESOLUTION, self._why(transition, mapped, default))

    def _why(self, transition: Transition, mapped: str | None, default: Any) -> str:
        target = f"transition '{transition.name}' to {transition.to.name} on site {self.site}"
        if mapped is None:
            have = "the origin issue has no resolution"
        else:
            have = f"site {self.site} has no resolution {mapped!r}"
        if default is not None:
            have += f" and the default {default!r} is not one of its resolutions"
        return (
            f"resolution: the {target} requires a resolution; {have}. Map it in the mapping "
            f"file's 'resolutions' or set 'transition_defaults: site{self.site}: Resolution'"
        )


def refused(action: TransitionTo, error: ScreenFieldMissing | BadRequest) -> Warned:
    """No transition: a warning naming the screen's field(s) the sync has no value for."""
    if isinstance(error, ScreenFieldMissing):
        return Warned(SCREEN_WARNING, str(error), field=error.field_id)
    if not error.errors:  # not about the screen's fields (e.g. the transition went away)
        raise error
    named = "; ".join(f"{field_id}: {text}" for field_id, text in sorted(error.errors.items()))
    message = (
        f"the transition to {action.status} on site {action.site} needs a value the sync "
        f"does not have ({named}); set it in the mapping file's "
        f"'transition_defaults: site{action.site}'"
    )
    return Warned(SCREEN_WARNING, message, field=",".join(sorted(error.errors)))


def resolution_unknown(action: TransitionTo, given: str | None) -> bool:
    """Whether the issue's resolution must be read after a move to know what it holds."""
    return given is None and action.resolution is not None


def reported(action: TransitionTo, given: str | None, held: dict[str, Any]) -> list[PairEvent]:
    """After a transition (or none due): screen warnings cleared; a warning when the issue
    keeps another resolution than the origin's without a screen having been given one
    (JIRA sets a resolution only through a transition's screen or a post-function)."""
    facts: list[PairEvent] = [WarningsCleared(SCREEN_WARNING)]
    if RESOLUTION not in held or given is not None:
        return [*facts, Cleared(KEPT_WARNING, RESOLUTION)]
    message = (
        f"resolution: site {action.site} keeps {held[RESOLUTION]!r}, not {action.resolution!r}; "
        "JIRA sets a resolution only on a transition's screen, and none was on the way"
    )
    return [*facts, Warned(KEPT_WARNING, message, field=RESOLUTION)]


def rendered(meta: Mapping[str, Any], value: Any) -> Any:
    """A default value in the REST shape the field's schema asks for."""
    schema = meta.get("schema") or {}
    kind, items = schema.get("type"), schema.get("items")
    if kind == "array":
        listed = value if isinstance(value, list) else [value]
        return [_one(items, item) for item in listed]
    return _one(kind, value)


def _one(kind: Any, value: Any) -> Any:
    if kind == "option":
        return {"value": str(value)}
    if kind in NAMED:
        return {"name": str(value)}
    if kind == "user":
        return {"accountId": str(value)}
    if kind == "number":
        return float(value)
    return value


def _lookup(defaults: Mapping[str, Any], field_id: str, meta: Mapping[str, Any]) -> Any:
    wanted = {field_id.casefold(), str(meta.get("name", "")).casefold()}
    return next((v for k, v in defaults.items() if k.casefold() in wanted), None)


def _allowed_names(meta: Mapping[str, Any]) -> list[str] | None:
    values = meta.get("allowedValues")
    if not isinstance(values, list):
        return None  # not listed: JIRA checks the name itself
    return [str(v["name"]) for v in values if isinstance(v, dict) and "name" in v]


def _pick(name: str, allowed: list[str] | None) -> str | None:
    if allowed is None:
        return name
    return next((have for have in allowed if have.casefold() == name.casefold()), None)
