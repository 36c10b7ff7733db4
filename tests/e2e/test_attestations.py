"""PEP 740 with the real twine: ``twine upload --attestations`` of the pypi-attestations sdist's real
assets to a dev server, the provenance fetched from the link the Simple API gives and verified again
with ``pypi-attestations`` against the expected identity; a refusal is a 400 twine shows, naming the
check; an identical re-upload succeeds and keeps the first attestations."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests
from pypi_attestations import Distribution, GitHubPublisher, Provenance

from testkit import clients
from tests.support.attestations import Assets, Signed, assets_in
from tests.support.devserver import Running, admin, admin_token, project_files, running_devserver, wait_for

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def assets(pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> Assets:
    return assets_in(pytestconfig, tmp_path_factory)


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    root = tmp_path_factory.mktemp("attest")
    (root / "data").mkdir()
    with running_devserver(root / "data", root / "logs") as index:
        yield index


@pytest.fixture(scope="module")
def token(running: Running, tmp_path_factory: pytest.TempPathFactory) -> str:
    return admin_token(running, "ci", "upload", "read", home=tmp_path_factory.mktemp("home"))


def register(running: Running, signed: Signed, home: Path) -> None:
    result = admin(
        running,
        "publisher",
        "add",
        "--project",
        signed.project,
        "--repository",
        signed.repository,
        "--workflow",
        signed.workflow,
        home=home,
    )
    assert result.returncode == 0, result.stderr


def twine_upload(
    running: Running, token: str, signed: Signed, work: Path, *extra: str
) -> subprocess.CompletedProcess[str]:
    """What a release job runs: the dist and its ``<dist>.<kind>.attestation`` files, --attestations."""
    work.mkdir(parents=True, exist_ok=True)
    paths = [shutil.copy(path, work) for path in (signed.dist, *signed.attestations)]
    command = [sys.executable, "-m", "twine", "upload", "--non-interactive", "--disable-progress-bar", *extra]
    command += ["--attestations", "--repository-url", running.index_url, "-u", "__token__", "-p", token]
    return clients.run([*command, *map(str, paths)], clients.isolated_env(work / "home"))


def test_twine_uploads_attestations_and_the_provenance_verifies_again(
    running: Running, token: str, assets: Assets, tmp_path: Path
) -> None:
    signed = assets.pypi_attestations
    register(running, signed, tmp_path / "home")
    result = twine_upload(running, token, signed, tmp_path / "dist")
    assert result.returncode == 0, clients.explain(result)

    files = wait_for(lambda: project_files(running, signed.project) or None, what="the page")
    link = files[signed.dist.name]["provenance"]
    url = urljoin(f"{running.index_url}{signed.project}/", link)
    assert url.endswith(f"/integrity/{signed.project}/{signed.version}/{signed.dist.name}/provenance")
    assert "/simple/" not in url  # served at the host's root, as PyPI does
    response = requests.get(url, timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/vnd.pypi.integrity.v1+json"
    provenance = Provenance.model_validate_json(response.content)
    dist = Distribution(name=signed.dist.name, digest=hashlib.sha256(signed.dist.read_bytes()).hexdigest())
    expected = GitHubPublisher(repository=signed.repository, workflow=signed.workflow)
    [bundle] = provenance.attestation_bundles
    assert bundle.publisher == expected
    assert len({a.verify(expected, dist, offline=True)[0] for a in bundle.attestations}) == 2

    again = twine_upload(running, token, signed, tmp_path / "again")
    assert again.returncode == 0, clients.explain(again)
    assert requests.get(url, timeout=10).content == response.content


def test_twine_shows_the_refusal_of_an_unknown_identity(
    running: Running, token: str, assets: Assets, tmp_path: Path
) -> None:
    signed = assets.gitlab  # no publisher registered (and GitLab's are not verifiable yet)
    result = twine_upload(running, token, signed, tmp_path / "dist", "--verbose")  # shows the body
    output = " ".join((result.stdout + result.stderr).split())
    assert result.returncode != 0
    assert "400 Bad Request" in output and "the identity check failed" in output, output
    assert project_files(running, signed.project) == {}
