"""What a failed Kafka connection is said to be caused by, and the local broker's SASL_SSL
listener configuration (pure parts; the broker itself: tests/integration/test_kafka_sasl_ssl.py).
"""

from __future__ import annotations

import ssl
from pathlib import Path

from aiokafka.errors import KafkaConnectionError, SaslAuthenticationFailed

from stack.launcher import ServiceState, StackState
from stack.secure import SecureListener, listener_properties, scram_arguments
from stack.services import kafka_properties
from streams.kafka_reach import KafkaUnreachable, known_cause, split_server
from streams.kafka_security import PLAINTEXT, KafkaProtocol, KafkaSecurity

TLS = KafkaSecurity(KafkaProtocol.SSL)
LISTENER = SecureListener(9093, "jira-sync", "pw", "/run/ca.pem", "/run/broker.p12", "store-pw")


def test_servers_split_into_host_and_port() -> None:
    assert split_server(" broker-1.example:9094") == ("broker-1.example", 9094)
    assert split_server("[::1]:9092") == ("::1", 9092)


def test_a_refused_connection_means_nothing_listens() -> None:
    cause = known_cause(ConnectionRefusedError(111, "Connect call failed"), PLAINTEXT)
    assert cause is not None
    assert cause.startswith("nothing listens there")


def test_an_untrusted_certificate_points_at_the_ca_file() -> None:
    error = ssl.SSLCertVerificationError(1, "certificate verify failed")
    error.verify_message = "unable to get local issuer certificate"
    cause = known_cause(error, TLS)
    assert cause is not None
    assert "not trusted (unable to get local issuer certificate)" in cause
    assert "set KAFKA_SSL_CA_FILE" in cause


def test_a_certificate_for_another_name_points_at_the_hostname_check() -> None:
    error = ssl.SSLCertVerificationError(1, "certificate verify failed")
    error.verify_message = "IP address mismatch, certificate is not valid for '10.0.0.5'"
    cause = known_cause(error, TLS)
    assert cause is not None
    assert "KAFKA_SSL_CHECK_HOSTNAME=false" in cause


def test_a_refused_login_names_the_sasl_settings() -> None:
    cause = known_cause(SaslAuthenticationFailed("bad password"), TLS)
    assert cause is not None
    assert "KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD and KAFKA_SASL_MECHANISM" in cause


def test_a_closed_tls_connection_suggests_a_plaintext_listener_and_plaintext_needs_a_probe() -> (
    None
):
    closed = KafkaConnectionError("Connection at 127.0.0.1:9092 closed")
    cause = known_cause(closed, TLS)
    assert cause is not None
    assert "the listener may not speak TLS" in cause
    assert known_cause(closed, PLAINTEXT) is None  # the listener is probed for TLS instead


def test_no_answer_in_time_is_said_without_probing_further() -> None:
    cause = known_cause(TimeoutError(), PLAINTEXT)
    assert cause is not None
    assert cause.startswith("no answer in time")


def test_the_unreachable_error_reads_as_its_message() -> None:
    assert str(KafkaUnreachable("cannot use Kafka at h:1 with PLAINTEXT: x")).startswith("cannot")


def test_the_broker_gets_a_sasl_ssl_listener_besides_the_plaintext_one() -> None:
    properties = dict(
        line.split("=", 1)
        for line in kafka_properties(Path("/data"), 9092, 9095, LISTENER).splitlines()
        if line
    )
    listeners = "PLAINTEXT://127.0.0.1:9092,SASL_SSL://127.0.0.1:9093"
    assert properties["listeners"] == f"{listeners},CONTROLLER://127.0.0.1:9095"
    assert properties["advertised.listeners"] == listeners
    assert properties["listener.security.protocol.map"].endswith(",SASL_SSL:SASL_SSL")
    assert properties["inter.broker.listener.name"] == "PLAINTEXT"
    assert properties["ssl.keystore.location"] == "/run/broker.p12"
    jaas = properties["listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config"]
    assert jaas.startswith("org.apache.kafka.common.security.scram.ScramLoginModule")
    assert listener_properties(LISTENER).items() <= properties.items()
    assert "SASL_SSL" not in kafka_properties(Path("/data"), 9092, 9095)


def test_the_scram_user_is_created_at_format_time() -> None:
    assert scram_arguments(LISTENER) == [
        "--add-scram",
        "SCRAM-SHA-256=[name=jira-sync,password=pw]",
        "--add-scram",
        "SCRAM-SHA-512=[name=jira-sync,password=pw]",
    ]


def test_the_stack_exports_a_client_of_the_secure_listener() -> None:
    kafka = ServiceState("kafka", 1, None, 9092, "kafka.log")
    dynamodb = ServiceState("dynamodb", 2, None, 8000, "dynamodb.log")
    assert (
        StackState(kafka, dynamodb).exports().startswith("KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:9092\n")
    )
    exports = StackState(kafka, dynamodb, secure=LISTENER).exports().splitlines()
    assert exports == [
        "KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:9093",
        "KAFKA_SECURITY_PROTOCOL=SASL_SSL",
        "KAFKA_SASL_MECHANISM=SCRAM-SHA-512",
        "KAFKA_SASL_USERNAME=jira-sync",
        "KAFKA_SASL_PASSWORD=pw",
        "KAFKA_SSL_CA_FILE=/run/ca.pem",
        "DYNAMODB_ENDPOINT_URL=http://127.0.0.1:8000",
    ]
