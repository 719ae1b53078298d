"""Issue 21 item 6: ``up`` prints the console's address, and its port probe does not take
the TIME_WAIT sockets of a run that just stopped for a taken port."""

from __future__ import annotations

import socket
from pathlib import Path

from jira_sync.up.summary import summary
from stack.probes import port_free
from tests.unit.test_up_plan import plan


def test_the_summary_prints_the_status_page() -> None:
    text = summary(plan(), {}, Path("/run"), [])
    assert "http://127.0.0.1:18090/console" in text


def _time_wait_port() -> int:
    """A port whose server side closed first: its socket lingers in TIME_WAIT."""
    listener = socket.create_server(("127.0.0.1", 0))
    port: int = listener.getsockname()[1]
    client = socket.create_connection(("127.0.0.1", port))
    accepted, _ = listener.accept()
    accepted.close()  # the active close: TIME_WAIT is on the server's port
    client.recv(1)
    client.close()
    listener.close()
    return port


def test_a_port_left_in_time_wait_is_free_and_a_listening_one_is_not() -> None:
    port = _time_wait_port()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as plain:  # the old probe
        try:
            plain.bind(("127.0.0.1", port))
            old_probe_refused = False
        except OSError:
            old_probe_refused = True
    assert old_probe_refused  # what made `up` refuse right after a stop
    assert port_free("127.0.0.1", port)
    with socket.create_server(("127.0.0.1", 0)) as listening:
        assert not port_free("127.0.0.1", listening.getsockname()[1])
