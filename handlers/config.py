"""Configuration from the environment, with the original Terraform module's names.

Read on every invocation (a handful of dictionary look-ups): a test or the dev server may change the
environment between calls, and a Lambda's environment never changes under it anyway.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from handlers.contract import (
    DEFAULT_FALLBACK_CACHE_SECONDS,
    DEFAULT_FALLBACK_MODE,
    DEFAULT_PRESIGNED_URL_TTL,
    ENV_BUCKET,
    ENV_FALLBACK_ALLOW,
    ENV_FALLBACK_CACHE_SECONDS,
    ENV_FALLBACK_DENY,
    ENV_FALLBACK_INDEX_URL,
    ENV_FALLBACK_MODE,
    ENV_MIN_RELEASE_AGE_DAYS,
    ENV_PRESIGNED_URL_TTL,
    ENV_PUBLIC_READ,
    ENV_REINDEX_QUEUE_URL,
    ENV_UPLOADS_ENABLED,
    FALLBACK_MODES,
    MAX_PRESIGNED_URL_TTL,
    MIN_PRESIGNED_URL_TTL,
)
from handlers.names import NormalizedName, is_valid_project_name, normalize

_TRUE = {"1", "true", "yes", "on"}


class ConfigurationError(RuntimeError):
    """The deployment is misconfigured (an operator's error, never a client's)."""


@dataclass(frozen=True)
class Settings:
    """What the handlers need to know about their deployment."""

    #: ``S3_BUCKET``: the bucket that holds the packages (required).
    bucket: str
    #: ``S3_PRESIGNED_URL_TTL``: seconds a download URL stays valid.
    presigned_url_ttl: int = DEFAULT_PRESIGNED_URL_TTL
    #: ``FALLBACK_INDEX_URL``: where unknown projects are redirected (e.g. https://pypi.org/simple/).
    fallback_index_url: str | None = None
    #: ``PUBLIC_READ``: reads need no token. Unset means true, as with the original module, whose
    #: handler had no authentication at all: the same environment keeps working for a migrating user.
    #: The component and the dev server always set it (the component to ``false`` by default).
    public_read: bool = True
    #: ``UPLOADS_ENABLED``: ``POST /`` accepts uploads.
    uploads_enabled: bool = True
    #: ``REINDEX_QUEUE_URL``: the reindexer's own queue; a rebuild fans out one message per project.
    reindex_queue_url: str | None = None
    #: ``FALLBACK_MODE``: ``redirect`` (a 302 to the fallback index) or ``proxy`` (its pages, filtered).
    fallback_mode: str = DEFAULT_FALLBACK_MODE
    #: ``MIN_RELEASE_AGE_DAYS``: proxy mode lists only files public upstream this long; 0 = off.
    min_release_age_days: int = 0
    #: ``FALLBACK_DENY``: names never served from upstream (normalized).
    fallback_deny: frozenset[NormalizedName] = frozenset()
    #: ``FALLBACK_ALLOW``: when not None, the only names served from upstream (normalized).
    fallback_allow: frozenset[NormalizedName] | None = None
    #: ``FALLBACK_CACHE_SECONDS``: a cached upstream page older than this is fetched again.
    fallback_cache_seconds: int = DEFAULT_FALLBACK_CACHE_SECONDS

    @property
    def proxy(self) -> bool:
        """True when misses are answered with the fallback's pages, filtered, instead of a 302."""
        return self.fallback_mode == "proxy" and self.fallback_index_url is not None


def load() -> Settings:
    """Settings from ``os.environ``; raises :class:`ConfigurationError` when they are unusable."""
    env = os.environ
    bucket = env.get(ENV_BUCKET, "").strip()
    if not bucket:
        raise ConfigurationError(f"{ENV_BUCKET} is not set")
    ttl_text = env.get(ENV_PRESIGNED_URL_TTL, "").strip() or str(DEFAULT_PRESIGNED_URL_TTL)
    try:
        ttl = int(ttl_text)
    except ValueError as error:
        raise ConfigurationError(f"{ENV_PRESIGNED_URL_TTL} is not a number: {ttl_text!r}") from error
    if not MIN_PRESIGNED_URL_TTL <= ttl <= MAX_PRESIGNED_URL_TTL:
        raise ConfigurationError(
            f"{ENV_PRESIGNED_URL_TTL} must be {MIN_PRESIGNED_URL_TTL} to {MAX_PRESIGNED_URL_TTL} seconds"
        )
    fallback = env.get(ENV_FALLBACK_INDEX_URL, "").strip() or None
    if fallback is not None and not fallback.endswith("/"):
        fallback += "/"
    mode = env.get(ENV_FALLBACK_MODE, "").strip() or DEFAULT_FALLBACK_MODE
    if mode not in FALLBACK_MODES:
        raise ConfigurationError(
            f"{ENV_FALLBACK_MODE} (fallbackMode) must be {' or '.join(FALLBACK_MODES)}, not {mode[:50]!r}"
        )
    allow = env.get(ENV_FALLBACK_ALLOW, "").strip()
    return Settings(
        bucket=bucket,
        presigned_url_ttl=ttl,
        fallback_index_url=fallback,
        public_read=env.get(ENV_PUBLIC_READ, "true").strip().lower() in _TRUE,
        uploads_enabled=env.get(ENV_UPLOADS_ENABLED, "true").strip().lower() in _TRUE,
        reindex_queue_url=env.get(ENV_REINDEX_QUEUE_URL, "").strip() or None,
        fallback_mode=mode,
        min_release_age_days=_integer(env, ENV_MIN_RELEASE_AGE_DAYS, 0, minimum=0),
        fallback_deny=names_of(env.get(ENV_FALLBACK_DENY, ""), ENV_FALLBACK_DENY),
        fallback_allow=names_of(allow, ENV_FALLBACK_ALLOW) if allow else None,
        fallback_cache_seconds=_integer(
            env, ENV_FALLBACK_CACHE_SECONDS, DEFAULT_FALLBACK_CACHE_SECONDS, minimum=1
        ),
    )


def _integer(env: Mapping[str, str], name: str, default: int, *, minimum: int) -> int:
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError as error:
        raise ConfigurationError(f"{name} is not a whole number: {text[:50]!r}") from error
    if value < minimum:
        raise ConfigurationError(f"{name} must be at least {minimum}")
    return value


def names_of(text: str, setting: str) -> frozenset[NormalizedName]:
    """Comma-separated project names, normalized; :class:`ConfigurationError` names a bad one.

    >>> sorted(names_of("Foo.Bar, baz", "FALLBACK_DENY"))
    ['baz', 'foo-bar']
    """
    names = [part.strip() for part in text.split(",") if part.strip()]
    for name in names:
        if not is_valid_project_name(name):
            raise ConfigurationError(f"{setting}: {name[:50]!r} is not a project name")
    return frozenset(normalize(name) for name in names)
