"""The whole pipeline on one machine, for the tests and the benchmarks: two emulated JIRA
sites, the real ingress, real Kafka and real worker processes (``harness.pipeline``).

Shared by ``tests/`` and ``bench/``, which may import it; no shipped process does.
"""
