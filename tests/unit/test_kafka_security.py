"""Kafka security settings: what each protocol needs, and the client arguments built from it."""

from __future__ import annotations

import ssl
from pathlib import Path

import faust
import pytest
from pydantic import SecretStr

from streams.kafka_security import (
    PLAINTEXT,
    KafkaProtocol,
    KafkaSecurity,
    KafkaSecurityError,
    SaslMechanism,
    client_options,
    faust_credentials,
    security_problems,
)
from streams.settings import ConfigError, Settings, load_settings

SCRAM = SaslMechanism.SCRAM_SHA_512


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(Settings.model_fields):
        monkeypatch.delenv(name.upper(), raising=False)


def sasl(protocol: KafkaProtocol = KafkaProtocol.SASL_SSL, **given: object) -> KafkaSecurity:
    values: dict[str, object] = {
        "mechanism": SCRAM,
        "username": "sync",
        "password": SecretStr("s3cret"),
    }
    values.update(given)
    return KafkaSecurity(protocol, **values)  # type: ignore[arg-type]


def test_plaintext_is_the_default_and_asks_for_nothing() -> None:
    assert security_problems(PLAINTEXT) == []
    assert client_options(PLAINTEXT) == {"security_protocol": "PLAINTEXT"}
    assert faust_credentials(PLAINTEXT) is None


def test_sasl_needs_mechanism_user_and_password() -> None:
    security = KafkaSecurity(KafkaProtocol.SASL_SSL, username="sync")
    [problem] = security_problems(security)
    assert problem == "KAFKA_SASL_MECHANISM, KAFKA_SASL_PASSWORD: required with SASL_SSL"
    assert security_problems(sasl(KafkaProtocol.SASL_PLAINTEXT)) == []


def test_sasl_settings_without_a_sasl_protocol_are_refused() -> None:
    [problem] = security_problems(sasl(KafkaProtocol.SSL))
    assert problem.startswith("KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD:")
    assert "SASL_PLAINTEXT or SASL_SSL (it is SSL)" in problem


def test_tls_files_must_exist_and_need_a_tls_protocol(tmp_path: Path) -> None:
    absent = tmp_path / "ca.pem"
    problems = security_problems(KafkaSecurity(KafkaProtocol.SASL_PLAINTEXT, ca_file=absent))
    assert any(p.startswith("KAFKA_SSL_CA_FILE: only used with") for p in problems)
    assert f"KAFKA_SSL_CA_FILE: no such file: {absent}" in problems
    absent.write_text("x")
    assert security_problems(KafkaSecurity(KafkaProtocol.SSL, ca_file=absent)) == []


def test_a_key_without_its_certificate_is_refused(tmp_path: Path) -> None:
    key = tmp_path / "key.pem"
    key.write_text("x")
    [problem] = security_problems(KafkaSecurity(KafkaProtocol.SSL, key_file=key))
    assert problem.startswith("KAFKA_SSL_KEY_FILE: set KAFKA_SSL_CERT_FILE too")


def test_sasl_ssl_options_carry_the_mechanism_credentials_and_a_verifying_context() -> None:
    options = client_options(sasl())
    assert options["security_protocol"] == "SASL_SSL"
    assert options["sasl_mechanism"] == "SCRAM-SHA-512"
    assert (options["sasl_plain_username"], options["sasl_plain_password"]) == ("sync", "s3cret")
    context = options["ssl_context"]
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname


def test_sasl_plaintext_has_no_tls_and_ssl_has_no_sasl() -> None:
    plain = client_options(sasl(KafkaProtocol.SASL_PLAINTEXT, mechanism=SaslMechanism.PLAIN))
    assert "ssl_context" not in plain
    assert plain["sasl_mechanism"] == "PLAIN"
    tls = client_options(KafkaSecurity(KafkaProtocol.SSL, check_hostname=False))
    assert set(tls) == {"security_protocol", "ssl_context"}
    assert tls["ssl_context"].check_hostname is False


def test_a_file_that_is_no_pem_certificate_is_named(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("not a certificate")
    with pytest.raises(KafkaSecurityError, match="KAFKA_SSL_CA_FILE"):
        client_options(KafkaSecurity(KafkaProtocol.SSL, ca_file=ca))


def test_faust_gets_the_same_credentials() -> None:
    credentials = faust_credentials(sasl())
    assert isinstance(credentials, faust.SASLCredentials)
    assert credentials.protocol.value == "SASL_SSL"
    assert credentials.mechanism.value == "SCRAM-SHA-512"
    assert (credentials.username, credentials.password) == ("sync", "s3cret")
    plain = faust_credentials(sasl(KafkaProtocol.SASL_PLAINTEXT))
    assert plain.protocol.value == "SASL_PLAINTEXT"
    tls = faust_credentials(KafkaSecurity(KafkaProtocol.SSL))
    assert isinstance(tls, faust.SSLCredentials)


def test_settings_build_the_security_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("x")
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "sasl_ssl")
    monkeypatch.setenv("KAFKA_SASL_MECHANISM", "scram-sha-256")
    monkeypatch.setenv("KAFKA_SASL_USERNAME", "sync")
    monkeypatch.setenv("KAFKA_SASL_PASSWORD", "pw-never-shown")
    monkeypatch.setenv("KAFKA_SSL_CA_FILE", str(ca))
    settings = load_settings(None)
    security = settings.kafka_security()
    assert security == sasl(
        mechanism=SaslMechanism.SCRAM_SHA_256, password=SecretStr("pw-never-shown"), ca_file=ca
    )
    assert "pw-never-shown" not in repr(settings) + repr(security)


def test_settings_name_every_missing_sasl_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("KAFKA_SSL_CA_FILE", "/nonexistent/ca.pem")
    with pytest.raises(ConfigError) as raised:
        load_settings(None)
    [problem] = raised.value.problems
    assert "KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD" in problem
    assert "KAFKA_SSL_CA_FILE: no such file: /nonexistent/ca.pem" in problem


def test_an_unknown_protocol_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "TLS")
    with pytest.raises(ConfigError) as raised:
        load_settings(None)
    assert raised.value.problems[0].startswith("KAFKA_SECURITY_PROTOCOL:")
