"""One JIRA site as the rest of the code sees it, and when a site's variables are complete."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal
from urllib.parse import urlsplit

from pydantic import SecretStr

SITE_CREDENTIALS = ("base_url", "username", "api_token")
Flavour = Literal["cloud", "datacenter"]
CLOUD_HOSTS = (".atlassian.net", ".jira.com")  # always JIRA Cloud


class SiteSettings:
    """One JIRA site as the rest of the code sees it (no env-var names leak past here)."""

    def __init__(
        self,
        number: Literal[1, 2],
        base_url: str | None,
        username: str | None,
        api_token: SecretStr | None,
        project_key: str,
        flavour: Flavour = "cloud",
        personal_access_token: SecretStr | None = None,
    ) -> None:
        self.number = number
        self.base_url = base_url
        self.username = username
        self.api_token = api_token
        self.project_key = project_key
        # "datacenter": JIRA Data Center / Server (REST v2, wiki markup, users by name)
        self.flavour: Flavour = flavour
        self.personal_access_token = personal_access_token  # Data Center: Bearer

    @property
    def configured(self) -> bool:
        return self.base_url is not None

    def __repr__(self) -> str:
        return f"SiteSettings(jira_{self.number}, {self.base_url!r}, project={self.project_key})"


def incomplete_sites(values: Mapping[str, object]) -> list[str]:
    """A site is configured with all of base URL, username and token, or none of them; a
    Data Center site's token may be a personal access token; a Cloud host is never one."""
    problems = []
    for number in (1, 2):
        given = {name: values.get(f"jira_{number}_{name}") for name in SITE_CREDENTIALS}
        if values.get(f"jira_{number}_personal_access_token") not in (None, ""):
            given["api_token"] = values[f"jira_{number}_personal_access_token"]
        missing = [name for name, value in given.items() if value in (None, "")]
        flavour, url = values.get(f"jira_{number}_flavour"), str(given["base_url"] or "")
        host = urlsplit(url).hostname or ""
        if flavour == "datacenter" and host.endswith(CLOUD_HOSTS):
            problems.append(
                f"JIRA_{number}_FLAVOUR: {host} is JIRA Cloud; datacenter is for a "
                "Data Center or Server site (leave it unset or set cloud)"
            )
        elif values.get(f"jira_{number}_personal_access_token") and flavour != "datacenter":
            problems.append(
                f"JIRA_{number}_PERSONAL_ACCESS_TOKEN: only a Data Center site takes one "
                f"(set JIRA_{number}_FLAVOUR=datacenter); JIRA Cloud signs in with "
                f"JIRA_{number}_USERNAME and JIRA_{number}_API_TOKEN"
            )
        if missing and len(missing) < len(SITE_CREDENTIALS):
            names = ", ".join(f"JIRA_{number}_{name.upper()}" for name in missing)
            problems.append(f"site {number} is partly configured; also set {names}")
    return problems
