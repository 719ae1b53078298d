"""Why a Kafka client cannot connect, said so that the operator knows what to change.

aiokafka reports every failed bootstrap as "Unable to bootstrap from [...]" (the cause is only
logged). ``started`` starts a client within a time limit and, when it fails, ``explain``
connects once more, by hand, with the same settings, and names the likely cause: nothing
listens, a TLS listener reached without TLS (or the reverse), an untrusted certificate, a
refused SASL user or mechanism.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import ssl
from typing import Any, Protocol

from aiokafka.conn import create_conn
from aiokafka.errors import (
    AuthenticationFailedError,
    KafkaConnectionError,
    KafkaError,
    SaslAuthenticationFailed,
    UnsupportedSaslMechanismError,
)
from aiokafka.protocol.metadata import MetadataRequest

from streams.kafka_security import KafkaSecurity, client_options

SET_PROTOCOL = "set KAFKA_SECURITY_PROTOCOL"
EXPLAIN_WAIT = 8.0  # seconds for each of the two looks at the listener


class Startable(Protocol):
    async def start(self) -> None: ...


class KafkaUnreachable(KafkaConnectionError):  # type: ignore[misc]  # aiokafka is untyped
    """A client could not connect; the message names the likely cause and what to set."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "cannot connect to Kafka"


async def started(client: Startable, servers: str, security: KafkaSecurity, wait: float) -> None:
    """``client.start()`` within ``wait`` seconds, or ``KafkaUnreachable`` saying why not."""
    try:
        await asyncio.wait_for(client.start(), wait)
    except (KafkaError, TimeoutError, OSError) as error:
        if isinstance(error, KafkaUnreachable):
            raise
        raise KafkaUnreachable(await explain(servers, security, min(wait, EXPLAIN_WAIT))) from error


async def explain(servers: str, security: KafkaSecurity, wait: float) -> str:
    """One line: what fails connecting to the first of ``servers`` with ``security``."""
    host, port = split_server(servers.split(",")[0])
    cause = await _cause(host, port, security, wait)
    return f"cannot use Kafka at {host}:{port} with {security.describe()}: {cause}"


def split_server(server: str) -> tuple[str, int]:
    host, _, port = server.strip().rpartition(":")
    return host.strip("[]"), int(port)


async def _cause(host: str, port: int, security: KafkaSecurity, wait: float) -> str:
    try:
        await asyncio.wait_for(_metadata(host, port, security, wait), wait)
    except Exception as error:  # every failure is described, none raised
        return await _described(error, host, port, security, wait)
    return "it answers now (a transient failure, or the broker advertises an unreachable address)"


async def _metadata(host: str, port: int, security: KafkaSecurity, wait: float) -> None:
    options: dict[str, Any] = client_options(security)
    conn = await create_conn(host, port, request_timeout_ms=int(wait * 1000), **options)
    try:
        await conn.send(MetadataRequest[0]([]))
    finally:
        conn.close()


async def _described(
    error: Exception, host: str, port: int, security: KafkaSecurity, wait: float
) -> str:
    known = known_cause(error, security)
    if known is not None:
        return known
    if await speaks_tls(host, port, wait):
        return (
            f"the listener speaks TLS but this client does not; {SET_PROTOCOL}=SSL, or "
            "SASL_SSL with KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD"
        )
    if not security.sasl:
        return (
            f"the broker closed the connection ({error}): the listener may need SASL; "
            f"{SET_PROTOCOL}=SASL_PLAINTEXT with the KAFKA_SASL_* settings"
        )
    return f"the broker closed the connection ({type(error).__name__}: {error})"


def known_cause(error: Exception, security: KafkaSecurity) -> str | None:
    """The cause ``error`` itself tells; None when only probing the listener can."""
    if getattr(error, "errno", None) == errno.ECONNREFUSED:
        return "nothing listens there: is the broker up, and KAFKA_BOOTSTRAP_SERVERS right?"
    if isinstance(error, ssl.SSLCertVerificationError):
        return _untrusted(error)
    if isinstance(error, (SaslAuthenticationFailed, AuthenticationFailedError)):
        return (
            f"the broker refused the SASL login ({error}): check KAFKA_SASL_USERNAME, "
            "KAFKA_SASL_PASSWORD and KAFKA_SASL_MECHANISM"
        )
    if isinstance(error, UnsupportedSaslMechanismError):
        return f"{error}: set KAFKA_SASL_MECHANISM to one of those"
    if isinstance(error, TimeoutError):  # a TLS probe would get no answer either
        return "no answer in time: a firewall, an address that drops packets, or a busy broker?"
    if security.tls:
        return (
            f"the TLS handshake failed ({type(error).__name__}: {error}): the listener may not "
            f"speak TLS; {SET_PROTOCOL} to the listener's protocol (PLAINTEXT or SASL_PLAINTEXT?)"
        )
    return None


def _untrusted(error: ssl.SSLCertVerificationError) -> str:
    reason = error.verify_message or str(error)
    if "hostname" in reason.lower() or "ip address mismatch" in reason.lower():
        return (
            f"the broker's certificate does not name this address ({reason}): connect by a "
            "name it has, or set KAFKA_SSL_CHECK_HOSTNAME=false"
        )
    return (
        f"the broker's certificate is not trusted ({reason}): set KAFKA_SSL_CA_FILE to the "
        "CA certificate (PEM) that signed it"
    )


async def speaks_tls(host: str, port: int, wait: float) -> bool:
    """Whether a TLS handshake succeeds there (nothing verified, nothing sent: a probe)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # only asks whether TLS is spoken; no data is sent
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(host, port, ssl=context), wait)
    except (OSError, TimeoutError):
        return False
    writer.close()
    with contextlib.suppress(OSError, TimeoutError):
        await asyncio.wait_for(writer.wait_closed(), 1.0)
    return True
