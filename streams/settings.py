"""The one settings object of a jira-sync process.

Built once by a composition root (``load_settings``) from the environment and ``.env``;
handlers receive it explicitly. Secrets are ``SecretStr`` and never appear in ``repr``.
"""

from __future__ import annotations

import os
import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal, Self
from urllib.parse import urlsplit

from dotenv import dotenv_values
from pydantic import (
    AnyHttpUrl,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from streams.deployment import deployment_problems, is_loopback_url
from streams.kafka_security import KafkaProtocol, KafkaSecurity, SaslMechanism, security_from
from streams.site_settings import Flavour, SiteSettings, incomplete_sites

__all__ = ["Flavour", "SiteSettings", "incomplete_sites"]

PROJECT_KEY = re.compile(r"^[A-Z][A-Z0-9_]{0,9}$")
BOOTSTRAP_SERVER = re.compile(r"^[A-Za-z0-9.\-\[\]:]+:\d{1,5}$")
TOPIC_NAME = re.compile(r"^[A-Za-z0-9._\-]{1,100}$")
AWS_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
TABLE_NAME = re.compile(r"^[A-Za-z0-9_.\-]{3,255}$")
MIN_MARKER_SECRET = 16
SANDBOX_MARKER_SECRET = "jira-sync sandbox marker secret"  # noqa: S105 - loopback sites only
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")

Port = Annotated[int, Field(ge=0, le=65535)]


class ConflictPolicy(StrEnum):
    MANUAL = "manual"
    LATEST = "latest"
    JIRA1 = "jira1"
    JIRA2 = "jira2"


class DeletionPolicy(StrEnum):
    IGNORE = "ignore"
    DELETE = "delete"
    UNLINK = "unlink"


class Settings(BaseSettings):
    """Every variable is documented in ``.env.example``."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        frozen=True,
        case_sensitive=False,
        env_ignore_empty=True,
    )

    jira_1_base_url: AnyHttpUrl | None = None
    jira_1_username: str | None = None
    jira_1_api_token: SecretStr | None = None
    jira_1_project_key: str = "PROJ1"
    # cloud or datacenter (None: cloud); a Data Center site may sign in with a PAT instead
    jira_1_flavour: Flavour | None = None
    jira_1_personal_access_token: SecretStr | None = None
    jira_2_base_url: AnyHttpUrl | None = None
    jira_2_username: str | None = None
    jira_2_api_token: SecretStr | None = None
    jira_2_project_key: str = "PROJ2"
    jira_2_flavour: Flavour | None = None
    jira_2_personal_access_token: SecretStr | None = None

    webhook_secret: SecretStr | None = None
    webhook_secret_1: SecretStr | None = None
    webhook_secret_2: SecretStr | None = None
    # Signs the link markers of the issues the sync creates (``streams.sync.markers``).
    sync_marker_secret: SecretStr | None = None

    sync_status_transitions: bool = True
    sync_assignee: bool = False
    sync_comments: bool = True
    sync_reporter_attribution: bool = True
    sync_attachments: bool = True
    sync_worklogs: bool = False
    sync_trust_agreed_values: bool = True  # one write an edit (streams.sync.views)
    conflict_policy: ConflictPolicy = ConflictPolicy.MANUAL
    deletion_policy: DeletionPolicy = DeletionPolicy.IGNORE
    mapping_file: Path | None = None
    # Many project pairs in one deployment (``streams.connections``); none: the single pair.
    sync_connections_file: Path | None = None
    sync_create_missing_values: bool = False
    sync_create_grace_seconds: float = Field(default=60.0, ge=0, le=3600)
    jira_rate_limit_scale: float = Field(default=1.0, gt=0, le=10)
    jira_request_timeout_seconds: float = Field(default=30.0, ge=1, le=600)
    sync_retry_interval_seconds: float = Field(default=900.0, ge=1)
    sync_full_sync_cron: str = "0 2 * * *"
    # Pairs (and route lookups) handled at once by one worker; 1: one event at a time, each
    # committed before the next (``streams.sync.agents.keyed_stream``). 1 until the JIRA
    # client holds every request to a site after its 429 (tests/e2e/test_chaos_faults.py).
    sync_pair_concurrency: int = Field(default=64, ge=1, le=4096)
    sync_in_flight: int = Field(default=1000, ge=1)  # events read, not yet acknowledged
    sync_in_flight_per_partition: int = Field(default=250, ge=1)
    sync_commit_every: int = Field(default=200, ge=1)  # acknowledged events per commit
    sync_commit_interval_seconds: float = Field(default=0.5, gt=0, le=60)

    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    kafka_topic_prefix: str = "jira-sync"
    kafka_partitions: int = Field(default=8, ge=1, le=1024)
    kafka_replication_factor: int = Field(default=1, ge=1, le=16)
    kafka_session_timeout_seconds: float = Field(default=30.0, ge=6, le=300)
    # How every Kafka client connects (``streams.kafka_security``, docs/kafka-security.md).
    kafka_security_protocol: KafkaProtocol = KafkaProtocol.PLAINTEXT
    kafka_sasl_mechanism: SaslMechanism | None = None
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_ssl_ca_file: Path | None = None
    kafka_ssl_cert_file: Path | None = None
    kafka_ssl_key_file: Path | None = None
    kafka_ssl_key_password: SecretStr | None = None
    kafka_ssl_check_hostname: bool = True

    dynamodb_endpoint_url: AnyHttpUrl | None = None
    aws_region: str = "us-east-1"
    dynamodb_table: str = "jira-sync-state"

    management_api_key: SecretStr | None = None
    ingress_host: str = "127.0.0.1"
    ingress_port: Port = 8080
    status_host: str = "127.0.0.1"
    status_port: Port = 8090
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("jira_1_project_key", "jira_2_project_key")
    @classmethod
    def _project_key(cls, value: str) -> str:
        if not PROJECT_KEY.match(value):
            raise ValueError("must be a JIRA project key: capital letters and digits, e.g. PROJ1")
        return value

    @field_validator("kafka_topic_prefix")
    @classmethod
    def _topic_prefix(cls, value: str) -> str:
        if not TOPIC_NAME.match(value):
            raise ValueError("must be 1-100 letters, digits, '.', '_' or '-'")
        return value

    @field_validator("aws_region")
    @classmethod
    def _region(cls, value: str) -> str:
        if not AWS_REGION.match(value):
            raise ValueError("must be an AWS region name, e.g. us-east-1 or eu-west-2")
        return value

    @field_validator("dynamodb_table")
    @classmethod
    def _table(cls, value: str) -> str:
        if not TABLE_NAME.match(value):
            raise ValueError("must be 3-255 letters, digits, '.', '_' or '-'")
        return value

    @field_validator("kafka_bootstrap_servers")
    @classmethod
    def _bootstrap(cls, value: str) -> str:
        servers = [part.strip() for part in value.split(",") if part.strip()]
        bad = [server for server in servers if not BOOTSTRAP_SERVER.match(server)]
        if not servers or bad:
            raise ValueError("must be a comma-separated list of host:port, e.g. 127.0.0.1:9092")
        return ",".join(servers)

    @field_validator("jira_1_base_url", "jira_2_base_url")
    @classmethod
    def _https(cls, value: AnyHttpUrl | None) -> AnyHttpUrl | None:
        """The API token goes with every request: never in clear over a network."""
        if value is not None and value.scheme != "https" and not is_loopback_url(str(value)):
            raise ValueError("must be an https:// URL (http:// only on loopback, the emulator)")
        return value

    @field_validator("sync_marker_secret")
    @classmethod
    def _marker_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < MIN_MARKER_SECRET:
            raise ValueError(f"must be at least {MIN_MARKER_SECRET} characters")
        return value

    @field_validator("log_level", "kafka_security_protocol", "kafka_sasl_mechanism", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _complete_sites(self) -> Self:
        problems = incomplete_sites(self.model_dump())
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @model_validator(mode="after")
    def _kafka_security(self) -> Self:
        problems = self.kafka_security().problems()
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def kafka_security(self) -> KafkaSecurity:
        """How the Kafka clients connect (``streams.kafka_security.client_options``)."""
        return security_from(self)

    def site(self, number: Literal[1, 2]) -> SiteSettings:
        url = getattr(self, f"jira_{number}_base_url")
        return SiteSettings(
            number=number,
            base_url=str(url).rstrip("/") if url is not None else None,
            username=getattr(self, f"jira_{number}_username"),
            api_token=getattr(self, f"jira_{number}_api_token"),
            project_key=getattr(self, f"jira_{number}_project_key"),
            flavour=getattr(self, f"jira_{number}_flavour") or "cloud",
            personal_access_token=getattr(self, f"jira_{number}_personal_access_token"),
        )

    @property
    def sandbox(self) -> bool:
        """True when no JIRA credentials are configured: the emulated sites are used."""
        return not (self.site(1).configured or self.site(2).configured)

    def marker_secret(self) -> SecretStr:
        """The secret link markers are signed with; a fixed one when every JIRA site is on
        this machine (the sandbox, tests), which ``marker_secret_problem`` allows only there."""
        return self.sync_marker_secret or SecretStr(SANDBOX_MARKER_SECRET)

    def marker_secret_problem(self) -> str | None:
        """Why this deployment cannot sign link markers, or None."""
        if self.sync_marker_secret is not None:
            return None
        remote = [n for n in (1, 2) if not _on_this_machine(self.site(n).base_url)]
        if not remote:
            return None
        return (
            f"SYNC_MARKER_SECRET: required with a JIRA site that is not on this machine "
            f"(site {remote[0]}): at least {MIN_MARKER_SECRET} random characters, the same "
            "for every worker of the deployment"
        )

    def webhook_secret_for(self, number: Literal[1, 2]) -> SecretStr | None:
        specific: SecretStr | None = getattr(self, f"webhook_secret_{number}")
        return specific if specific is not None else self.webhook_secret


def _on_this_machine(url: str | None) -> bool:
    """No site, or one on a loopback address (the emulator)."""
    return url is None or urlsplit(url).hostname in LOOPBACK_HOSTS


class ConfigError(Exception):
    """Configuration that cannot be used; ``problems`` names every bad variable."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(self.render())

    def render(self) -> str:
        lines = [f"invalid configuration ({len(self.problems)} problem(s)):"]
        lines += [f"  - {problem}" for problem in self.problems]
        lines.append("see .env.example for every variable and its format")
        return "\n".join(lines)


def load_settings(env_file: Path | None = Path(".env"), both_sites: bool = True) -> Settings:
    """Build the settings once; raise ``ConfigError`` listing every bad variable, and
    every reason a deployment cannot start (``streams.deployment``; ``both_sites=False``
    for a tool that talks to one site)."""
    try:
        settings = Settings(_env_file=env_file)
    except ValidationError as error:
        problems = [_describe(item) for item in error.errors()]
    else:
        refused = deployment_problems(settings, both_sites)
        if refused:
            raise ConfigError(refused)
        return settings
    if not any("partly configured" in problem for problem in problems):
        problems += incomplete_sites(_raw_values(env_file))
    raise ConfigError(problems)


def _raw_values(env_file: Path | None) -> dict[str, object]:
    """The unvalidated values, so that one run reports every problem."""
    raw: dict[str, object] = {}
    if env_file is not None and env_file.is_file():
        raw.update({key.lower(): value for key, value in dotenv_values(env_file).items()})
    raw.update({key.lower(): value for key, value in os.environ.items()})
    return raw


def _describe(item: object) -> str:
    details = item if isinstance(item, dict) else {}
    location = [str(part) for part in details.get("loc", ())]
    message = str(details.get("msg", "invalid")).removeprefix("Value error, ")
    if not location:
        return message
    return f"{location[0].upper()}: {message}"
