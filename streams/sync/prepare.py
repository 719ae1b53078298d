"""What the worker runs on, made before its app starts: both sites' JIRA clients, the
complete frozen ``SyncConfig`` (the mapping file's custom fields resolved to each site's
ids, the integration accounts), the knowledge store (``streams.sync.knowledge``) and the
applier over them.

``prepare`` runs on the event loop the worker then runs on (``jira_sync.worker_cmd``): an
aiohttp session belongs to the loop it was opened in, so the clients it opens are the ones
the agents use, and they are closed at the worker's shutdown (``Prepared.close``)."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import aiohttp

from streams.jira.client import JiraClient
from streams.jira.dc_client import client_for
from streams.jira.errors import JiraError
from streams.jira.ratelimit import JIRA_CLOUD_BURST, SiteLimiter
from streams.jira.sites import site_auth
from streams.jira.transport import JiraTransport
from streams.settings import Settings
from streams.sites import SITES, SiteNumber
from streams.sync.applier import Applier
from streams.sync.catalog import SiteCatalogs, resolve_custom_fields
from streams.sync.fields import CustomField
from streams.sync.jql_gate import JqlGate, validate
from streams.sync.knowledge import Knowledge
from streams.sync.mapping import CustomFieldSpec
from streams.sync.messages import SyncConfig
from streams.sync.retrying import with_custom_fields
from streams.sync.served import Served, Serving

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Prepared:
    config: SyncConfig  # the first connection's, complete: nothing in it changes
    applier: Applier  # over the clients, with ``config`` and the knowledge store
    knowledge: Knowledge
    sessions: tuple[aiohttp.ClientSession, ...] = ()
    served: Served | None = None  # every connection (None: just ``config``'s)

    @property
    def connections(self) -> Served:
        if self.served is not None:
            return self.served
        gate = (
            JqlGate(self.applier.clients, self.config.filters) if self.config.filters.jql else None
        )
        return Served.one(self.applier, gate)

    async def close(self) -> None:
        for session in self.sessions:
            await session.close()


def completed(
    config: SyncConfig,
    knowledge: Knowledge,
    accounts: dict[int, str],
    custom: Sequence[CustomField],
) -> SyncConfig:
    """``config`` (from the settings and the mapping file) with what JIRA answered at start
    and the knowledge store its user map learns into (pure)."""
    users = dataclasses.replace(config.maps.users, learned=knowledge.users)
    maps = dataclasses.replace(config.maps, users=users, files=knowledge.files)
    base = dataclasses.replace(config, maps=maps)
    changes = with_custom_fields(base, list(custom)) if custom else {}
    return dataclasses.replace(base, integration_accounts=accounts, **changes)


async def prepare(
    settings: Settings, config: SyncConfig, custom_fields: Sequence[CustomFieldSpec] = ()
) -> Prepared:
    """Opens both sites' clients and asks JIRA what the configuration needs, once."""
    return await prepare_all(settings, [(config, custom_fields)])


async def prepare_all(
    settings: Settings, connections: Sequence[tuple[SyncConfig, Sequence[CustomFieldSpec]]]
) -> Prepared:
    """Both sites' clients, opened once, and every connection completed over them (its
    custom fields resolved, its JQL filters searched once, its catalogs)."""
    knowledge = Knowledge()
    sessions: list[aiohttp.ClientSession] = []
    clients: dict[int, JiraClient] = {}
    urls: dict[int, str] = {}
    for site in SITES:
        session = aiohttp.ClientSession()  # closed by ``Prepared.close``
        sessions.append(session)
        clients[site], urls[site] = _client(settings, site, session)
    try:
        accounts = await _accounts(clients)
        serving = []
        for config, custom_fields in connections:
            reporters = await _rights(clients, config)
            custom = await _custom_fields(clients, custom_fields)
            done = completed(config, knowledge, accounts, custom)
            done = _with_datacenter(
                dataclasses.replace(done, reporter_sites=reporters), _datacenter(settings)
            )
            await validate(clients, done.project_keys, done.filters.jql)  # JqlFilterError
            catalogs = SiteCatalogs(clients, done.project_keys, done.maps, done.create_missing)
            applier = Applier(clients, done, urls, graphs=knowledge.graphs, catalogs=catalogs)
            gate = JqlGate(clients, done.filters) if done.filters.jql else None
            serving.append(Serving(done, applier, gate))
    except BaseException:  # nothing runs on them: closed before the error goes on
        for session in sessions:
            await session.close()
        raise
    head = serving[0]
    return Prepared(head.config, head.applier, knowledge, tuple(sessions), Served(serving))


def _datacenter(settings: Settings) -> frozenset[int]:
    return frozenset(n for n in SITES if settings.site(n).flavour == "datacenter")


def _with_datacenter(config: SyncConfig, sites: frozenset[int]) -> SyncConfig:
    """``config`` knowing its Data Center sites; attachments off with one (Data Center's
    files are not served through the REST calls the copies use: docs/datacenter.md)."""
    if not sites:
        return config
    attachments = config.attachments
    if attachments.enabled:
        log.warning(
            "attachments are not synced with a Data Center site (site %s): SYNC_ATTACHMENTS "
            "is ignored for connection %s",
            ", ".join(map(str, sorted(sites))),
            config.connection,
        )
        attachments = dataclasses.replace(attachments, enabled=False)
    return dataclasses.replace(config, datacenter_sites=sites, attachments=attachments)


async def _accounts(clients: dict[int, JiraClient]) -> dict[int, str]:
    """The integration accounts: how the sync's echoes are told apart."""
    accounts: dict[int, str] = {}
    for site in SITES:
        account = await _integration_account(clients[site], site)
        if account is not None:
            accounts[site] = account
    return accounts


async def _rights(clients: dict[int, JiraClient], config: SyncConfig) -> frozenset[SiteNumber]:
    """Asked in each of the connection's projects (rights are per project): may the sync's
    edits skip notifications; the sites where its creates may set the reporter."""
    reporters: list[SiteNumber] = []
    for site in SITES:
        project = config.project_keys.get(site)
        await ask_notifications(clients[site], site, project)
        if project is not None and clients[site].sets_reporter(project):
            reporters.append(site)
    return frozenset(reporters)


def _client(
    settings: Settings, site: SiteNumber, session: aiohttp.ClientSession
) -> tuple[JiraClient, str]:
    auth = site_auth(settings, site)
    rates = {m: r * settings.jira_rate_limit_scale for m, r in JIRA_CLOUD_BURST.items()}
    transport = JiraTransport(
        auth, session, SiteLimiter(rates), timeout=settings.jira_request_timeout_seconds
    )
    return client_for(transport), auth.base_url


async def _integration_account(client: JiraClient, site: int) -> str | None:
    """The sync's own account on ``site``: how its echoes are told apart."""
    try:
        return (await client.myself()).account_id
    except JiraError as error:  # only used to label echoes in logs
        log.warning("integration account unknown", extra={"site": site, "error": str(error)})
        return None


async def _custom_fields(
    clients: dict[int, JiraClient], specs: Sequence[CustomFieldSpec]
) -> list[CustomField]:
    """The mapping file's custom fields, resolved to each site's ids by name; JIRA
    must answer (a sync without them would mistake their changes for no change)."""
    if not specs:
        return []
    delay = 1.0
    while True:
        try:
            resolved, problems = await resolve_custom_fields(clients, list(specs))
            break
        except JiraError as error:
            log.warning("custom fields unreadable; retrying: %s", error)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 60.0)
    for problem in problems:
        log.error("custom field not synced: %s", problem)
    return resolved


async def ask_notifications(client: JiraClient, site: int, project_key: str | None) -> None:
    """Whether the sync's edits on ``site`` can skip JIRA's notification emails (asked once
    at start; ``notifyUsers=false`` needs site or project admin). Unknown: the client tries
    the flag and falls back without it on JIRA's 403, so a site that does not answer now
    does not hold up the start for the client's whole retry budget."""
    if project_key is None:
        return
    try:
        quiet = await asyncio.wait_for(client.may_discard_notifications(project_key), 10.0)
    except (JiraError, TimeoutError) as error:
        log.warning("notification rights unknown", extra={"site": site, "error": repr(error)})
        return
    if not quiet:
        log.warning(
            "the sync account is neither site nor project admin: its edits notify watchers",
            extra={"site": site, "project": project_key},
        )
