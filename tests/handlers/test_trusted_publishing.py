"""The token exchange in the API handler against moto: minting, expiry on an injected clock, burn,
namespaces, malformed requests (always a 4xx), the key cache, and routing by API Gateway resource.
"""

from __future__ import annotations

import json
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from handlers import layout
from handlers.auth import minted
from handlers.auth.tokens import hash_token
from handlers.aws.storage import Storage
from handlers.publishing import jwks
from handlers.publishing.oidc import GITHUB_ISSUER, TokenRequestFailed
from handlers.publishing.publisher import Publisher, new_publisher
from handlers.publishing.publishers import PublisherStore
from testkit.oidc import REPOSITORY, WORKFLOW, FakeCI
from tests.support.exchange import exchange, mint, upload
from tests.support.moto import Index
from tests.support.proxy import body_of

AUDIENCE = "test-audience"
ISSUER = "https://ci.example"


@pytest.fixture
def ci(index: Index, monkeypatch: pytest.MonkeyPatch) -> FakeCI:
    """A fake CI whose keys the handler fetches from memory; trusted publishing on."""
    fake = FakeCI(url=ISSUER)
    documents = {
        f"{ISSUER}/.well-known/openid-configuration": {"issuer": ISSUER, "jwks_uri": f"{ISSUER}/keys"},
        f"{ISSUER}/keys": fake.jwks(),
    }
    monkeypatch.setattr(jwks, "cache", jwks.KeyCache(fetch=lambda url: json.dumps(documents[url]).encode()))
    monkeypatch.setenv("OIDC_AUDIENCE", AUDIENCE)
    monkeypatch.setenv("OIDC_ISSUERS", f"{GITHUB_ISSUER},{ISSUER}")
    return fake


def add_publisher(index: Index, **changes: Any) -> Publisher:
    arguments: dict[str, Any] = {
        "repository": REPOSITORY,
        "workflow": WORKFLOW,
        "projects": ("octo-pkg",),
        "issuer": ISSUER,
        **changes,
    }
    publisher = new_publisher(**arguments)
    assert PublisherStore(Storage(index.s3, index.bucket)).add(publisher)
    return publisher


def test_audience_is_403_when_trusted_publishing_is_off(index: Index) -> None:
    response = exchange("/oidc/audience", None, "GET")
    assert response["statusCode"] == 403
    status, body = mint("x.y.z")
    assert status == 422 and body["errors"][0]["code"] == "not-enabled"


def test_audience(ci: FakeCI) -> None:
    response = exchange("/oidc/audience", None, "GET")
    assert response["statusCode"] == 200
    assert json.loads(body_of(response)) == {"audience": AUDIENCE}


def test_a_minted_token_uploads_its_projects_only_and_expires_after_15_minutes(
    index: Index, ci: FakeCI, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_publisher(index)
    now = 1_900_000_000.0
    monkeypatch.setattr(minted, "clock", lambda: now)
    status, body = mint(ci.sign(ci.claims(AUDIENCE)))
    assert status == 200 and body["success"] is True and body["expires"] == int(now) + 900
    token = body["token"]
    assert upload(token, "other-pkg") == 403
    assert upload(token) == 200
    monkeypatch.setattr(minted, "clock", lambda: now + 899)
    assert upload(token) == 200  # the identical file again: still allowed
    monkeypatch.setattr(minted, "clock", lambda: now + 900)
    assert upload(token) == 401


def test_a_burned_token_is_refused_at_once(index: Index, ci: FakeCI) -> None:
    add_publisher(index)
    token = mint(ci.sign(ci.claims(AUDIENCE)))[1]["token"]
    assert upload(token) == 200
    burned = exchange("/oidc/burn-token", json.dumps({"token": token}).encode())
    assert burned["statusCode"] == 202
    assert upload(token) == 401
    # Burning again, or burning an operator's token, changes nothing and is no error.
    assert exchange("/oidc/burn-token", json.dumps({"token": token}).encode())["statusCode"] == 202


def test_a_namespace_publisher_covers_the_prefix_and_its_dash_children(index: Index, ci: FakeCI) -> None:
    add_publisher(index, projects=(), namespace="acme")
    token = mint(ci.sign(ci.claims(AUDIENCE)))[1]["token"]
    assert upload(token, "acme") == 200
    assert upload(token, "acme-tools") == 200
    assert upload(token, "acmetools") == 403


def test_a_stored_minted_record_that_lives_too_long_is_never_honoured(index: Index) -> None:
    token = minted.MINTED_PREFIX + "forged"
    record = minted.MintedRecord("forged", ("upload",), expires=2_000_000_000, created=1, namespaces=("a",))
    index.put(layout.minted_token_key(hash_token(token)), record.to_json())
    assert upload(token, "a") == 401


@pytest.mark.parametrize(
    "body",
    [b"", b"not json", b"[]", b'{"token": 5}', b'{"token": ""}', b'{"token": "not-a-jwt"}', b"\xff\xfe"],
)
def test_malformed_exchanges_are_422_never_5xx(ci: FakeCI, body: bytes) -> None:
    response = exchange("/oidc/mint-token", body)
    assert response["statusCode"] == 422, body_of(response)
    assert json.loads(body_of(response))["errors"][0]["code"] == "invalid-payload"
    assert exchange("/oidc/burn-token", body)["statusCode"] in (202, 422)


def test_only_rs256_is_accepted(index: Index, ci: FakeCI) -> None:
    add_publisher(index)
    hs = jwt.encode(
        ci.claims(AUDIENCE), "secret-of-32-bytes-at-the-least!", algorithm="HS256", headers={"kid": "k"}
    )
    status, body = mint(hs)
    assert status == 422 and "only RS256" in body["errors"][0]["description"]


def test_a_recorded_owner_id_must_match(index: Index, ci: FakeCI) -> None:
    add_publisher(index, repository_owner_id="1")
    status, body = mint(ci.sign(ci.claims(AUDIENCE)))
    assert status == 422 and "owner id" in body["errors"][0]["description"]


def test_the_repository_is_compared_without_case(index: Index, ci: FakeCI) -> None:
    add_publisher(index, repository=REPOSITORY.upper())
    status, _ = mint(ci.sign(ci.claims(AUDIENCE)))
    assert status == 200


def test_the_wrong_method_is_a_405(ci: FakeCI) -> None:
    assert exchange("/oidc/mint-token", None, "GET")["statusCode"] == 405


def test_a_project_named_oidc_is_routed_to_the_index(index: Index, ci: FakeCI) -> None:
    response = index.get("/oidc/audience")  # resource /{package+}: the index's own API
    assert response["statusCode"] != 200 or b"audience" not in body_of(response)


def test_unknown_kids_refetch_the_keys_at_most_once_a_minute() -> None:
    fetched: list[str] = []
    now = [1000.0]
    fake = FakeCI(url=ISSUER)

    def fetch(url: str) -> bytes:
        fetched.append(url)
        document = {"jwks_uri": f"{ISSUER}/keys"} if "well-known" in url else fake.jwks()
        return json.dumps(document).encode()

    cache = jwks.KeyCache(fetch=fetch, clock=lambda: now[0])
    assert cache.key(ISSUER, "test-key-1") is not None
    assert len(fetched) == 2
    cache.key(ISSUER, "test-key-1")  # known: no fetch
    for _ in range(5):
        with pytest.raises(TokenRequestFailed, match="no signing key"):
            cache.key(ISSUER, "rotated")
    assert len(fetched) == 2  # fetched less than a minute ago: a forged kid costs the issuer nothing
    now[0] += 61
    with pytest.raises(TokenRequestFailed, match="no signing key"):
        cache.key(ISSUER, "rotated")
    assert len(fetched) == 4  # one refresh after the minute
    with pytest.raises(TokenRequestFailed):
        cache.key(ISSUER, "rotated")
    assert len(fetched) == 4


def test_keys_are_fetched_over_https_only_except_on_loopback() -> None:
    with pytest.raises(TokenRequestFailed, match="https"):
        jwks.fetch_url("http://issuer.example/.well-known/openid-configuration")


def test_a_token_signed_by_another_key_with_a_known_kid_is_a_bad_signature(index: Index, ci: FakeCI) -> None:
    add_publisher(index)
    status, body = mint(ci.sign(ci.claims(AUDIENCE), key=rsa.generate_private_key(65537, 2048)))
    assert status == 422 and body["errors"][0]["description"].startswith("bad signature")


def test_publishers_are_not_readable_as_projects_and_remove_works(index: Index) -> None:
    publisher = add_publisher(index)
    store = PublisherStore(Storage(index.s3, index.bucket))
    assert [p.ident for p in store.list()] == [publisher.ident]
    assert not store.add(publisher)  # the very same one: no second record
    assert store.remove(publisher.ident) == 1
    assert store.list() == []
