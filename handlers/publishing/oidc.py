"""Trusted publishing, the pure part: OIDC token verification and what every provider's claim rules
share (each provider's rules live in its own module, ``github``, ``gitlab``, ``google``, brought
together by ``providers``; the publisher record is ``publisher``).

Warehouse (``warehouse/oidc/``) is the reference: RS256 only; ``iss``, ``aud`` (exactly one),
``iat`` and ``exp`` required, ``nbf`` checked when present, 30 s of leeway. Every refusal is a
:class:`TokenRequestFailed` carrying the code and description of the 422 body the clients show.
Names CI providers compare without case are compared in ASCII only, and a non-ASCII name is refused:
``str.lower()`` folds U+212A (Kelvin sign) to ``k``, which would let one name pass for another.

Imported only by the token exchange: PyJWT and cryptography never load on a page read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jwt

GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
GITLAB_ISSUER = "https://gitlab.com"
GOOGLE_ISSUER = "https://accounts.google.com"
ALGORITHMS = ["RS256"]
LEEWAY = 30
REQUIRED_CLAIMS = ["iss", "aud", "iat", "exp"]
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


class TokenRequestFailed(Exception):
    """A refused exchange: the 422 body's ``code`` and ``description`` (what to fix)."""

    def __init__(self, code: str, description: str):
        super().__init__(f"{code}: {description}")
        self.code = code
        self.description = description


class InvalidPublisher(ValueError):
    """A publisher record an operator cannot store (the message names the field)."""


def fold(text: str) -> str:
    """Lower-case ``A``-``Z`` only: a case-insensitive comparison that no other letter can pass.

    >>> fold("Octo-P\\u212aG") == "octo-p\\u212ag"
    True
    """
    return text.translate(_ASCII_LOWER)


# -- tokens -------------------------------------------------------------------------------------
def unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The header and claims of a JWT before any check (to pick the issuer and the key)."""
    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
    except (jwt.PyJWTError, RecursionError, ValueError) as error:
        # RecursionError: a header or payload of deeply nested JSON (json.loads gives up).
        raise TokenRequestFailed("invalid-payload", f"the token is not a JWT: {str(error)[:200]}") from error
    if not isinstance(claims, dict):
        raise TokenRequestFailed("invalid-payload", "the token's claims are not a JSON object")
    return header, claims


def issuer_of(claims: Mapping[str, Any], trusted: Mapping[str, str] | tuple[str, ...]) -> str:
    """The configured issuer the token's ``iss`` names (spelled as configured), else a refusal.

    ``iss`` must be a configured issuer, or one with a single trailing ``/``: every other spelling is
    refused here, before any key is fetched, so no spelling can buy another fetch at the issuer.
    """
    issuer = claims.get("iss")
    if not isinstance(issuer, str) or not issuer:
        raise TokenRequestFailed("invalid-token", "the token has no issuer (iss)")
    for configured in trusted:
        if issuer in (configured, configured + "/"):
            return configured
    raise TokenRequestFailed(
        "invalid-token",
        f"unknown issuer {issuer[:200]!r}: this index trusts tokens of {', '.join(trusted)} only",
    )


def verify(token: str, key: Any, *, issuer: str, audience: str) -> dict[str, Any]:
    """The claims of a token signed by ``key``, after every check of Warehouse; else a refusal."""
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key=key,
            algorithms=ALGORITHMS,
            audience=audience,
            issuer=[issuer, issuer + "/"],
            leeway=LEEWAY,
            options={"require": REQUIRED_CLAIMS, "verify_nbf": True},
        )
    except jwt.ExpiredSignatureError as error:
        raise TokenRequestFailed("invalid-token", "the token has expired: request a fresh one") from error
    except jwt.InvalidAudienceError as error:
        raise TokenRequestFailed(
            "invalid-token", f"wrong audience: ask the CI provider for a token with audience {audience!r}"
        ) from error
    except jwt.InvalidSignatureError as error:
        raise TokenRequestFailed(
            "invalid-token", "bad signature: the token was not signed by its issuer's keys"
        ) from error
    except jwt.PyJWTError as error:
        raise TokenRequestFailed("invalid-token", f"the token is not valid: {error}") from error
    aud = claims.get("aud")
    if isinstance(aud, list) and len(aud) != 1:
        raise TokenRequestFailed("invalid-token", "the token must name exactly one audience")
    return claims


# -- claims -------------------------------------------------------------------------------------
def claim(claims: Mapping[str, Any], name: str) -> str | None:
    """A non-empty string claim, else None."""
    value = claims.get(name)
    return value if isinstance(value, str) and value else None


def ascii_claim(claims: Mapping[str, Any], name: str) -> str | None:
    """A string claim compared as a name: refused when it holds anything but ASCII."""
    value = claim(claims, name)
    if value is not None and not value.isascii():
        raise TokenRequestFailed(
            "invalid-publisher", f"the token's {name} claim is not ASCII: no publisher names one like it"
        )
    return value


def error_body(error: TokenRequestFailed, message: str = "Token request failed") -> dict[str, Any]:
    """PEP 807's (and PyPI's) error body, which uv and pypa/gh-action-pypi-publish show."""
    return {
        "message": message,
        "errors": [{"code": error.code, "description": error.description}],
    }
