"""What the component, the dev server and the handlers agree on, spelled once (pure).

The component sets these environment variables and wires the queue with these numbers; the dev server
plays the same deployment; the handlers read them. Lives in ``handlers/`` because only this folder
ships to Lambda, and the other two can import it from here.
"""

from __future__ import annotations

from typing import Final

# -- environment of the functions (the original Terraform module's names where it had them) ---------
#: The bucket that holds the packages (both functions; required).
ENV_BUCKET: Final = "S3_BUCKET"
#: Seconds a presigned download URL stays valid (API).
ENV_PRESIGNED_URL_TTL: Final = "S3_PRESIGNED_URL_TTL"
#: Where projects the bucket does not hold are redirected, e.g. ``https://pypi.org/simple/`` (API).
ENV_FALLBACK_INDEX_URL: Final = "FALLBACK_INDEX_URL"
#: ``redirect`` (default) or ``proxy``: how a name the bucket neither holds nor reserves is answered (API).
ENV_FALLBACK_MODE: Final = "FALLBACK_MODE"
#: Proxy mode: days a file must have been public upstream before it is listed; 0 = off (API).
ENV_MIN_RELEASE_AGE_DAYS: Final = "MIN_RELEASE_AGE_DAYS"
#: Proxy mode: names never served from upstream, comma-separated (API).
ENV_FALLBACK_DENY: Final = "FALLBACK_DENY"
#: Proxy mode: when set, the only names served from upstream, comma-separated (API).
ENV_FALLBACK_ALLOW: Final = "FALLBACK_ALLOW"
#: Proxy mode: seconds a cached upstream page is served before it is fetched again (API).
ENV_FALLBACK_CACHE_SECONDS: Final = "FALLBACK_CACHE_SECONDS"
#: ``true``: reads need no token (API).
ENV_PUBLIC_READ: Final = "PUBLIC_READ"
#: ``true``: ``POST /`` accepts uploads (API).
ENV_UPLOADS_ENABLED: Final = "UPLOADS_ENABLED"
#: The reindexer's own queue: a rebuild fans out one message per project (reindexer).
ENV_REINDEX_QUEUE_URL: Final = "REINDEX_QUEUE_URL"

#: Trusted publishing: the audience CI tokens must name; unset or empty: trusted publishing is off (API).
ENV_OIDC_AUDIENCE: Final = "OIDC_AUDIENCE"
#: Trusted publishing: the issuers whose tokens are accepted, comma-separated (API; default GitHub's).
ENV_OIDC_ISSUERS: Final = "OIDC_ISSUERS"

#: What the API function is given, and what the reindexer is given.
API_ENVIRONMENT: Final = (
    ENV_BUCKET,
    ENV_PRESIGNED_URL_TTL,
    ENV_FALLBACK_INDEX_URL,
    ENV_PUBLIC_READ,
    ENV_UPLOADS_ENABLED,
    ENV_FALLBACK_MODE,
    ENV_MIN_RELEASE_AGE_DAYS,
    ENV_FALLBACK_DENY,
    ENV_FALLBACK_ALLOW,
    ENV_FALLBACK_CACHE_SECONDS,
)
REINDEX_ENVIRONMENT: Final = (ENV_BUCKET, ENV_REINDEX_QUEUE_URL)

# -- limits ------------------------------------------------------------------------------------------
#: Presigned URL lifetime: the default, and SigV4's bounds (7 days at most).
DEFAULT_PRESIGNED_URL_TTL: Final = 900
MIN_PRESIGNED_URL_TTL: Final = 1
MAX_PRESIGNED_URL_TTL: Final = 7 * 24 * 3600

# -- the fallback index (issue 23: a caching proxy with a minimum release age) ----------------------
#: What ``fallbackMode`` may be: a 302 to the fallback index, or its pages fetched, filtered and cached.
FALLBACK_MODES: Final = ("redirect", "proxy")
DEFAULT_FALLBACK_MODE: Final = "redirect"
#: Seconds a cached upstream page stays fresh by default (any value >= 1 is allowed).
DEFAULT_FALLBACK_CACHE_SECONDS: Final = 600
#: Seconds the API waits for the upstream to connect or send more bytes (each), and for its whole page.
UPSTREAM_TIMEOUT: Final = 5
UPSTREAM_DEADLINE: Final = 12

# -- the reindex queue -------------------------------------------------------------------------------
#: Messages handed to one reindex invocation (SQS event source mapping, and the dev server's poller).
REINDEX_BATCH_SIZE: Final = 10
#: Deliveries of a message before it goes to the dead-letter queue.
MAX_RECEIVE_COUNT: Final = 5

# -- trusted publishing: served at the host root, ``/_/oidc/*`` -----------------------------------
#: The custom domain's base path the exchange API is mapped to (clients drop the publish URL's path).
OIDC_BASE_PATH: Final = "_"
#: The exchange's resources below that base path, and the method of each.
OIDC_ROUTES: Final = {
    "/oidc/audience": "GET",
    "/oidc/mint-token": "POST",
    "/oidc/github/mint-token": "POST",
    "/oidc/burn-token": "POST",
    "/pytp/{key}": "GET",
}
#: PEP 807 discovery, ``GET https://HOST/.well-known/pytp/<key>``: the same API mapped at this base path
#: too (its ``/pytp/{key}`` resource; ``/_/pytp/…`` answers the same).
DISCOVERY_BASE_PATH: Final = ".well-known"
DISCOVERY_RESOURCE: Final = "/pytp/{key}"
#: The paths this index takes uploads on, below the custom domain (its index API's base path).
UPLOAD_PATHS: Final = ("/simple/",)

# -- PEP 740 provenance: PyPI's Integrity API at the host root, ``/integrity/*`` --------------------
#: The custom domain's base path the Integrity API's own REST API is mapped to.
INTEGRITY_BASE_PATH: Final = "integrity"
#: Its one resource below that base path (GET and HEAD); the event's ``path`` carries the base path.
INTEGRITY_RESOURCE: Final = "/{project}/{version}/{filename}/provenance"
#: sigstore keeps its trust root under HOME / XDG folders; Lambda's only writable folder is /tmp (a
#: function's own, never shared), so S108's shared-temp worry does not apply.
_LAMBDA_TMP: Final = "/tmp"  # noqa: S108
SIGSTORE_ENVIRONMENT: Final = {
    "HOME": _LAMBDA_TMP,
    "XDG_CACHE_HOME": f"{_LAMBDA_TMP}/.cache",
    "XDG_DATA_HOME": f"{_LAMBDA_TMP}/.local/share",
}

# -- the web view: served at the host root, ``/project/*`` ---------------------------------------
#: The custom domain's base path of the web view's own REST API, and that API's stage (the same
#: name, so the dev server's ``/project/`` and the domain's are one path). The API function tells a
#: view's event by this stage.
VIEWS_BASE_PATH: Final = "project"
VIEWS_STAGE: Final = "project"
#: The web view API's proxy resource below its root ``/``.
VIEWS_RESOURCE: Final = "/{view+}"
