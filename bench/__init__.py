"""Benchmarks (scripts, not tests): ``python -m bench.ingress``."""
