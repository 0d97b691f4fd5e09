"""Secrets that are not ids: ticket codes, manage links, feed and scanner tokens.

Tokens handed to people are derived with HMAC from the app's SECRET_KEY and a random per-record
seed, so the database holds only seeds and SHA-256 digests: a leaked database does not reveal a
working link, a link can be rotated by changing its seed, and lookups go through the digest
(never a comparison of the secret itself).
"""

import base64
import hashlib
import hmac
import secrets

SEED_BYTES = 16  # 128 bits


def new_seed() -> str:
    return secrets.token_hex(SEED_BYTES)


def derive(key: str, purpose: str, seed: str, length: int = 26) -> str:
    """A URL- and QR-alphanumeric-safe token (base32, A-Z2-7) of `length` characters (5 bits each)."""
    mac = hmac.new(key.encode(), f"{purpose}:{seed}".encode(), hashlib.sha256).digest()
    return base64.b32encode(mac).decode().rstrip("=")[:length]


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def random_token(nbytes: int = 24) -> str:
    """A random token for things that are shown once and stored only as a digest."""
    return secrets.token_urlsafe(nbytes)


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
