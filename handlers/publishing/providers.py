"""The CI providers this index trusts, one module of claim rules each, and which issuer is whose.

Adding a provider is a module with the members of :class:`Rules` and a line in :data:`PROVIDERS`.
The deployment names its issuers in ``OIDC_ISSUERS``, comma-separated: ``PROVIDER=URL`` (e.g.
``gitlab=https://gitlab.example.com`` for a self-managed GitLab) or a bare URL, which is the provider
whose issuer it is (GitHub's, ``https://gitlab.com``, ``https://accounts.google.com``) or else a
GitHub-style issuer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from handlers.publishing import github, gitlab, google
from handlers.publishing.oidc import TokenRequestFailed

if TYPE_CHECKING:
    from handlers.publishing.publisher import Publisher


class Rules(Protocol):
    """What a provider's module holds."""

    NAME: str
    ISSUER: str
    #: True when every token must carry a ``jti`` (each is used once).
    JTI_REQUIRED: bool

    def validate(self, publisher: Publisher) -> None: ...
    def workflow_name(self, text: str) -> str: ...
    def identity(self, publisher: Publisher) -> str: ...
    def subject(self, claims: Mapping[str, Any]) -> str: ...
    def preference(self, claims: Mapping[str, Any], publisher: Publisher) -> tuple[bool, ...]: ...
    def check(self, claims: Mapping[str, Any], publisher: Publisher, issuer: str) -> None: ...


PROVIDERS: dict[str, Rules] = {"github": github, "gitlab": gitlab, "google": google}
#: Issuers trusted when the deployment names none: each provider's public one.
DEFAULT_ISSUERS: dict[str, str] = {rules.ISSUER: name for name, rules in PROVIDERS.items()}


def parse_issuers(text: str) -> dict[str, str]:
    """``issuer URL -> provider`` from ``OIDC_ISSUERS`` (the defaults when it names none).

    >>> parse_issuers("gitlab=https://git.example.com/, https://issuer.example")
    {'https://git.example.com': 'gitlab', 'https://issuer.example': 'github'}
    """
    found: dict[str, str] = {}
    for entry in (e.strip() for e in text.split(",")):
        if not entry:
            continue
        name, equals, url = entry.partition("=")
        if not equals or "://" in name:
            url = entry
            name = DEFAULT_ISSUERS.get(entry.rstrip("/"), "github")
        name = name.strip().lower()
        if name not in PROVIDERS:
            raise ValueError(f"OIDC_ISSUERS: unknown provider {name!r} in {entry!r}")
        found[url.strip().rstrip("/")] = name
    return found or dict(DEFAULT_ISSUERS)


def match(claims: Mapping[str, Any], candidates: list[Publisher], rules: Rules, issuer: str) -> Publisher:
    """The first publisher the claims satisfy, most specific first; else the closest one's refusal."""
    if not candidates:
        raise TokenRequestFailed(
            "invalid-publisher",
            f"no trusted publisher for {rules.NAME} identity {rules.subject(claims)[:200]!r}: "
            "an operator adds one with `python -m admin publisher add`",
        )
    first: TokenRequestFailed | None = None
    for publisher in sorted(candidates, key=lambda p: rules.preference(claims, p)):
        try:
            rules.check(claims, publisher, issuer)
        except TokenRequestFailed as error:
            first = first or error
            continue
        return publisher
    assert first is not None
    raise first
