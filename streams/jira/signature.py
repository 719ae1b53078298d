"""JIRA webhook signatures: ``X-Hub-Signature: sha256=<hex>``, HMAC-SHA256 of the raw body.

Pure functions, no I/O: verify before any JSON parsing.
"""

from __future__ import annotations

import hashlib
import hmac
import re

HEADER = "X-Hub-Signature"
HEX = re.compile(r"[0-9a-fA-F]+")
SUPPORTED = {"sha256": hashlib.sha256().digest_size * 2}  # the hex digits of each digest


class SignatureError(Exception):
    """The request's signature is missing, malformed or wrong (answer 401)."""


def sign(body: bytes, secret: str) -> str:
    """The header value JIRA sends for ``body`` under ``secret``."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def parse_header(header: str | None) -> tuple[str, str]:
    """The algorithm and hex digest of a signature header, or ``SignatureError`` when it is
    missing or malformed: checkable before the body is read."""
    if not header:
        raise SignatureError(f"missing {HEADER} header")
    method, _, received = header.strip().partition("=")
    method = method.lower()
    if len(received) != SUPPORTED.get(method) or not HEX.fullmatch(received):
        raise SignatureError(f"{HEADER} must look like sha256=<hex>")
    return method, received


def verify(body: bytes, header: str | None, secret: str) -> None:
    """Raise ``SignatureError`` unless ``header`` is the signature of the raw ``body``."""
    method, received = parse_header(header)
    expected = hmac.digest(secret.encode(), body, method)  # one call into C, no HMAC object
    if not hmac.compare_digest(expected, bytes.fromhex(received)):
        raise SignatureError(f"{HEADER} does not match the body")
