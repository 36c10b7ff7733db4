"""Trusted publishing end to end: the real uv publishes from a (fake) GitHub Actions job with no
stored credential, over HTTPS, and pip installs the result; every refusal is a 422 that says what to
fix and publishes nothing.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from handlers import layout
from testkit import clients, dists
from testkit.dists import Meta
from testkit.oidc import REPOSITORY, WORKFLOW, Certificates, FakeCI, make_certificates, running_fake_ci
from tests.support.devserver import BUCKET, Running, admin, running_devserver

pytestmark = pytest.mark.e2e
AUDIENCE = "serverless-pypi-e2e"
JSON = "application/vnd.pypi.simple.v1+json"


@dataclass
class Setup:
    """The dev server over HTTPS, the fake CI, and the CA that signed the server's certificate."""

    index: Running
    ci: FakeCI
    certs: Certificates

    @property
    def root(self) -> str:
        return self.index.index_url.removesuffix("simple/")

    def post(self, path: str, body: Any) -> requests.Response:
        return requests.post(f"{self.root}{path}", json=body, verify=str(self.certs.ca), timeout=10)


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    root = tmp_path_factory.mktemp("trusted")
    certs = make_certificates(root / "certs")
    (root / "data").mkdir()
    with running_fake_ci() as ci:
        extra = [
            "--tls-cert",
            str(certs.cert),
            "--tls-key",
            str(certs.key),
            "--oidc-issuer",
            ci.url,
            "--oidc-audience",
            AUDIENCE,
        ]
        with running_devserver(root / "data", root / "logs", extra_args=extra, scheme="https") as index:
            home = root / "admin"
            for publisher in (
                ["--project", "octo-pkg", "--workflow", WORKFLOW],
                ["--project", "env-pkg", "--workflow", "deploy.yml", "--environment", "release"],
            ):
                added = admin(
                    index,
                    "publisher",
                    "add",
                    *publisher,
                    "--repository",
                    REPOSITORY,
                    "--issuer",
                    ci.url,
                    home=home,
                )
                assert added.returncode == 0, added.stderr
            listed = admin(index, "publisher", "list", home=home)
            assert "deploy.yml environment release -> env-pkg" in listed.stdout, listed
            yield Setup(index, ci, certs)


def uv_env(setup: Setup, home: Path) -> dict[str, str]:
    """What a GitHub Actions job gives uv: no credential, only the runner's token request."""
    env = clients.isolated_env(home)
    env.update(
        {
            "SSL_CERT_FILE": str(setup.certs.ca),
            "GITHUB_ACTIONS": "true",
            "ACTIONS_ID_TOKEN_REQUEST_URL": setup.ci.token_request_url,
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN": setup.ci.request_token,
        }
    )
    for name in ("UV_PUBLISH_TOKEN", "UV_PUBLISH_USERNAME", "UV_PUBLISH_PASSWORD"):
        env.pop(name, None)
    return env


def page_files(setup: Setup, project: str) -> list[str]:
    response = requests.get(
        f"{setup.index.index_url}{project}/",
        headers={"Accept": JSON},
        verify=str(setup.certs.ca),
        timeout=10,
        allow_redirects=False,
    )
    if response.status_code != 200:
        return []
    return [f["filename"] for f in response.json()["files"]]


def test_the_audience_is_served_at_the_host_root(setup: Setup) -> None:
    response = requests.get(f"{setup.root}_/oidc/audience", verify=str(setup.certs.ca), timeout=10)
    assert response.status_code == 200
    assert response.json() == {"audience": AUDIENCE}


def test_uv_publishes_from_ci_without_credentials_and_pip_installs_it(setup: Setup, tmp_path: Path) -> None:
    wheel = dists.wheel(tmp_path / "dist", Meta("octo-pkg", "1.0"))
    result = clients.uv(
        "publish", "--publish-url", setup.index.index_url, str(wheel), env=uv_env(setup, tmp_path / "home")
    )
    assert result.returncode == 0, clients.explain(result)
    assert AUDIENCE in setup.ci.audiences  # uv asked the index, then the runner, for this audience
    minted = setup.index.s3().list_objects_v2(Bucket=BUCKET, Prefix=layout.MINTED_TOKENS_PREFIX)
    assert minted.get("KeyCount") == 0, "uv burns its token after the upload"
    published = time.monotonic()
    while wheel.name not in page_files(setup, "octo-pkg"):
        assert time.monotonic() - published < 30, "not on the page within 30 s"
        time.sleep(0.5)
    env = clients.isolated_env(tmp_path / "pip-home")
    env["SSL_CERT_FILE"] = str(setup.certs.ca)  # pip verifies with the system store (truststore)
    target = tmp_path / "target"
    installed = clients.pip(
        "install",
        "--no-deps",
        "--target",
        str(target),
        "--index-url",
        setup.index.index_url,
        "octo-pkg",
        env=env,
    )
    assert installed.returncode == 0, clients.explain(installed)
    assert time.monotonic() - published < 30
    assert list(target.glob("octo_pkg-1.0.dist-info"))


def test_a_project_the_publisher_does_not_cover_is_refused_at_upload(setup: Setup, tmp_path: Path) -> None:
    wheel = dists.wheel(tmp_path / "dist", Meta("someone-else", "1.0"))
    result = clients.uv(
        "publish", "--publish-url", setup.index.index_url, str(wheel), env=uv_env(setup, tmp_path / "home")
    )
    assert result.returncode != 0
    assert "403" in result.stderr and "may not upload to someone-else" in result.stderr, result.stderr
    assert page_files(setup, "someone-else") == []


REFUSALS: list[tuple[str, dict[str, Any], str, str]] = [
    ("another repository", {"repository": "evil/octo-pkg"}, "invalid-publisher", "no trusted publisher"),
    (
        "another workflow",
        {"job_workflow_ref": f"{REPOSITORY}/.github/workflows/other.yml@refs/heads/main"},
        "invalid-publisher",
        "from workflow octo-org/octo-pkg/.github/workflows/other.yml",
    ),
    (
        "pull_request_target",
        {"event_name": "pull_request_target"},
        "invalid-publisher",
        "pull_request_target",
    ),
    ("unknown issuer", {"iss": "https://issuer.invalid"}, "invalid-token", "unknown issuer"),
    ("wrong audience", {"aud": "pypi"}, "invalid-token", "wrong audience"),
    (
        "expired token",
        {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 4000},
        "invalid-token",
        "expired",
    ),
    ("two audiences", {"aud": [AUDIENCE, "pypi"]}, "invalid-token", "audience"),
    ("no jti", {"jti": None}, "invalid-token", "jti"),
]


@pytest.mark.parametrize(("case", "changes", "code", "says"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_refusals_are_422_with_a_code_and_what_to_fix(
    setup: Setup, case: str, changes: dict[str, Any], code: str, says: str
) -> None:
    token = setup.ci.sign(setup.ci.claims(AUDIENCE, **changes))
    response = setup.post("_/oidc/mint-token", {"token": token})
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["message"] == "Token request failed"
    [error] = body["errors"]
    assert error["code"] == code and says in error["description"], error


def test_a_missing_required_environment_is_refused(setup: Setup) -> None:
    deploy = f"{REPOSITORY}/.github/workflows/deploy.yml@refs/heads/main"
    token = setup.ci.sign(setup.ci.claims(AUDIENCE, job_workflow_ref=deploy))
    response = setup.post("_/oidc/mint-token", {"token": token})
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["code"] == "invalid-publisher"
    assert "requires environment 'release'" in error["description"], error
    in_env = setup.ci.sign(setup.ci.claims(AUDIENCE, job_workflow_ref=deploy, environment="release"))
    assert setup.post("_/oidc/mint-token", {"token": in_env}).status_code == 200


def test_a_bad_signature_is_refused(setup: Setup) -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa

    forged = setup.ci.sign(setup.ci.claims(AUDIENCE), key=rsa.generate_private_key(65537, 2048))
    response = setup.post("_/oidc/mint-token", {"token": forged})
    assert response.status_code == 422
    assert response.json()["errors"][0]["description"].startswith("bad signature")


def test_a_replayed_token_is_refused(setup: Setup) -> None:
    token = setup.ci.sign(setup.ci.claims(AUDIENCE))
    assert setup.post("_/oidc/mint-token", {"token": token}).status_code == 200
    again = setup.post("_/oidc/mint-token", {"token": token})
    assert again.status_code == 422
    assert "used already" in again.json()["errors"][0]["description"]


def test_the_old_actions_path_mints_too_and_a_burned_token_is_refused_at_once(setup: Setup) -> None:
    token = setup.ci.sign(setup.ci.claims(AUDIENCE))
    minted = setup.post("_/oidc/github/mint-token", {"token": token})
    assert minted.status_code == 200, minted.text
    body = minted.json()
    assert body["success"] is True and abs(body["expires"] - (time.time() + 900)) < 60

    def upload_status() -> int:
        # An empty form: a live upload token gets 400 (bad form), a dead one 401 before the form is read.
        return requests.post(
            setup.index.index_url,
            data={":action": "file_upload"},
            auth=("__token__", body["token"]),
            verify=str(setup.certs.ca),
            timeout=10,
        ).status_code

    assert upload_status() == 400
    assert setup.post("_/oidc/burn-token", {"token": body["token"]}).status_code == 202
    assert upload_status() == 401


def test_a_project_named_oidc_stays_a_project(setup: Setup) -> None:
    response = requests.get(
        f"{setup.index.index_url}oidc/", verify=str(setup.certs.ca), timeout=10, allow_redirects=False
    )
    assert response.status_code in (404, 302)  # an ordinary miss, not the exchange
    assert "Token request failed" not in response.text
