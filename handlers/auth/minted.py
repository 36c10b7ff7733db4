"""Upload tokens minted by the trusted publishing exchange: 15 minutes, scoped, burned on request.

A minted token is an ordinary token of the token store (:class:`~handlers.auth.tokens.TokenRecord`, user
``__token__``), told apart by its prefix and kept under its own prefix, the only one the API writes
besides project files and used ``jti``s. Unlike operator tokens it is never cached: a burn works at
once. A record that claims to live longer than :data:`LIFETIME` is refused whoever wrote it.
"""

from __future__ import annotations

__all__ = ["LIFETIME", "MINTED_PREFIX", "MintedRecord", "burn", "lookup", "mint"]

import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from handlers import layout
from handlers.auth.tokens import MINTED_PREFIX, TokenRecord, hash_token
from handlers.aws.storage import Storage
from handlers.names import NormalizedName

#: Seconds a minted token works (PyPI's 15 minutes).
LIFETIME = 900
#: Wall clock of expiry checks; tests replace it.
clock: Callable[[], float] = time.time


@dataclass(frozen=True)
class MintedRecord(TokenRecord):
    """A token record scoped to one publisher's projects or namespace (``PREFIX``, ``PREFIX-*``)."""

    #: The publisher's id (for the log and ``token list``).
    publisher: str = ""

    def may_upload_to(self, project: NormalizedName, namespace: str | None = None) -> bool:
        """Only the publisher's projects: never "any" (a record limited to nothing covers nothing)."""
        if not self.projects and not self.namespaces:
            return False
        return super().may_upload_to(project, namespace)

    def to_json(self) -> bytes:
        """The stored form: a token record plus the publisher."""
        raw = json.loads(super().to_json())
        raw["publisher"] = self.publisher
        return json.dumps(raw, sort_keys=True).encode()


def mint(
    storage: Storage,
    *,
    name: str,
    projects: tuple[NormalizedName, ...],
    namespace: str | None,
    publisher: str,
) -> tuple[str, int]:
    """Store a fresh minted token for the publisher ``publisher`` (its id); returns it and its expiry."""
    now = int(clock())
    token = MINTED_PREFIX + secrets.token_urlsafe(32)
    record = MintedRecord(
        name=name[:100],
        scopes=("upload",),
        projects=projects,
        expires=now + LIFETIME,
        created=now,
        namespaces=(namespace,) if namespace else (),
        publisher=publisher,
    )
    storage.put(
        layout.minted_token_key(hash_token(token)),
        record.to_json(),
        content_type="application/json",
        if_none_match=True,
    )
    return token, now + LIFETIME


def lookup(storage: Storage, token: str) -> MintedRecord | None:
    """The record of a live minted token, else None (read every time: never cached)."""
    import hmac

    digest = hash_token(token)
    stored = storage.get(layout.minted_token_key(digest))
    if stored is None:
        return None
    try:
        raw = json.loads(stored.body)
        base = TokenRecord.from_json(stored.body, digest)
        record = MintedRecord(
            name=base.name,
            scopes=base.scopes,
            projects=base.projects,
            expires=base.expires,
            created=base.created,
            token_hash=digest,
            namespaces=base.namespaces,
            publisher=str(raw.get("publisher") or ""),
        )
    except (ValueError, KeyError, TypeError):
        return None
    if record.expires is None or record.expires - record.created > LIFETIME:
        return None  # not what the exchange writes: never honoured
    if not hmac.compare_digest(record.token_hash, digest) or record.expired(clock()):
        return None
    return record


def burn(storage: Storage, token: str) -> None:
    """Revoke a minted token at once (burning an unknown or spent one is not an error)."""
    if token.startswith(MINTED_PREFIX):
        storage.delete(layout.minted_token_key(hash_token(token)))
