"""The pure part of trusted publishing: publisher records, GitHub's claim rules, token checks, and
the dev server's routing and options for it."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from devserver import gateway
from devserver.__main__ import parse_args
from handlers.publishing import github, oidc, providers
from handlers.publishing.github import workflow_of
from handlers.publishing.oidc import TokenRequestFailed
from handlers.publishing.publisher import Publisher, new_publisher

REPO = "Octo/Repo"
KEY = rsa.generate_private_key(65537, 2048)


def claims(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "repository": "octo/repo",
        "repository_owner_id": "7",
        "job_workflow_ref": "octo/repo/.github/workflows/release.yml@refs/tags/v1",
        "event_name": "push",
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def check_claims(claims: dict[str, Any], publisher: Publisher) -> None:
    github.check(claims, publisher, oidc.GITHUB_ISSUER)


def match(claims: dict[str, Any], candidates: list[Publisher]) -> Publisher:
    return providers.match(claims, candidates, github, oidc.GITHUB_ISSUER)


def publisher(**changes: Any) -> Publisher:
    arguments: dict[str, Any] = {
        "repository": REPO,
        "workflow": "release.yml",
        "projects": ("pkg",),
        **changes,
    }
    return new_publisher(**arguments)


def test_round_trip_and_a_stable_id() -> None:
    original = publisher(environment="pypi", repository_owner_id="7")
    assert Publisher.from_json(original.to_json()) == original
    assert original.ident == publisher(environment="pypi", repository_owner_id="7").ident
    assert original.ident != publisher(environment="other").ident


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({}, None),
        ({"repository": "OCTO/REPO"}, None),  # case-insensitive
        ({"repository": "octo/other"}, "repository"),
        ({"event_name": "pull_request_target"}, "pull_request_target"),
        ({"job_workflow_ref": "octo/repo/.github/workflows/ci.yml@refs/heads/main"}, "publisher names"),
        ({"job_workflow_ref": "evil/repo/.github/workflows/release.yml@refs/heads/main"}, "publisher names"),
        ({"job_workflow_ref": None}, "job_workflow_ref"),
    ],
)
def test_github_claim_rules(changes: dict[str, Any], says: str | None) -> None:
    if says is None:
        check_claims(claims(**changes), publisher())
    else:
        with pytest.raises(TokenRequestFailed, match=says):
            check_claims(claims(**changes), publisher())


def test_environment_and_owner_id_only_when_recorded() -> None:
    check_claims(claims(environment="anything"), publisher())
    with pytest.raises(TokenRequestFailed, match="requires environment 'pypi'"):
        check_claims(claims(), publisher(environment="pypi"))
    with pytest.raises(TokenRequestFailed, match="ran in environment 'staging'"):
        check_claims(claims(environment="staging"), publisher(environment="pypi"))
    check_claims(claims(environment="PyPI"), publisher(environment="pypi"))
    with pytest.raises(TokenRequestFailed, match="owner id"):
        check_claims(claims(repository_owner_id="8"), publisher(repository_owner_id="7"))


def test_match_shows_the_refusal_of_the_tokens_own_workflow() -> None:
    other = publisher(workflow="other.yml")
    strict = publisher(environment="pypi")
    with pytest.raises(TokenRequestFailed, match="requires environment"):
        match(claims(), [other, strict])
    with pytest.raises(TokenRequestFailed, match="no trusted publisher"):
        match(claims(), [])
    assert match(claims(environment="pypi"), [other, strict]) == strict


def test_workflow_of() -> None:
    assert workflow_of({"job_workflow_ref": "o/r/.github/workflows/a.yml@refs/heads/x"}) == ("o/r", "a.yml")
    assert workflow_of({"job_workflow_ref": "o/r/.github/workflows/sub/a.yml@x"}) is None
    assert workflow_of({"job_workflow_ref": "o/r/a.yml@x"}) is None
    assert workflow_of({}) is None


def test_namespaces_cover_the_prefix_and_dash_children_only() -> None:
    acme = publisher(projects=(), namespace="Acme")
    assert acme.namespace == "acme"
    assert acme.covers("acme") and acme.covers("acme-x")  # type: ignore[arg-type]
    assert not acme.covers("acmex") and not acme.covers("x-acme")  # type: ignore[arg-type]
    with pytest.raises(oidc.InvalidPublisher):
        publisher(namespace="acme")  # both projects and a namespace


def _token(**changes: Any) -> str:
    """A token signed by KEY; ``exp_in`` and ``nbf_in`` are seconds from now (computed when run)."""
    now = int(time.time())
    payload = {"iss": "https://i.example", "aud": "aud", "iat": now, "exp": now + 60}
    for name in ("exp", "nbf"):
        if f"{name}_in" in changes:
            payload[name] = now + changes.pop(f"{name}_in")
    payload.update(changes)
    return jwt.encode({k: v for k, v in payload.items() if v is not None}, KEY, algorithm="RS256")


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"exp_in": -31}, "expired"),
        ({"exp_in": -20}, None),  # within the 30 s leeway
        ({"nbf_in": 60}, "not valid"),
        ({"iat": None}, "iat"),
        ({"aud": "other"}, "wrong audience"),
        ({"aud": ["aud", "x"]}, "audience"),
        ({"iss": "https://other.example"}, "not valid"),
    ],
)
def test_verify(changes: dict[str, Any], says: str | None) -> None:
    token = _token(**changes)
    if says is None:
        assert (
            oidc.verify(token, KEY.public_key(), issuer="https://i.example", audience="aud")["aud"] == "aud"
        )
    else:
        with pytest.raises(TokenRequestFailed, match=says):
            oidc.verify(token, KEY.public_key(), issuer="https://i.example", audience="aud")


def test_issuers_are_matched_exactly() -> None:
    with pytest.raises(TokenRequestFailed, match="unknown issuer"):
        oidc.issuer_of({"iss": "https://token.actions.githubusercontent.com.evil"}, providers.DEFAULT_ISSUERS)
    assert oidc.issuer_of({"iss": oidc.GITHUB_ISSUER}, providers.DEFAULT_ISSUERS) == oidc.GITHUB_ISSUER


def test_the_gateway_routes_the_exchange_at_the_host_root_only() -> None:
    route = gateway.match("POST", "/_/oidc/mint-token")
    assert route is not None and route.resource == "/oidc/mint-token" and route.package is None
    assert gateway.match("GET", "/_/oidc/mint-token") is None  # wrong method: a missing route
    assert gateway.match("GET", "/_/oidc/other") is None
    inside = gateway.match("GET", "/simple/oidc/audience")
    assert inside is not None and inside.resource == gateway.PACKAGE_RESOURCE  # a project named oidc


def test_dev_server_options() -> None:
    options = parse_args(["--oidc-issuer", "http://127.0.0.1:9/", "--tls-cert", "c", "--tls-key", "k"])
    assert options.oidc_issuers == ("http://127.0.0.1:9",)
    assert options.tls_cert is not None and options.tls_key is not None
    with pytest.raises(SystemExit):
        parse_args(["--oidc-issuer", "http://issuer.example"])  # plain http only on loopback
    with pytest.raises(SystemExit):
        parse_args(["--tls-cert", "c"])
