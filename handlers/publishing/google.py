"""Google Cloud's claim rules (Warehouse's ``warehouse/oidc/models/google.py``).

A publisher is a service account's email and optionally the token's ``sub``. The token's ``email``
equals the publisher's exactly, ``email_verified`` is ``true``, and ``sub`` equals the publisher's
when it names one. Google's identity tokens carry no ``jti``: they mint without one (a ``jti``, when
present, is still used only once).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from handlers.publishing.oidc import GOOGLE_ISSUER, InvalidPublisher, TokenRequestFailed, ascii_claim, claim

if TYPE_CHECKING:
    from handlers.publishing.publisher import Publisher

NAME = "google"
ISSUER = GOOGLE_ISSUER
JTI_REQUIRED = False
_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,255}$")
_SUB = re.compile(r"^[\x21-\x7e]{1,255}$")


def validate(publisher: Publisher) -> None:
    """Refuse a record whose fields Google's tokens could never carry."""
    if not _EMAIL.match(publisher.repository):
        raise InvalidPublisher(f"--email must be a service account's email, not {publisher.repository!r}")
    if publisher.sub is not None and not _SUB.match(publisher.sub):
        raise InvalidPublisher(f"--sub {publisher.sub!r} is not a Google subject")
    if publisher.workflow or publisher.environment is not None or publisher.repository_owner_id is not None:
        raise InvalidPublisher("Google Cloud publishers name an --email and optionally a --sub, nothing else")


def workflow_name(text: str) -> str:
    """Google names no workflow."""
    return text


def identity(publisher: Publisher) -> str:
    """What ``publisher list`` shows of the CI identity."""
    return publisher.repository + (f" sub {publisher.sub}" if publisher.sub else "")


def subject(claims: Mapping[str, Any]) -> str:
    """The ``email`` claim, by which the exchange finds the candidate publishers."""
    email = ascii_claim(claims, "email")
    if email is None:
        raise TokenRequestFailed("invalid-publisher", "the token names no service account (email)")
    return email


def preference(claims: Mapping[str, Any], publisher: Publisher) -> tuple[bool, ...]:
    """A publisher that names the token's ``sub`` before one that names none (Warehouse's order)."""
    return (publisher.sub is None,)


def check(claims: Mapping[str, Any], publisher: Publisher, issuer: str) -> None:
    """Refuse unless the token's Google claims match ``publisher``."""
    email = subject(claims)
    if email != publisher.repository:
        raise TokenRequestFailed(
            "invalid-publisher", f"the token is for {email[:200]!r}, not {publisher.repository}"
        )
    if claims.get("email_verified") is not True:
        raise TokenRequestFailed("invalid-publisher", "the token's email is not verified (email_verified)")
    if publisher.sub is not None and claim(claims, "sub") != publisher.sub:
        raise TokenRequestFailed(
            "invalid-publisher", f"the token's sub is not the publisher's {publisher.sub!r}"
        )
