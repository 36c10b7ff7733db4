"""The signing keys of OIDC issuers: discovery, fetch and a per-process cache keyed by ``kid``.

Keys come from the issuer's ``/.well-known/openid-configuration`` -> ``jwks_uri``. A known ``kid``
costs nothing; an unknown one refetches the set, at most once a minute per issuer (a flood of
forged ``kid``s cannot make this function hammer the issuer). The cache and that limit are keyed by
the issuer as configured (``oidc.issuer_of`` refuses every other spelling of ``iss`` first) and hold
at most :data:`MAX_ISSUERS` issuers of at most :data:`MAX_KEYS` keys. Only ``https`` is fetched,
except from an issuer on loopback (the dev server's tests stand in for the CI providers there).
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Callable
from typing import Any

from handlers.publishing.oidc import TokenRequestFailed
from handlers.web.http import is_loopback

#: Seconds between two fetches of one issuer's keys.
REFRESH_INTERVAL = 60.0
#: Issuers the cache holds (the configured ones are a handful); the least recently fetched goes first.
MAX_ISSUERS = 16
#: Keys kept of one issuer's set (providers publish two to four).
MAX_KEYS = 32
_MAX_DOCUMENT = 512 * 1024
_TIMEOUT = 5.0

#: ``url -> body``; tests replace it.
Fetch = Callable[[str], bytes]


def fetch_url(url: str) -> bytes:
    """GET ``url`` (https, or http on loopback) and return at most 512 KiB of its body."""
    if not (url.startswith("https://") or (url.startswith("http://") and is_loopback(url))):
        raise TokenRequestFailed("invalid-token", f"the issuer's keys must be served over https: {url[:200]}")
    request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310 - scheme checked
    with urllib.request.urlopen(request, timeout=_TIMEOUT) as response:  # noqa: S310
        body: bytes = response.read(_MAX_DOCUMENT + 1)
    if len(body) > _MAX_DOCUMENT:
        raise ValueError(f"{url} answered more than {_MAX_DOCUMENT} bytes")
    return body


class KeyCache:
    """The signing keys of every trusted issuer, as this process last fetched them."""

    def __init__(self, fetch: Fetch = fetch_url, clock: Callable[[], float] = time.monotonic):
        self._fetch = fetch
        self._clock = clock
        self._keys: dict[str, dict[str, Any]] = {}
        self._fetched: dict[str, float] = {}
        self._lock = threading.Lock()

    def key(self, issuer: str, kid: str | None) -> Any:
        """The public key ``kid`` of ``issuer``; refused when the issuer has no such key."""
        if not kid:
            raise TokenRequestFailed("invalid-token", "the token's header names no key (kid)")
        with self._lock:
            keys = self._keys.get(issuer, {})
            if kid not in keys:
                last = self._fetched.get(issuer)
                if last is None or self._clock() - last >= REFRESH_INTERVAL:
                    if issuer not in self._fetched:
                        self._forget_oldest()
                    self._fetched[issuer] = self._clock()
                    keys = self._keys[issuer] = self._load(issuer)
        if kid not in keys:
            raise TokenRequestFailed(
                "invalid-token", f"the issuer {issuer} has no signing key {kid[:100]!r}: bad signature"
            )
        return keys[kid]

    def _forget_oldest(self) -> None:
        """Keep at most :data:`MAX_ISSUERS` issuers (both maps hold the same ones)."""
        while len(self._fetched) >= MAX_ISSUERS:
            oldest = min(self._fetched, key=self._fetched.__getitem__)
            del self._fetched[oldest]
            self._keys.pop(oldest, None)

    def _load(self, issuer: str) -> dict[str, Any]:
        import jwt

        try:
            config = json.loads(self._fetch(issuer.rstrip("/") + "/.well-known/openid-configuration"))
            jwks_uri = config["jwks_uri"]
            if not isinstance(jwks_uri, str):
                raise TypeError("jwks_uri is not a string")
            document = json.loads(self._fetch(jwks_uri))
        except TokenRequestFailed:
            raise
        except (OSError, ValueError, KeyError, TypeError, RecursionError) as error:
            raise TokenRequestFailed(
                "invalid-token",
                f"cannot fetch the signing keys of {issuer}: {type(error).__name__}; try again",
            ) from error
        keys: dict[str, Any] = {}
        for raw in document.get("keys") or () if isinstance(document, dict) else ():
            if len(keys) >= MAX_KEYS:
                break
            if not isinstance(raw, dict) or raw.get("kty") != "RSA" or not raw.get("kid"):
                continue
            try:
                keys[str(raw["kid"])] = jwt.PyJWK(raw, algorithm="RS256").key
            except jwt.PyJWTError:
                continue
        return keys


#: The process's cache (a Lambda instance keeps it across invocations).
cache = KeyCache()
