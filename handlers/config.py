"""Configuration from the environment, with the original Terraform module's names.

Read on every invocation (a handful of dictionary look-ups): a test or the dev server may change the
environment between calls, and a Lambda's environment never changes under it anyway.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from handlers.contract import (
    DEFAULT_PRESIGNED_URL_TTL,
    ENV_BUCKET,
    ENV_FALLBACK_INDEX_URL,
    ENV_PRESIGNED_URL_TTL,
    ENV_PUBLIC_READ,
    ENV_REINDEX_QUEUE_URL,
    ENV_UPLOADS_ENABLED,
    MAX_PRESIGNED_URL_TTL,
    MIN_PRESIGNED_URL_TTL,
)

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
    return Settings(
        bucket=bucket,
        presigned_url_ttl=ttl,
        fallback_index_url=fallback,
        public_read=env.get(ENV_PUBLIC_READ, "true").strip().lower() in _TRUE,
        uploads_enabled=env.get(ENV_UPLOADS_ENABLED, "true").strip().lower() in _TRUE,
        reindex_queue_url=env.get(ENV_REINDEX_QUEUE_URL, "").strip() or None,
    )
