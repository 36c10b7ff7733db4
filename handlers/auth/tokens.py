"""API tokens, as PyPI does them: HTTP Basic with user ``__token__`` and a random secret.

A token is 256 random bits, shown once, stored only as its SHA-256 (the object's key under
``.pypi/tokens/``), with a name, scopes (``read``, ``upload``), an optional list of projects it may
upload to, and an optional expiry. Looking a token up by its hash means the secret is never compared
byte by byte; the stored hash is still checked with :func:`hmac.compare_digest`. The API only reads
this store (the admin CLI writes it), and caches what it read for :data:`CACHE_SECONDS`, so a token
seen recently costs no S3 request and a revoked one stops working within a minute.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from handlers import layout
from handlers.aws.storage import Storage
from handlers.names import NormalizedName, normalize

TOKEN_PREFIX = "spypi-"  # noqa: S105 - a prefix that tells our tokens apart, not a secret
#: Tokens minted by trusted publishing (handlers/auth/minted.py) begin with this.
MINTED_PREFIX = TOKEN_PREFIX + "oidc-"
TOKEN_USER = "__token__"  # noqa: S105 - the user name PyPI and every client use for tokens
SCOPES = ("read", "upload")
CACHE_SECONDS = 30.0
_CACHE_SIZE = 1024


class InvalidToken(ValueError):
    """A token record or request that cannot be used."""


@dataclass(frozen=True)
class TokenRecord:
    """What is stored for a token (never the token itself)."""

    name: str
    scopes: tuple[str, ...]
    #: Normalized projects an upload token may publish to; with no namespaces either, any project
    #: outside the reserved namespaces.
    projects: tuple[NormalizedName, ...] = ()
    #: Unix time after which the token no longer works; None for never.
    expires: int | None = None
    created: int = field(default_factory=lambda: int(time.time()))
    #: Hex SHA-256 of the token: the record's key.
    token_hash: str = ""
    #: Reserved namespaces (prefixes) an upload token may publish into.
    namespaces: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.name or not self.name.isprintable() or len(self.name) > 100:
            raise InvalidToken("a token name is 1 to 100 printable characters")
        if not self.scopes or any(scope not in SCOPES for scope in self.scopes):
            raise InvalidToken(f"scopes are some of {', '.join(SCOPES)}")

    def expired(self, now: float | None = None) -> bool:
        """True once the expiry has passed."""
        return self.expires is not None and (now if now is not None else time.time()) >= self.expires

    def may_upload_to(self, project: NormalizedName, namespace: str | None = None) -> bool:
        """True when the token may publish files of ``project``, which is in the reserved
        ``namespace`` (or in none).

        Inside a reserved namespace only a token made for it, or for that very project, may upload;
        outside, a token limited to projects or namespaces may upload only there.
        """
        if "upload" not in self.scopes:
            return False
        if project in self.projects:
            return True
        if namespace is not None:
            return namespace in self.namespaces
        in_own_namespace = any(project == p or project.startswith(p + "-") for p in self.namespaces)
        return in_own_namespace or (not self.projects and not self.namespaces)

    def to_json(self) -> bytes:
        """The stored form."""
        return json.dumps(
            {
                "name": self.name,
                "scopes": list(self.scopes),
                "projects": list(self.projects),
                "expires": self.expires,
                "created": self.created,
                "namespaces": list(self.namespaces),
            },
            sort_keys=True,
        ).encode()

    @classmethod
    def from_json(cls, data: bytes, token_hash: str) -> TokenRecord:
        """Read a stored record."""
        raw: dict[str, Any] = json.loads(data)
        return cls(
            name=str(raw["name"]),
            scopes=tuple(raw["scopes"]),
            projects=tuple(normalize(p) for p in raw.get("projects") or ()),
            expires=raw.get("expires"),
            created=int(raw.get("created") or 0),
            token_hash=token_hash,
            namespaces=tuple(normalize(p) for p in raw.get("namespaces") or ()),
        )


def new_token() -> str:
    """A fresh token: 256 random bits, URL-safe."""
    import secrets  # only the admin CLI makes tokens; the API's cold start skips it

    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """The hex SHA-256 a token is stored under."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_from_basic_auth(header: str | None) -> str | None:
    """The token in an ``Authorization: Basic`` header with user ``__token__``, else None."""
    if not header:
        return None
    scheme, _, encoded = header.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    user, colon, password = decoded.partition(":")
    if not colon or user != TOKEN_USER or not password:
        return None
    return password


# Shared by every TokenStore of the process (a Lambda instance lives across many invocations).
_cache: dict[str, tuple[float, TokenRecord | None]] = {}
_cache_lock = threading.Lock()


class TokenStore:
    """Token records in the bucket, with a short in-process cache for the API."""

    def __init__(self, storage: Storage, *, clock: Any = time.monotonic):
        self.storage = storage
        self._clock = clock

    def lookup(self, token: str) -> TokenRecord | None:
        """The record of a valid, unexpired token, else None. Cached for :data:`CACHE_SECONDS`."""
        if token.startswith(MINTED_PREFIX):  # minted tokens live elsewhere: handlers.auth.credentials
            return None
        digest = hash_token(token)
        now = self._clock()
        cache_key = f"{self.storage.bucket}/{digest}"
        with _cache_lock:
            cached = _cache.get(cache_key)
        if cached is None or now - cached[0] > CACHE_SECONDS:
            stored = self.storage.get(layout.token_key(digest))
            record = TokenRecord.from_json(stored.body, digest) if stored is not None else None
            with _cache_lock:
                if len(_cache) >= _CACHE_SIZE:
                    _cache.clear()
                _cache[cache_key] = (now, record)
        else:
            record = cached[1]
        if record is None or not hmac.compare_digest(record.token_hash, digest) or record.expired():
            return None
        return record

    def create(
        self,
        name: str,
        scopes: tuple[str, ...],
        projects: tuple[str, ...] = (),
        expires: int | None = None,
        namespaces: tuple[str, ...] = (),
    ) -> str:
        """Store a new token's record and return the token (the only time it is seen)."""
        if any(record.name == name for record in self.list()):
            raise InvalidToken(f"a token named {name!r} exists; revoke it first or pick another name")
        token = new_token()
        record = TokenRecord(
            name,
            tuple(dict.fromkeys(scopes)),
            tuple(normalize(p) for p in projects),
            expires,
            namespaces=tuple(normalize(p) for p in namespaces),
        )
        self.storage.put(
            layout.token_key(hash_token(token)),
            record.to_json(),
            content_type="application/json",
            if_none_match=True,
        )
        return token

    def list(self) -> list[TokenRecord]:
        """Every token record, by name."""
        records = []
        for obj in self.storage.list(layout.TOKENS_PREFIX):
            digest = obj.key[len(layout.TOKENS_PREFIX) :]
            stored = self.storage.get(obj.key)
            if stored is not None:
                records.append(TokenRecord.from_json(stored.body, digest))
        return sorted(records, key=lambda r: r.name)

    def revoke(self, name: str) -> int:
        """Delete every token of that name; returns how many."""
        doomed = [r for r in self.list() if r.name == name]
        for record in doomed:
            self.storage.delete(layout.token_key(record.token_hash))
        return len(doomed)
