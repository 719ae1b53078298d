"""A ``SASL_SSL`` listener for the local broker, as a managed Kafka (MSK, Confluent Cloud,
Aiven) has one: TLS with a certificate signed by a CA of its own, SCRAM users.

``prepare_listener`` makes the CA and the broker's certificate with the JDK's ``keytool``
(the CA also as PEM, for the Python clients' ``KAFKA_SSL_CA_FILE``) and a random password
for one SCRAM user; ``listener_properties`` and ``scram_arguments`` are what the broker's
configuration and its storage format (``kafka-storage format --add-scram``) add for it.
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from stack.errors import MissingToolError, StartError

HOST = "127.0.0.1"
USERNAME = "jira-sync"
MECHANISMS = ("SCRAM-SHA-256", "SCRAM-SHA-512")
SAN = f"SAN=ip:{HOST},dns:localhost"
DAYS = "30"


@dataclass(frozen=True)
class SecureListener:
    """Where the ``SASL_SSL`` listener is and how a client logs in (plain values: JSON)."""

    port: int
    username: str
    password: str
    ca_file: str
    keystore: str
    store_password: str

    def client_settings(self) -> dict[str, str]:
        """The jira-sync settings of a client of this listener."""
        return {
            "KAFKA_BOOTSTRAP_SERVERS": f"{HOST}:{self.port}",
            "KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
            "KAFKA_SASL_MECHANISM": MECHANISMS[-1],
            "KAFKA_SASL_USERNAME": self.username,
            "KAFKA_SASL_PASSWORD": self.password,
            "KAFKA_SSL_CA_FILE": self.ca_file,
        }


def keytool_binary() -> str:
    keytool = shutil.which("keytool")
    if keytool is None:
        raise MissingToolError(
            "the SASL_SSL listener needs the JDK's `keytool` on PATH to make its certificates "
            "(it comes with `apt install openjdk-17-jdk-headless`)"
        )
    return keytool


# keytool's steps: a CA, a broker key pair, its certificate signed by the CA, both into the
# broker's keystore; the CA also as PEM. Split on spaces before the paths are put in.
KEYTOOL_STEPS = (
    "-genkeypair -alias ca -dname CN=jira-sync-local-CA -ext bc:c -keystore {ca}",
    "-exportcert -rfc -alias ca -keystore {ca} -file {ca_pem}",
    f"-genkeypair -alias broker -dname CN=localhost -ext {SAN} -keystore {{broker}}",
    "-certreq -alias broker -keystore {broker} -file {csr}",
    f"-gencert -alias ca -keystore {{ca}} -rfc -ext {SAN} -ext eku=serverAuth -infile {{csr}} "
    "-outfile {broker_pem}",
    "-importcert -noprompt -alias ca -keystore {broker} -file {ca_pem}",
    "-importcert -alias broker -keystore {broker} -file {broker_pem}",
)


def prepare_listener(folder: Path, port: int) -> SecureListener:
    """A fresh CA, a broker certificate for 127.0.0.1 signed by it, and a SCRAM password."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    folder.chmod(0o700)
    store_password = secrets.token_urlsafe(18)
    files = {
        "ca": "ca.p12",
        "ca_pem": "ca.pem",
        "broker": "broker.p12",
        "csr": "broker.csr",
        "broker_pem": "broker.pem",
    }
    paths = {name: str(folder / file) for name, file in files.items()}
    run = _keytool(keytool_binary(), store_password, folder / "keytool.log")
    for step in KEYTOOL_STEPS:
        run(*(part.format(**paths) for part in step.split()))
    return SecureListener(
        port=port,
        username=USERNAME,
        password=secrets.token_urlsafe(18),
        ca_file=paths["ca_pem"],
        keystore=paths["broker"],
        store_password=store_password,
    )


def _keytool(keytool: str, password: str, log: Path) -> Callable[..., None]:
    def run(*arguments: str) -> None:
        common = ["-storetype", "PKCS12", "-storepass", password, "-keypass", password]
        if arguments[0] == "-genkeypair":
            common += ["-keyalg", "RSA", "-keysize", "2048", "-validity", DAYS]
        if arguments[0] == "-gencert":
            common += ["-validity", DAYS]
        with log.open("a") as sink:
            result = subprocess.run(
                [keytool, *arguments, *common],
                stdout=sink,
                stderr=subprocess.STDOUT,
                timeout=60,
                check=False,
            )
        if result.returncode != 0:
            raise StartError(
                f"keytool {arguments[0]} failed; see {log}:\n{log.read_text()[-2000:]}"
            )

    return run


def listener_properties(listener: SecureListener) -> dict[str, str]:
    """What the broker's ``server.properties`` adds (or changes) for the listener."""
    name = "listener.name.sasl_ssl"
    jaas = "org.apache.kafka.common.security.scram.ScramLoginModule required;"
    properties = {
        f"{name}.sasl.enabled.mechanisms": ",".join(MECHANISMS),
        "ssl.keystore.type": "PKCS12",
        "ssl.keystore.location": listener.keystore,
        "ssl.keystore.password": listener.store_password,
        "ssl.key.password": listener.store_password,
    }
    properties.update({f"{name}.{m.lower()}.sasl.jaas.config": jaas for m in MECHANISMS})
    return properties


def scram_arguments(listener: SecureListener) -> list[str]:
    """``kafka-storage format`` arguments that create the SCRAM user at format time (KRaft)."""
    user = f"[name={listener.username},password={listener.password}]"
    return [argument for m in MECHANISMS for argument in ("--add-scram", f"{m}={user}")]
