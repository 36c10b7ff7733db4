"""The trusted publishing exchange, ``/_/oidc/*`` at the host root (docs/trusted-publishing.md).

* ``GET /_/oidc/audience`` -> ``{"audience": …}``; 403 when trusted publishing is off.
* ``POST /_/oidc/mint-token`` (and the old action's ``/_/oidc/github/mint-token``) with
  ``{"token": "<OIDC JWT>"}`` -> 200 ``{"success": true, "token": …, "expires": <unix>}``, or 422
  ``{"message": "Token request failed", "errors": [{"code": …, "description": …}]}``.
* ``POST /_/oidc/burn-token`` with ``{"token": …}`` -> 202: the minted token stops working at once.
* ``GET /.well-known/pytp/<key>`` -> PEP 807's discovery document (``discovery``).

Every refusal carries PEP 807's (PyPI's) error body: ``{"message": …, "errors": [{"code": …,
"description": …}]}``. Which provider's claim rules apply is the configured issuer's (``providers``).

Routed here by the API Gateway resource (``/oidc/…`` exists only on the exchange's own REST API), so
a project named ``oidc`` on the index stays a project. PyJWT and cryptography load only here.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any

from handlers import contract
from handlers.aws.storage import Storage
from handlers.web.http import Request, Response

log = logging.getLogger(__name__)
_MAX_BODY = 64 * 1024


def _json(status: int, body: dict[str, Any]) -> Response:
    return Response(
        status,
        json.dumps(body).encode(),
        {
            "Content-Type": "application/json",
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


def audience() -> str | None:
    """The configured audience, or None when trusted publishing is off."""
    return os.environ.get(contract.ENV_OIDC_AUDIENCE, "").strip() or None


def issuers() -> dict[str, str]:
    """The trusted issuers and the provider of each (each provider's public issuer unless configured)."""
    from handlers.publishing.providers import parse_issuers

    return parse_issuers(os.environ.get(contract.ENV_OIDC_ISSUERS, ""))


def _refusal(status: int, code: str, description: str, message: str) -> Response:
    return _json(status, {"message": message, "errors": [{"code": code, "description": description}]})


def route(request: Request, resource: str, storage: Storage) -> Response:
    """Answer one request to an exchange resource; every refusal is a 4xx."""
    method = contract.OIDC_ROUTES.get(resource)
    if method is None or request.method != method:
        allowed = method or "none"
        return _refusal(
            405, "method-not-allowed", f"this resource answers {allowed} only", "Method Not Allowed"
        )
    if resource == contract.DISCOVERY_RESOURCE:
        from handlers.publishing import discovery

        return discovery.answer(request, enabled=audience() is not None)
    if resource == "/oidc/audience":
        found = audience()
        if found is None:
            return _refusal(
                403, "not-enabled", "trusted publishing is not enabled on this index", "Forbidden"
            )
        return _json(200, {"audience": found})
    if resource == "/oidc/burn-token":
        return _burn(request, storage)
    return _mint(request, storage)


def _token_field(request: Request) -> str:
    from handlers.publishing.oidc import TokenRequestFailed

    if len(request.body) > _MAX_BODY:
        raise TokenRequestFailed("invalid-payload", "the request body is too large")
    try:
        payload = json.loads(request.body)
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        # RecursionError: deeply nested JSON (``{"token": [[[[…``) is not a body this route takes.
        raise TokenRequestFailed("invalid-payload", 'the body must be JSON: {"token": "…"}') from error
    token = payload.get("token") if isinstance(payload, dict) else None
    if not isinstance(token, str) or not token:
        raise TokenRequestFailed("invalid-payload", 'the body must be JSON with a "token" string')
    return token


def _mint(request: Request, storage: Storage) -> Response:
    from handlers.auth import minted
    from handlers.publishing import jwks, oidc, providers
    from handlers.publishing.publishers import PublisherStore

    try:
        expected = audience()
        if expected is None:
            raise oidc.TokenRequestFailed("not-enabled", "trusted publishing is not enabled on this index")
        token = _token_field(request)
        header, unverified = oidc.unverified(token)
        trusted = issuers()
        issuer = oidc.issuer_of(unverified, trusted)  # as configured: the key cache's only spellings
        if header.get("alg") not in oidc.ALGORITHMS:
            raise oidc.TokenRequestFailed(
                "invalid-token",
                f"the token is signed with {str(header.get('alg'))[:20]!r}; only RS256 is accepted",
            )
        kid = header.get("kid")
        key = jwks.cache.key(issuer, kid if isinstance(kid, str) else None)
        claims = oidc.verify(token, key, issuer=issuer, audience=expected)
        rules = providers.PROVIDERS[trusted[issuer]]
        jti = claims.get("jti")
        if (rules.JTI_REQUIRED or jti is not None) and (not isinstance(jti, str) or not jti):
            raise oidc.TokenRequestFailed("invalid-token", "the token has no jti (it could be replayed)")
        subject = rules.subject(claims)  # refuses a non-ASCII name before any lookup
        try:
            found = PublisherStore(storage).of(issuer, subject)
        except ValueError:
            found = []
        candidates = [p for p in found if p.provider == rules.NAME]
        publisher = providers.match(claims, candidates, rules, issuer)
        if isinstance(jti, str) and not _claim_jti(storage, issuer, jti):
            raise oidc.TokenRequestFailed(
                "invalid-token", "this token was used already (replayed jti): request a fresh one"
            )
        upload_token, expires = minted.mint(
            storage,
            name=f"oidc {publisher.provider} {publisher.repository} {publisher.workflow}".rstrip(),
            projects=publisher.projects,
            namespace=publisher.namespace,
            publisher=publisher.ident,
        )
    except oidc.TokenRequestFailed as error:
        log.info("token exchange refused: %s %s", error.code, error.description[:300])
        return _json(422, oidc.error_body(error))
    log.info("token exchange: minted an upload token for publisher %s (%s)", publisher.ident, subject)
    return _json(200, {"success": True, "token": upload_token, "expires": expires})


def _claim_jti(storage: Storage, issuer: str, jti: str) -> bool:
    """Mark an OIDC token as used (S3 conditional create); False when it was used before."""
    from handlers import layout
    from handlers.aws.storage import PreconditionFailed

    try:
        storage.put(layout.jti_key(issuer, jti), b"", content_type="text/plain", if_none_match=True)
    except PreconditionFailed:
        return False
    return True


def _burn(request: Request, storage: Storage) -> Response:
    from handlers.auth import minted
    from handlers.publishing import oidc

    try:
        token = _token_field(request)
    except oidc.TokenRequestFailed as error:
        return _json(422, oidc.error_body(error))
    minted.burn(storage, token)
    return _json(202, {"success": True})
