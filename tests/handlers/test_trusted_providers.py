"""Trusted publishing beyond GitHub, in process: GitLab's and Google's claim rules through the
exchange, PEP 807 discovery, and the exchange's hostile inputs (issue 20: deeply nested bodies,
``iss`` spellings that would buy JWKS fetches, Unicode that ``str.lower()`` folds into ASCII)."""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from typing import Any

import pytest

from handlers import api, layout
from handlers.aws.storage import Storage
from handlers.publishing import jwks
from handlers.publishing.oidc import GITHUB_ISSUER
from handlers.publishing.publisher import new_publisher
from handlers.publishing.publishers import PublisherStore
from testkit.oidc import REPOSITORY, WORKFLOW, FakeCI
from tests.support.exchange import exchange, mint, upload
from tests.support.moto import Index
from tests.support.proxy import body_of, proxy_event

AUDIENCE = "test-audience"
GITLAB = "https://gitlab.example.com"
GOOGLE = "https://accounts.google.com"
PROJECT_PATH = "octo-group/sub/octo-pkg"
EMAIL = "release@octo.iam.gserviceaccount.com"


@pytest.fixture
def issuers(index: Index, monkeypatch: pytest.MonkeyPatch) -> dict[str, FakeCI]:
    """GitHub, a self-managed GitLab and Google, their keys served from memory; fetches counted."""
    fakes = {GITHUB_ISSUER: FakeCI(url=GITHUB_ISSUER), GITLAB: FakeCI(url=GITLAB), GOOGLE: FakeCI(url=GOOGLE)}
    fetched: list[str] = []

    def fetch(url: str) -> bytes:
        fetched.append(url)
        for issuer, fake in fakes.items():
            if url == f"{issuer}/.well-known/openid-configuration":
                return json.dumps({"issuer": issuer, "jwks_uri": f"{issuer}/keys"}).encode()
            if url == f"{issuer}/keys":
                return json.dumps(fake.jwks()).encode()
        raise OSError(f"no such document {url}")

    monkeypatch.setattr(jwks, "cache", jwks.KeyCache(fetch=fetch))
    monkeypatch.setenv("OIDC_AUDIENCE", AUDIENCE)
    monkeypatch.setenv("OIDC_ISSUERS", f"{GITHUB_ISSUER},gitlab={GITLAB},{GOOGLE}")
    fakes["fetched"] = fetched  # type: ignore[assignment]
    storage = Storage(index.s3, index.bucket)
    store = PublisherStore(storage)
    store.add(
        new_publisher(repository=REPOSITORY, workflow=WORKFLOW, projects=("octo-pkg",), environment="kprod")
    )
    namespace, project = PROJECT_PATH.rsplit("/", 1)
    assert store.add(
        new_publisher(
            provider="gitlab",
            repository=f"{namespace}/{project}",
            workflow="ci/release.yml",
            projects=("octo-pkg",),
            environment="pypi",
            issuer=GITLAB,
        )
    )
    assert store.add(new_publisher(provider="google", repository=EMAIL, projects=("octo-pkg",)))
    return fakes


def gitlab_claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": GITLAB,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + 300,
        "jti": str(uuid.uuid4()),
        "sub": f"project_path:{PROJECT_PATH}:ref_type:branch:ref:main",
        "project_path": PROJECT_PATH,
        "namespace_path": PROJECT_PATH.rsplit("/", 1)[0],
        "ci_config_ref_uri": f"gitlab.example.com/{PROJECT_PATH}//ci/release.yml@refs/heads/main",
        "ref_path": "refs/heads/main",
        "sha": "0123456789abcdef0123456789abcdef01234567",
        "environment": "pypi",
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def google_claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": GOOGLE,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + 300,
        "sub": "112233445566778899",
        "email": EMAIL,
        "email_verified": True,
        "azp": "112233445566778899",
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def test_a_gitlab_token_mints_and_uploads(issuers: dict[str, FakeCI]) -> None:
    status, body = mint(issuers[GITLAB].sign(gitlab_claims()))
    assert status == 200, body
    assert upload(body["token"]) == 200
    # ci_config_ref_uri may name the commit instead of the ref (Warehouse takes either).
    sha = gitlab_claims()["sha"]
    by_sha = gitlab_claims(ci_config_ref_uri=f"gitlab.example.com/{PROJECT_PATH}//ci/release.yml@{sha}")
    assert mint(issuers[GITLAB].sign(by_sha))[0] == 200


def test_a_google_token_without_jti_mints_and_uploads(issuers: dict[str, FakeCI]) -> None:
    token = issuers[GOOGLE].sign(google_claims())
    status, body = mint(token)
    assert status == 200, body
    assert upload(body["token"]) == 200
    assert mint(token)[0] == 200  # no jti: nothing to replay-guard (Google's tokens carry none)
    with_jti = issuers[GOOGLE].sign(google_claims(jti="once"))
    assert mint(with_jti)[0] == 200
    assert mint(with_jti)[1]["errors"][0]["description"].startswith("this token was used already")


REFUSALS = [
    ("gitlab wrong project", GITLAB, {"project_path": "evil/octo-pkg"}, "no trusted publisher"),
    (
        "gitlab wrong CI file",
        GITLAB,
        {"ci_config_ref_uri": f"gitlab.example.com/{PROJECT_PATH}//.gitlab-ci.yml@refs/heads/main"},
        "CI file",
    ),
    (
        "gitlab CI file of another instance",
        GITLAB,
        {"ci_config_ref_uri": f"gitlab.com/{PROJECT_PATH}//ci/release.yml@refs/heads/main"},
        "CI file",
    ),
    ("gitlab wrong environment", GITLAB, {"environment": "staging"}, "ran in environment 'staging'"),
    ("gitlab no environment", GITLAB, {"environment": None}, "requires environment 'pypi'"),
    ("gitlab wrong sub", GITLAB, {"sub": "project_path:evil/x"}, "sub"),
    ("gitlab no jti", GITLAB, {"jti": None}, "jti"),
    ("gitlab no sha", GITLAB, {"sha": None}, "ref_path and sha"),
    ("google unverified email", GOOGLE, {"email_verified": False}, "not verified"),
    ("google email_verified as text", GOOGLE, {"email_verified": "true"}, "not verified"),
    ("google another account", GOOGLE, {"email": "evil@x.iam.gserviceaccount.com"}, "no trusted publisher"),
]


@pytest.mark.parametrize(("case", "issuer", "changes", "says"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_refusals_are_invalid_publisher(
    issuers: dict[str, FakeCI], index: Index, case: str, issuer: str, changes: dict[str, Any], says: str
) -> None:
    claims = gitlab_claims(**changes) if issuer == GITLAB else google_claims(**changes)
    status, body = mint(issuers[issuer].sign(claims))
    assert status == 422, body
    [error] = body["errors"]
    assert error["code"] == ("invalid-token" if case == "gitlab no jti" else "invalid-publisher"), error
    assert says in error["description"], error
    assert not index.s3.list_objects_v2(Bucket=index.bucket, Prefix=layout.MINTED_TOKENS_PREFIX).get(
        "KeyCount"
    )


def test_an_unknown_issuer_is_invalid_token(issuers: dict[str, FakeCI]) -> None:
    token = issuers[GITLAB].sign(gitlab_claims(iss="https://gitlab.com"))  # not trusted by this index
    status, body = mint(token)
    assert status == 422 and body["errors"][0]["code"] == "invalid-token"
    assert "unknown issuer" in body["errors"][0]["description"]


def test_a_google_publisher_with_a_sub_wants_that_sub(index: Index, issuers: dict[str, FakeCI]) -> None:
    store = PublisherStore(Storage(index.s3, index.bucket))
    other = "other@octo.iam.gserviceaccount.com"
    store.add(new_publisher(provider="google", repository=other, sub="42", projects=("octo-pkg",)))
    assert mint(issuers[GOOGLE].sign(google_claims(email=other, sub="42")))[0] == 200
    status, body = mint(issuers[GOOGLE].sign(google_claims(email=other, sub="43")))
    assert status == 422 and "sub" in body["errors"][0]["description"]


# -- issue 20, items 3 to 5 ------------------------------------------------------------------------
@pytest.mark.parametrize("resource", ["/oidc/mint-token", "/oidc/burn-token"])
def test_deeply_nested_bodies_are_invalid_payload(issuers: dict[str, FakeCI], resource: str) -> None:
    response = exchange(resource, b'{"token":' + b"[" * 20_000)
    assert response["statusCode"] == 422
    assert json.loads(body_of(response))["errors"][0]["code"] == "invalid-payload"


def test_a_token_of_deeply_nested_claims_is_invalid_payload(issuers: dict[str, FakeCI]) -> None:
    import base64

    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header = part(b'{"alg": "RS256"}')
    token = f"{header}.{part(b'[' * 20_000)}.{part(b'x')}"
    status, body = mint(token)
    assert status == 422 and body["errors"][0]["code"] == "invalid-payload"


def test_iss_spellings_cost_the_issuer_at_most_two_requests(issuers: dict[str, FakeCI]) -> None:
    """The measurement of issue 20: 30 tokens, iss = issuer + 1..30 '/', each with a new kid."""
    fetched: list[str] = issuers["fetched"]  # type: ignore[assignment]
    ci = issuers[GITLAB]
    for slashes in range(1, 31):
        token = ci.sign(gitlab_claims(iss=GITLAB + "/" * slashes), kid=f"forged-{slashes}")
        status, body = mint(token)
        assert status == 422 and body["errors"][0]["code"] == "invalid-token", body
    at_issuer = [url for url in fetched if url.startswith(GITLAB)]
    assert len(at_issuer) <= 2, at_issuer
    print(f"30 tokens with iss = issuer + 1..30 '/' and new kids: {len(at_issuer)} requests at the issuer")


def test_the_key_cache_holds_a_bounded_number_of_issuers_and_keys() -> None:
    fake = FakeCI(url="https://x.example")
    many = {"keys": [{**fake.jwks()["keys"][0], "kid": f"k{i}"} for i in range(100)]}

    def fetch(url: str) -> bytes:
        return json.dumps({"jwks_uri": "https://x.example/keys"} if "well-known" in url else many).encode()

    cache = jwks.KeyCache(fetch=fetch)
    for i in range(40):
        cache.key(f"https://issuer{i}.example", "k0")
    assert len(cache._keys) <= jwks.MAX_ISSUERS and len(cache._fetched) <= jwks.MAX_ISSUERS
    assert all(len(keys) <= jwks.MAX_KEYS for keys in cache._keys.values())


KELVIN = "\u212a"
UNICODE = [
    ("repository", {"repository": f"octo-org/octo-p{KELVIN}g"}),
    ("owner", {"repository_owner": f"octo-{KELVIN}rg"}),
    ("workflow", {"job_workflow_ref": f"{REPOSITORY}/.github/workflows/release.ym{KELVIN}@refs/heads/main"}),
    ("environment", {"environment": f"{KELVIN}prod"}),
]


@pytest.mark.parametrize(("claim", "changes"), UNICODE, ids=[u[0] for u in UNICODE])
def test_non_ascii_names_never_mint(
    issuers: dict[str, FakeCI], index: Index, claim: str, changes: dict[str, Any]
) -> None:
    ci = issuers[GITHUB_ISSUER]
    assert mint(ci.sign(ci.claims(AUDIENCE, environment="KPROD")))[0] == 200  # ASCII case still folds
    status, body = mint(ci.sign(ci.claims(AUDIENCE, **{"environment": "kprod", **changes})))
    assert status == 422 and body["errors"][0]["code"] == "invalid-publisher", body
    minted = index.s3.list_objects_v2(Bucket=index.bucket, Prefix=layout.MINTED_TOKENS_PREFIX)
    assert minted.get("KeyCount") == 1  # only the ASCII one


def test_gitlab_non_ascii_project_path_never_mints(issuers: dict[str, FakeCI]) -> None:
    status, body = mint(issuers[GITLAB].sign(gitlab_claims(project_path=f"octo-group/sub/octo-p{KELVIN}g")))
    assert status == 422 and body["errors"][0]["code"] == "invalid-publisher"


# -- PEP 807 discovery -----------------------------------------------------------------------------
def discover(key: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    event = proxy_event("GET", f"/.well-known/pytp/{key}", {"Host": "pypi.example.com", **(headers or {})})
    event["resource"] = "/pytp/{key}"
    event["pathParameters"] = {"key": key}
    return api.handler(event, None)


SIMPLE = hashlib.sha256(b"/simple/").hexdigest()


def test_discovery_names_the_exchange_on_the_requests_host(issuers: dict[str, FakeCI]) -> None:
    for accept in ({}, {"Accept": "application/vnd.pypi.pytp.v1+json"}):
        response = discover(SIMPLE, accept)
        assert response["statusCode"] == 200
        assert response["multiValueHeaders"]["Content-Type"] == ["application/vnd.pypi.pytp.v1+json"]
        assert json.loads(body_of(response)) == {
            "audience-endpoint": "https://pypi.example.com/_/oidc/audience",
            "mint-token-endpoint": "https://pypi.example.com/_/oidc/mint-token",
        }


def test_discovery_refusals(issuers: dict[str, FakeCI]) -> None:
    for key in (
        hashlib.sha256(b"/simple").hexdigest(),
        hashlib.sha256(b"/").hexdigest(),
        "x",
        SIMPLE.upper(),
    ):
        response = discover(key)
        assert response["statusCode"] == 404 and body_of(response) == b"", key
    for accept in ("application/json", "*/*", "application/vnd.pypi.pytp.v1+json;q=0"):
        assert discover(SIMPLE, {"Accept": accept})["statusCode"] == 406, accept


def test_discovery_is_404_when_trusted_publishing_is_off(index: Index) -> None:
    assert discover(SIMPLE)["statusCode"] == 404


def test_every_exchange_refusal_has_pep_807_s_error_body(index: Index) -> None:
    for response in (exchange("/oidc/audience", None, "GET"), exchange("/oidc/audience", None, "POST")):
        assert response["statusCode"] in (403, 405)
        body = json.loads(body_of(response))
        assert body["message"] and body["errors"][0]["code"] and body["errors"][0]["description"]
