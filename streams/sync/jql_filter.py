"""The mapping file's JQL filters (``filters: {jql: {1: "...", 2: "..."}}``): which issues of
a site start a pair, as JIRA itself evaluates the JQL.

- A full resync searches ``project = KEY AND (<jql>)`` (``scoped``), so only matching
  issues are fed.
- An issue first seen by a webhook (no pair yet: where ``IssueFilter.admits`` decides) is
  asked of JIRA, one search of ``id = N AND (<jql>)`` with one result and no fields
  (``question``). JIRA's search index lags writes, so an issue created a moment ago may not
  be found yet by ``id = N`` even when it matches: the search names it in
  ``reconcileIssues``, JIRA's read-after-write option (``SearchAndReconcileRequestBean`` in
  the v3 OpenAPI; https://developer.atlassian.com/cloud/jira/platform/search-and-reconcile/),
  which evaluates those ids on their current version.
- The answer (``IssueChanged.jql_match``) is data: ``refusal`` (pure) is what the first
  sight makes of it. Answers are kept per issue version (id and ``updated``) in a bounded
  LRU (``Answers``), so a duplicate webhook costs nothing.
- At start each filter is searched once (``jql_gate.validate``): JQL that JIRA refuses
  (400) stops the worker with the site and JIRA's words.

The questions themselves are effects (``streams.sync.jql_gate``)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field

from streams.sync.messages import IssueChanged, IssueFilter

CACHE_SIZE = 10_000
Version = tuple[int, str, str]  # site, issue id, ``updated``


def scoped(project: str, jql: str | None) -> str:
    """The search of a site's project, narrowed by its filter when it has one."""
    base = f'project = "{project}"'
    return f"{base} AND ({jql})" if jql else base


def question(issue_id: str, jql: str) -> str:
    """Whether one issue matches: its id and the filter."""
    return f"id = {int(issue_id)} AND ({jql})"


def needs_asking(change: IssueChanged, filters: IssueFilter) -> bool:
    """Only a site with a filter, only an issue that could start a pair (not deleted, not
    refused by the label and type filters already), only once."""
    if change.site not in filters.jql or change.kind == "deleted":
        return False
    return change.jql_match is None and filters.admits(change.values) is None


def refusal(change: IssueChanged, jql: Mapping[int, str]) -> str | None:
    """Why the issue starts no pair by the site's JQL filter; None when it may."""
    if change.site not in jql or change.jql_match is not False:
        return None
    return f"does not match the JQL filter of site {change.site} ({jql[change.site]})"


def version(change: IssueChanged) -> Version | None:
    """The cache key: None for a change without ``updated`` (never cached)."""
    if change.updated is None:
        return None
    return (change.site, change.issue_id, change.updated.isoformat())


@dataclass
class Answers:
    """JIRA's answers per issue version, the least recently used dropped past ``size``."""

    size: int = CACHE_SIZE
    known: OrderedDict[Version, bool] = field(default_factory=OrderedDict)

    def get(self, key: Version | None) -> bool | None:
        if key is None or key not in self.known:
            return None
        self.known.move_to_end(key)
        return self.known[key]

    def put(self, key: Version | None, answer: bool) -> None:
        if key is None:
            return
        self.known[key] = answer
        self.known.move_to_end(key)
        while len(self.known) > self.size:
            self.known.popitem(last=False)
