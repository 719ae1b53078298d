"""Local stack without Docker: Apache Kafka (KRaft) and DynamoDB Local from Maven Central.

``Stack(home).up()`` downloads the jars on first use into a cache folder the project owns,
starts both services on 127.0.0.1, waits until they really answer and records their pids
so ``down()`` stops exactly those processes.
"""

from stack.errors import DownloadError, MissingToolError, PortInUseError, StackError, StartError
from stack.launcher import ServiceState, Stack, StackHome, StackState, default_home

__all__ = [
    "DownloadError",
    "MissingToolError",
    "PortInUseError",
    "ServiceState",
    "Stack",
    "StackError",
    "StackHome",
    "StackState",
    "StartError",
    "default_home",
]
