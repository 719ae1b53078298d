"""The effects of the JQL filters (``streams.sync.jql_filter``): a first-seen issue asked of
JIRA before its pair step decides (``JqlGate``, in ``sync-pair``), each filter checked once
at start (``validate``)."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

from streams.jira.client import JiraClient
from streams.jira.errors import BadRequest, JiraError, PermanentJiraError
from streams.sync.jql_filter import Answers, needs_asking, question, scoped, version
from streams.sync.messages import IssueChanged, IssueFilter

log = logging.getLogger(__name__)


@dataclass
class JqlGate:
    """The effect: asks JIRA whether a first-seen issue matches its site's filter."""

    clients: Mapping[int, JiraClient]
    filters: IssueFilter  # its ``jql`` per site
    answers: Answers = field(default_factory=Answers)
    asked: int = 0  # searches made (the rest were answered from the cache)

    async def answered(self, change: IssueChanged) -> IssueChanged:
        """``change`` with JIRA's answer, when its site has a filter."""
        if not needs_asking(change, self.filters):
            return change
        key = version(change)
        answer = self.answers.get(key)
        if answer is None:
            answer = await self._ask(change)
            self.answers.put(key, answer)
        return dataclasses.replace(change, jql_match=answer)

    async def _ask(self, change: IssueChanged) -> bool:
        """Asked until JIRA answers; a permanent refusal (the JQL, the permissions) is a
        no, logged: an issue the filter cannot vouch for starts no pair."""
        jql, delay = question(change.issue_id, self.filters.jql[change.site]), 1.0
        while True:
            try:
                self.asked += 1
                return await self.clients[change.site].any_match(jql, [change.issue_id])
            except PermanentJiraError as error:
                log.warning("JQL filter refused: %s", error, extra={"site": change.site})
                return False
            except JiraError as error:
                log.warning("JQL filter not answered; retrying", extra={"error": str(error)})
                await asyncio.sleep(delay)
                delay = min(delay * 2, 60.0)


class JqlFilterError(ValueError):
    """A filter JIRA refuses: the message names the site and JIRA's words."""


async def validate(
    clients: Mapping[int, JiraClient], projects: Mapping[int, str], jql: Mapping[int, str]
) -> None:
    """Each filter searched once, as a full resync would (one result, no fields)."""
    for site, text in sorted(jql.items()):
        try:
            await clients[site].any_match(scoped(projects[site], text))
        except BadRequest as error:
            said = "; ".join(error.messages + list(error.errors.values())) or str(error)
            raise JqlFilterError(
                f"the JQL filter of site {site} ({text}): JIRA says: {said}"
            ) from None
        except JiraError as error:  # unanswered now: the first question will say more
            log.warning("JQL filter not checked", extra={"site": site, "error": str(error)})
