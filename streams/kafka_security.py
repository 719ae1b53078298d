"""How every Kafka client of jira-sync connects: plaintext, TLS, SASL, or SASL over TLS.

``KafkaSecurity`` is the frozen part of the settings that says it (``Settings.kafka_security``);
``security_problems`` is what makes it unusable (checked when the settings are built);
``client_options`` is the one place that turns it into aiokafka's keyword arguments, handed
to every producer, consumer and admin client; ``faust_credentials`` is the same for the
worker's Faust app.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from aiokafka.helpers import create_ssl_context
from pydantic import SecretStr


class KafkaProtocol(StrEnum):
    PLAINTEXT = "PLAINTEXT"
    SSL = "SSL"
    SASL_PLAINTEXT = "SASL_PLAINTEXT"
    SASL_SSL = "SASL_SSL"


class SaslMechanism(StrEnum):
    PLAIN = "PLAIN"
    SCRAM_SHA_256 = "SCRAM-SHA-256"
    SCRAM_SHA_512 = "SCRAM-SHA-512"


TLS = frozenset({KafkaProtocol.SSL, KafkaProtocol.SASL_SSL})
SASL = frozenset({KafkaProtocol.SASL_PLAINTEXT, KafkaProtocol.SASL_SSL})


class KafkaSecurityError(ValueError):
    """A certificate or key file that cannot be loaded (the variable is named)."""


@dataclass(frozen=True)
class KafkaSecurity:
    protocol: KafkaProtocol = KafkaProtocol.PLAINTEXT
    mechanism: SaslMechanism | None = None
    username: str | None = None
    password: SecretStr | None = None
    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None
    key_password: SecretStr | None = None
    check_hostname: bool = True

    @property
    def tls(self) -> bool:
        return self.protocol in TLS

    @property
    def sasl(self) -> bool:
        return self.protocol in SASL

    def describe(self) -> str:
        """For messages: the protocol, and the SASL mechanism and user (never the password)."""
        if not self.sasl:
            return self.protocol.value
        mechanism = self.mechanism.value if self.mechanism else "no mechanism"
        return f"{self.protocol.value} ({mechanism}, user {self.username!r})"

    def problems(self) -> list[str]:
        return security_problems(self)


PLAINTEXT = KafkaSecurity()
SETTINGS = {  # KafkaSecurity's fields and the settings that give them
    "protocol": "kafka_security_protocol",
    "mechanism": "kafka_sasl_mechanism",
    "username": "kafka_sasl_username",
    "password": "kafka_sasl_password",
    "ca_file": "kafka_ssl_ca_file",
    "cert_file": "kafka_ssl_cert_file",
    "key_file": "kafka_ssl_key_file",
    "key_password": "kafka_ssl_key_password",
    "check_hostname": "kafka_ssl_check_hostname",
}


def security_from(settings: object) -> KafkaSecurity:
    """The security of a ``streams.settings.Settings`` (its ``kafka_security()``)."""
    return KafkaSecurity(**{field: getattr(settings, name) for field, name in SETTINGS.items()})


def security_problems(security: KafkaSecurity) -> list[str]:
    """Every reason ``security`` cannot connect, each naming its variable."""
    problems = _sasl_problems(security)
    files = {
        "KAFKA_SSL_CA_FILE": security.ca_file,
        "KAFKA_SSL_CERT_FILE": security.cert_file,
        "KAFKA_SSL_KEY_FILE": security.key_file,
    }
    given = [name for name, path in files.items() if path is not None]
    if security.key_password is not None:
        given.append("KAFKA_SSL_KEY_PASSWORD")
    if given and not security.tls:
        problems.append(
            f"{', '.join(given)}: only used with KAFKA_SECURITY_PROTOCOL=SSL or SASL_SSL "
            f"(it is {security.protocol.value})"
        )
    if security.key_file is not None and security.cert_file is None:
        problems.append("KAFKA_SSL_KEY_FILE: set KAFKA_SSL_CERT_FILE too (the client certificate)")
    problems += [
        f"{name}: no such file: {path}"
        for name, path in files.items()
        if path is not None and not path.is_file()
    ]
    return problems


def _sasl_problems(security: KafkaSecurity) -> list[str]:
    values = {
        "KAFKA_SASL_MECHANISM": security.mechanism,
        "KAFKA_SASL_USERNAME": security.username,
        "KAFKA_SASL_PASSWORD": security.password,
    }
    if security.sasl:
        missing = [name for name, value in values.items() if value is None]
        if missing:
            return [f"{', '.join(missing)}: required with {security.protocol.value}"]
        return []
    given = [name for name, value in values.items() if value is not None]
    if given:
        return [
            f"{', '.join(given)}: only used with KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT or "
            f"SASL_SSL (it is {security.protocol.value})"
        ]
    return []


def client_options(security: KafkaSecurity) -> dict[str, Any]:
    """aiokafka's connection keyword arguments for producers, consumers and admin clients."""
    options: dict[str, Any] = {"security_protocol": security.protocol.value}
    if security.tls:
        options["ssl_context"] = ssl_context(security)
    if security.sasl:
        options["sasl_mechanism"] = security.mechanism.value if security.mechanism else None
        options["sasl_plain_username"] = security.username
        options["sasl_plain_password"] = (
            security.password.get_secret_value() if security.password else None
        )
    return options


def ssl_context(security: KafkaSecurity) -> Any:
    """The TLS context: the CA file (or the system's CAs), the client certificate if any."""
    password = security.key_password.get_secret_value() if security.key_password else None
    try:
        context = create_ssl_context(
            cafile=_name(security.ca_file),
            certfile=_name(security.cert_file),
            keyfile=_name(security.key_file),
            password=password,
        )
    except (OSError, ValueError) as error:
        raise KafkaSecurityError(
            "cannot load KAFKA_SSL_CA_FILE / KAFKA_SSL_CERT_FILE / KAFKA_SSL_KEY_FILE "
            f"(PEM files expected): {error}"
        ) from error
    context.check_hostname = security.check_hostname
    return context


def _name(path: Path | None) -> str | None:
    return str(path) if path is not None else None


def faust_credentials(security: KafkaSecurity) -> Any:
    """``broker_credentials`` for a Faust app (None: plaintext)."""
    import faust  # only the worker needs it

    if security.sasl:
        options = client_options(security)
        return faust.SASLCredentials(
            username=options["sasl_plain_username"],
            password=options["sasl_plain_password"],
            mechanism=options["sasl_mechanism"],
            ssl_context=options.get("ssl_context"),
        )
    if security.tls:
        return faust.SSLCredentials(ssl_context(security))
    return None
