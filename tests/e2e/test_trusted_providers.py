"""Trusted publishing from GitLab CI/CD and Google Cloud end to end: the dev server trusts a fake
GitLab (``--oidc-issuer gitlab=URL``) and a fake Google (``--oidc-issuer google=URL``) on loopback,
operators add publishers with the admin CLI's exact flags, a token of each mints an upload token
that the real uv publishes with, each refusal answers its code, and PEP 807 discovery names the
exchange on the dev server's host.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from testkit import clients, dists
from testkit.dists import Meta
from testkit.oidc import Certificates, FakeCI, make_certificates, running_fake_ci
from tests.support.devserver import Running, admin, running_devserver

pytestmark = pytest.mark.e2e
AUDIENCE = "serverless-pypi-providers"
PROJECT_PATH = "octo-group/octo-gl"
EMAIL = "release@octo.iam.gserviceaccount.com"


@dataclass
class Setup:
    index: Running
    gitlab: FakeCI
    google: FakeCI
    certs: Certificates
    home: Path

    @property
    def root(self) -> str:
        return self.index.index_url.removesuffix("simple/")

    def mint(self, token: str) -> requests.Response:
        return requests.post(
            f"{self.root}_/oidc/mint-token", json={"token": token}, verify=str(self.certs.ca), timeout=10
        )


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    root = tmp_path_factory.mktemp("providers")
    certs = make_certificates(root / "certs")
    (root / "data").mkdir()
    with running_fake_ci() as gitlab, running_fake_ci() as google:
        extra = [
            *("--tls-cert", str(certs.cert), "--tls-key", str(certs.key)),
            *("--oidc-issuer", f"gitlab={gitlab.url}", "--oidc-issuer", f"google={google.url}"),
            *("--oidc-audience", AUDIENCE),
        ]
        with running_devserver(root / "data", root / "logs", extra_args=extra, scheme="https") as index:
            home = root / "admin"
            namespace, project = PROJECT_PATH.split("/")
            for flags in (
                [
                    *("--provider", "gitlab", "--project", "octo-gl", "--gitlab-namespace", namespace),
                    *("--gitlab-project", project, "--ci-file", ".gitlab-ci.yml", "--environment", "pypi"),
                    *("--issuer", gitlab.url),
                ],
                ["--provider", "google", "--project", "octo-gc", "--email", EMAIL, "--issuer", google.url],
            ):
                added = admin(index, "publisher", "add", *flags, home=home)
                assert added.returncode == 0, added.stderr
            yield Setup(index, gitlab, google, certs, home)


def gitlab_claims(ci: FakeCI, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    host = urlsplit(ci.url).netloc  # a self-managed GitLab names its own host in ci_config_ref_uri
    claims: dict[str, Any] = {
        "iss": ci.url,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + 300,
        "jti": str(uuid.uuid4()),
        "sub": f"project_path:{PROJECT_PATH}:ref_type:tag:ref:v1",
        "project_path": PROJECT_PATH,
        "ci_config_ref_uri": f"{host}/{PROJECT_PATH}//.gitlab-ci.yml@refs/tags/v1",
        "ref_path": "refs/tags/v1",
        "sha": "0123456789abcdef0123456789abcdef01234567",
        "environment": "pypi",
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def google_claims(ci: FakeCI, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": ci.url,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + 300,
        "sub": "1122334455",
        "email": EMAIL,
        "email_verified": True,
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def test_publisher_list_names_each_provider(setup: Setup) -> None:
    listed = admin(setup.index, "publisher", "list", home=setup.home)
    lines = listed.stdout.splitlines()
    assert any(
        f" gitlab {PROJECT_PATH} .gitlab-ci.yml environment pypi -> octo-gl" in line for line in lines
    ), lines
    assert any(f" google {EMAIL} -> octo-gc" in line for line in lines), lines


@pytest.mark.parametrize("provider", ["gitlab", "google"])
def test_uv_publishes_with_a_token_minted_for_each_provider(
    setup: Setup, tmp_path: Path, provider: str
) -> None:
    ci, claims, project = (
        (setup.gitlab, gitlab_claims(setup.gitlab), "octo-gl")
        if provider == "gitlab"
        else (setup.google, google_claims(setup.google), "octo-gc")
    )
    minted = setup.mint(ci.sign(claims))
    assert minted.status_code == 200, minted.text
    assert abs(minted.json()["expires"] - (time.time() + 900)) < 60
    wheel = dists.wheel(tmp_path / "dist", Meta(project, "1.0"))
    env = clients.isolated_env(tmp_path / "home")
    env["SSL_CERT_FILE"] = str(setup.certs.ca)
    result = clients.uv(
        "publish",
        "--publish-url",
        setup.index.index_url,
        "--token",
        minted.json()["token"],
        str(wheel),
        env=env,
    )
    assert result.returncode == 0, clients.explain(result)


REFUSALS = [
    ("gitlab wrong project", "gitlab", {"project_path": "evil/octo-gl"}, "invalid-publisher"),
    (
        "gitlab wrong CI file",
        "gitlab",
        {"ci_config_ref_uri": "x/octo-group/octo-gl//evil.yml@refs/tags/v1"},
        "invalid-publisher",
    ),
    ("gitlab wrong environment", "gitlab", {"environment": "staging"}, "invalid-publisher"),
    ("google unverified email", "google", {"email_verified": False}, "invalid-publisher"),
    ("unknown issuer", "gitlab", {"iss": "https://gitlab.invalid"}, "invalid-token"),
]


@pytest.mark.parametrize(("case", "provider", "changes", "code"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_each_refusal_has_its_code(
    setup: Setup, case: str, provider: str, changes: dict[str, Any], code: str
) -> None:
    ci = setup.gitlab if provider == "gitlab" else setup.google
    claims = gitlab_claims(ci, **changes) if provider == "gitlab" else google_claims(ci, **changes)
    response = setup.mint(ci.sign(claims))
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["code"] == code, response.text


def test_pep_807_discovery_on_the_dev_server(setup: Setup) -> None:
    key = hashlib.sha256(b"/simple/").hexdigest()
    url = f"{setup.root}.well-known/pytp/{key}"
    found = requests.get(
        url, headers={"Accept": "application/vnd.pypi.pytp.v1+json"}, verify=str(setup.certs.ca), timeout=10
    )
    assert found.status_code == 200, found.text
    host = urlsplit(setup.root).netloc
    assert found.json() == {
        "audience-endpoint": f"https://{host}/_/oidc/audience",
        "mint-token-endpoint": f"https://{host}/_/oidc/mint-token",
    }
    assert requests.get(found.json()["audience-endpoint"], verify=str(setup.certs.ca), timeout=10).json() == {
        "audience": AUDIENCE
    }
    other = requests.get(f"{setup.root}.well-known/pytp/{'0' * 64}", verify=str(setup.certs.ca), timeout=10)
    assert other.status_code == 404 and other.content == b""
    assert (
        requests.get(url, headers={"Accept": "text/html"}, verify=str(setup.certs.ca), timeout=10).status_code
        == 406
    )
