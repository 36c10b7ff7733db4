"""A proxied page: the upstream's, after the policy, cached in the bucket under ``.pypi-proxy/``.

The cached object has the form of a generated page (both formats, gzipped, one object), so a fresh
one costs one S3 GET and is served by the same code as our own pages. Its metadata says when it was
fetched and with which policy. A page older than ``fallbackCacheSeconds`` is fetched again; when the
upstream fails (unreachable, slow, a 5xx, an unreadable page) the cached page is served however old,
and without one the client gets a 503 with ``Retry-After``, never a 500. The API function writes
here and nowhere else for the proxy; the reindexer never looks (the event rule and
:func:`handlers.layout.is_generated` leave the prefix out).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

from botocore.exceptions import BotoCoreError, ClientError

from handlers.aws.storage import Storage, StoredObject
from handlers.config import Settings
from handlers.layout import proxy_page_key
from handlers.names import NormalizedName
from handlers.proxy import render, upstream
from handlers.proxy.policy import Policy
from handlers.web.http import NotFound, ServiceUnavailable

log = logging.getLogger(__name__)

#: Object metadata of a cached page: when it was fetched (Unix seconds), and the policy it passed.
FETCHED_AT_METADATA = "fetched-at"
POLICY_METADATA = "policy"
#: Seconds a client is asked to wait when the upstream failed and nothing is cached.
RETRY_AFTER = 30


def policy_of(settings: Settings) -> Policy:
    """The deployment's fallback policy."""
    return Policy(settings.min_release_age_days, settings.fallback_deny, settings.fallback_allow)


def page(
    storage: Storage,
    settings: Settings,
    name: NormalizedName,
    *,
    fetch: upstream.Fetch = upstream.fetch,
    clock: Callable[[], float] = time.time,
) -> StoredObject:
    """The stored page to serve for ``name``, a name this index neither holds nor reserves.

    Raises :class:`NotFound` for a name the policy holds back or the upstream does not have, and
    :class:`ServiceUnavailable` when the upstream fails and nothing is cached.
    """
    assert settings.fallback_index_url is not None
    policy = policy_of(settings)
    refusal = policy.refusal(name)
    if refusal is not None:
        raise NotFound(refusal)
    key = proxy_page_key(name)
    cached = storage.get(key)
    if cached is not None and cached.metadata.get(POLICY_METADATA) != policy.fingerprint:
        cached = None  # filtered by another policy (a changed minimum age): never served
    now = clock()
    if cached is not None and now - _fetched_at(cached) < settings.fallback_cache_seconds:
        return cached
    try:
        project = upstream.read_page(fetch(f"{settings.fallback_index_url}{name}/"))
    except upstream.UpstreamMissing as error:
        raise NotFound(f"No such project: {name} (here or at the fallback index)") from error
    except upstream.UpstreamFailed as error:
        if cached is not None:
            log.warning("the fallback index failed (%s); serving %s as cached", error, name)
            return cached
        log.warning("the fallback index failed (%s); nothing cached for %s", error, name)
        raise ServiceUnavailable(
            f"The fallback index did not answer for {name}; try again shortly", RETRY_AFTER
        ) from error
    body, metadata = render.stored_page(name, policy.apply(project, datetime.fromtimestamp(now, UTC)))
    metadata = {**metadata, FETCHED_AT_METADATA: str(int(now)), POLICY_METADATA: policy.fingerprint}
    try:
        etag = storage.put(key, body, content_type="application/octet-stream", metadata=metadata)
    except (BotoCoreError, ClientError) as error:
        # The page is good; only the cache failed. S3's ETag of a single-part object is its MD5.
        log.error("could not cache the fallback page of %s: %s", name, error)
        etag = hashlib.md5(body, usedforsecurity=False).hexdigest()
    return StoredObject(body=body, etag=etag, metadata=metadata)


def _fetched_at(cached: StoredObject) -> float:
    try:
        return float(cached.metadata.get(FETCHED_AT_METADATA, ""))
    except ValueError:
        return 0.0  # unreadable: stale, fetched again
