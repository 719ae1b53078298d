"""``Stack``: bring the local Kafka + DynamoDB Local up, report on them, take them down."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from stack import probes, process
from stack.artifacts import DYNAMODB, KAFKA, ensure_jars, tail
from stack.errors import PortInUseError, StackError, StartError
from stack.secure import SecureListener, prepare_listener
from stack.services import dynamodb_command, java_binary, prepare_kafka

HOST = "127.0.0.1"
Progress = Callable[[str], None]


def default_home() -> Path:
    """``$JIRA_SYNC_HOME`` or ``.jira-sync`` in the working directory (git-ignored)."""
    return Path(os.environ.get("JIRA_SYNC_HOME", ".jira-sync")).resolve()


@dataclass(frozen=True)
class StackHome:
    """``cache`` holds downloads (shared, kept); ``run`` holds pids, logs and data."""

    cache: Path
    run: Path

    @classmethod
    def at(cls, root: Path) -> StackHome:
        return cls(cache=root / "cache", run=root / "run")

    @property
    def state_file(self) -> Path:
        return self.run / "stack.json"


@dataclass(frozen=True)
class ServiceState:
    name: str
    pid: int
    started: str | None
    port: int
    log: str

    def alive(self) -> bool:
        return process.alive(self.pid, self.started)


@dataclass(frozen=True)
class StackState:
    kafka: ServiceState
    dynamodb: ServiceState
    startup_seconds: float = 0.0
    already_running: bool = field(default=False, compare=False)
    secure: SecureListener | None = None  # the broker's SASL_SSL listener, if asked for

    @property
    def kafka_bootstrap_servers(self) -> str:
        return f"{HOST}:{self.kafka.port}"

    @property
    def dynamodb_endpoint_url(self) -> str:
        return f"http://{HOST}:{self.dynamodb.port}"

    def services(self) -> tuple[ServiceState, ServiceState]:
        return (self.kafka, self.dynamodb)

    def exports(self) -> str:
        """The clients' settings (those of the SASL_SSL listener when there is one)."""
        kafka = {"KAFKA_BOOTSTRAP_SERVERS": self.kafka_bootstrap_servers}
        if self.secure is not None:
            kafka = self.secure.client_settings()
        lines = [f"{name}={value}" for name, value in kafka.items()]
        return "\n".join([*lines, f"DYNAMODB_ENDPOINT_URL={self.dynamodb_endpoint_url}"])


class Stack:
    def __init__(self, home: StackHome, progress: Progress | None = None) -> None:
        self.home = home
        self._progress = progress or (lambda message: None)

    def up(
        self,
        kafka_port: int = 9092,
        dynamodb_port: int = 8000,
        timeout: float = 180,
        sasl_ssl_port: int | None = None,
    ) -> StackState:
        """Start both services (or return the running ones); ports of 0 mean any free port.
        ``sasl_ssl_port``: the broker listens there too, with TLS and SCRAM (``stack.secure``)."""
        with self._locked():
            running = self._running()
            if running is not None:
                return replace(running, already_running=True)
            self.down_locked()
            return self._start(kafka_port, dynamodb_port, timeout, sasl_ssl_port)

    def status(self) -> StackState | None:
        """The recorded stack, or None when nothing is recorded."""
        return self._load()

    def down(self) -> list[str]:
        """Stop exactly the processes this stack recorded; return the names stopped."""
        with self._locked():
            return self.down_locked()

    def down_locked(self) -> list[str]:
        state = self._load()
        if state is None:
            return []
        stopped = [
            service.name
            for service in state.services()
            if process.stop(service.pid, service.started)
        ]
        self.home.state_file.unlink(missing_ok=True)
        return stopped

    def stop_service(self, name: str) -> bool:
        """Stop one service of the running stack, keeping its data, port and command line.

        ``start_service(name)`` brings it back as it was (for tests of a broker outage).
        """
        with self._locked():
            state = self._require_state()
            service = _service(state, name)
            if not service.alive():
                return False
            command = _command_line(service.pid)
            if command:
                self._command_file(name).write_text(json.dumps(command))
            return process.stop(service.pid, service.started)

    def start_service(self, name: str, timeout: float = 120) -> ServiceState:
        """Start a service stopped by ``stop_service`` again, on the same port and data."""
        with self._locked():
            state = self._require_state()
            service = _service(state, name)
            if service.alive():
                return service
            try:
                command = json.loads(self._command_file(name).read_text())
            except (OSError, ValueError):
                raise StartError(f"{name} was not stopped by stop_service; use up") from None
            pid = process.spawn(command, Path(service.log), cwd=self.home.run)
            restarted = ServiceState(name, pid, process.start_time(pid), service.port, service.log)
            kafka = restarted if name == "kafka" else state.kafka
            dynamodb = restarted if name == "dynamodb" else state.dynamodb
            self._save(replace(state, kafka=kafka, dynamodb=dynamodb))
            self._wait_service(state, restarted, timeout)
            return restarted

    def _require_state(self) -> StackState:
        state = self._load()
        if state is None:
            raise StackError(f"no stack is recorded in {self.home.run}; start it with up")
        return state

    def _command_file(self, name: str) -> Path:
        return self.home.run / f"{name}.command.json"

    def _wait_service(self, state: StackState, service: ServiceState, timeout: float) -> None:
        def answers() -> bool:
            if service.name == "kafka":
                return probes.kafka_answers(state.kafka_bootstrap_servers)
            return probes.dynamodb_answers(state.dynamodb_endpoint_url)

        deadline = time.monotonic() + timeout
        while not answers():
            if not service.alive():
                raise StartError(f"{service.name} exited; its log:\n{tail(Path(service.log))}")
            if time.monotonic() > deadline:
                raise StartError(f"{service.name} did not answer within {timeout:.0f} s")
            time.sleep(0.5)

    def _start(
        self, kafka_port: int, dynamodb_port: int, timeout: float, sasl_ssl_port: int | None
    ) -> StackState:
        began = time.monotonic()
        java = java_binary()
        kafka_port = _claim(kafka_port, "Kafka", "--kafka-port")
        dynamodb_port = _claim(dynamodb_port, "DynamoDB Local", "--dynamodb-port")
        controller_port = _claim(0, "the Kafka controller", "")
        self.home.run.mkdir(parents=True, exist_ok=True)
        secure = None
        if sasl_ssl_port is not None:
            port = _claim(sasl_ssl_port, "Kafka's SASL_SSL listener", "--sasl-ssl-port")
            secure = prepare_listener(self.home.run / "kafka-tls", port)
        download_log = self.home.run / "maven.log"
        self._progress("checking jars (first use downloads them from Maven Central)")
        kafka_lib = ensure_jars(self.home.cache, KAFKA, download_log)
        dynamodb_lib = ensure_jars(self.home.cache, DYNAMODB, download_log)
        self._progress(
            f"starting Kafka on {HOST}:{kafka_port} and DynamoDB Local on {HOST}:{dynamodb_port}"
        )
        command = prepare_kafka(java, kafka_lib, self.home.run, kafka_port, controller_port, secure)
        kafka = self._spawn("kafka", command, kafka_port)
        dynamodb = self._spawn(
            "dynamodb", dynamodb_command(java, dynamodb_lib, dynamodb_port), dynamodb_port
        )
        state = StackState(kafka, dynamodb, secure=secure)
        self._save(state)
        try:
            self._wait(state, timeout)
        except BaseException:
            self.down_locked()
            raise
        state = StackState(kafka, dynamodb, round(time.monotonic() - began, 1), secure=secure)
        self._save(state)
        return state

    def _spawn(self, name: str, command: list[str], port: int) -> ServiceState:
        log = self.home.run / f"{name}.log"
        log.unlink(missing_ok=True)
        pid = process.spawn(command, log, cwd=self.home.run)
        return ServiceState(name, pid, process.start_time(pid), port, str(log))

    def _wait(self, state: StackState, timeout: float) -> None:
        checks = {
            "kafka": lambda: probes.kafka_answers(state.kafka_bootstrap_servers),
            "dynamodb": lambda: probes.dynamodb_answers(state.dynamodb_endpoint_url),
        }
        deadline = time.monotonic() + timeout
        pending = dict(zip(("kafka", "dynamodb"), state.services(), strict=True))
        while pending:
            for name, service in list(pending.items()):
                if not service.alive():
                    raise StartError(
                        f"{name} exited during start-up; its log:\n{tail(Path(service.log))}"
                    )
                if checks[name]():
                    self._progress(f"{name} answers on port {service.port}")
                    del pending[name]
            if pending and time.monotonic() > deadline:
                names = ", ".join(pending)
                raise StartError(
                    f"{names} did not answer within {timeout:.0f} s; logs in {self.home.run}"
                )
            if pending:
                time.sleep(0.5)

    def _running(self) -> StackState | None:
        state = self._load()
        if state is not None and all(service.alive() for service in state.services()):
            return state
        return None

    def _load(self) -> StackState | None:
        try:
            raw = json.loads(self.home.state_file.read_text())
            return StackState(
                kafka=ServiceState(**raw["kafka"]),
                dynamodb=ServiceState(**raw["dynamodb"]),
                startup_seconds=raw.get("startup_seconds", 0.0),
                secure=SecureListener(**raw["secure"]) if raw.get("secure") else None,
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _save(self, state: StackState) -> None:
        raw = asdict(state)
        raw.pop("already_running")
        partial = self.home.state_file.with_suffix(".tmp")
        partial.touch(0o600)  # the SASL_SSL listener's passwords
        partial.write_text(json.dumps(raw, indent=2))
        partial.replace(self.home.state_file)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.home.run.mkdir(parents=True, exist_ok=True)
        with (self.home.run / "stack.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


def _claim(port: int, what: str, option: str) -> int:
    if port == 0:
        return probes.free_port(HOST)
    if not probes.port_free(HOST, port):
        hint = (
            f"; choose another with {option} N, or {option} 0 for any free port" if option else ""
        )
        raise PortInUseError(
            f"port {port} on {HOST} is already in use, so {what} cannot start there{hint}"
        )
    return port


def _service(state: StackState, name: str) -> ServiceState:
    services = {service.name: service for service in state.services()}
    if name not in services:
        raise StackError(f"unknown service {name!r}; known: {', '.join(services)}")
    return services[name]


def _command_line(pid: int) -> list[str]:
    """The argv of a running process (empty when it is gone)."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode() for part in raw.split(b"\0") if part]
