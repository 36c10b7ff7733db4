"""Publishing with real clients (twine's CLI and its Repository class, uv publish) to a dev server
that needs tokens for everything, made with ``python -m admin`` as an operator would.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
from twine.package import PackageFile
from twine.repository import Repository

from testkit import clients, dists
from testkit.dists import Meta
from testkit.forms import CONTENT_TYPE, form_body, twine_fields
from tests.support import shell
from tests.support.devserver import BUCKET, Running, admin_token, running_devserver

pytestmark = pytest.mark.e2e
JSON = "application/vnd.pypi.simple.v1+json"


@pytest.fixture(scope="module")
def private(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """A dev server without --public-read, holding one project."""
    root = tmp_path_factory.mktemp("private")
    dists.wheel(root / "data" / "seeded", Meta("seeded", "1.0"))
    with running_devserver(root / "data", root / "logs", public_read=False) as running:
        yield running


@pytest.fixture(scope="module")
def upload_token(private: Running, tmp_path_factory: pytest.TempPathFactory) -> str:
    return admin_token(private, "acc", "upload", home=tmp_path_factory.mktemp("admin"))


@pytest.fixture(scope="module")
def read_token(private: Running, tmp_path_factory: pytest.TempPathFactory) -> str:
    return admin_token(private, "reader", "read", home=tmp_path_factory.mktemp("admin"))


def files_on_page(running: Running, project: str, token: str) -> dict[str, str]:
    """filename -> sha256 on the project's JSON page ({} while it has none)."""
    response = requests.get(
        f"{running.index_url}{project}/",
        headers={"Accept": JSON},
        auth=("__token__", token),
        timeout=10,
        allow_redirects=False,
    )
    if response.status_code == 503:  # held but not indexed yet: never the fallback's 302
        assert response.headers["Retry-After"]
        return {}
    assert response.status_code == 200, f"{response.status_code} {response.text}"
    return {f["filename"]: f["hashes"]["sha256"] for f in response.json()["files"]}


def eventually(check: Callable[[], bool], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "not within the time allowed"
        time.sleep(0.2)


def stored(running: Running, key: str) -> bytes | None:
    """An object's bytes straight from the embedded S3 (None when absent)."""
    try:
        body: bytes = running.s3().get_object(Bucket=BUCKET, Key=key)["Body"].read()
    except running.s3().exceptions.NoSuchKey:
        return None
    return body


def post(running: Running, body: bytes, auth: tuple[str, str] | None) -> requests.Response:
    return requests.post(
        running.index_url, data=body, headers={"Content-Type": CONTENT_TYPE}, auth=auth, timeout=60
    )


def twine_upload(running: Running, token: str, *paths: Path, home: Path) -> subprocess.CompletedProcess[str]:
    twine = [sys.executable, "-m", "twine", "upload", "--non-interactive", "--disable-progress-bar"]
    credentials = ["--repository-url", running.index_url, "-u", "__token__", "-p", token]
    return clients.run([*twine, *credentials, *map(str, paths)], clients.isolated_env(home))


def test_anonymous_reads_get_401_with_a_basic_challenge(private: Running) -> None:
    response = requests.get(private.index_url, timeout=10)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic realm=")


def test_pip_installs_with_a_read_token_in_the_index_url(
    private: Running, read_token: str, tmp_path: Path
) -> None:
    url = private.index_url.replace("http://", f"http://__token__:{read_token}@")
    env = clients.isolated_env(tmp_path / "home")
    result = clients.pip("install", "--index-url", url, "--target", str(tmp_path / "t"), "seeded", env=env)
    assert result.returncode == 0, clients.explain(result)
    assert (tmp_path / "t" / "seeded" / "__init__.py").exists()


def test_twine_cli_publishes_and_an_identical_rerun_succeeds(
    private: Running, upload_token: str, read_token: str, tmp_path: Path
) -> None:
    wheel = dists.wheel(tmp_path / "dist", Meta("Twine.CLI", "1.0", requires_python=">=3.8"))
    sdist = dists.sdist(tmp_path / "dist", Meta("Twine.CLI", "1.0"))
    result = twine_upload(private, upload_token, wheel, sdist, home=tmp_path / "home")
    assert result.returncode == 0, clients.explain(result)
    eventually(lambda: files_on_page(private, "twine-cli", read_token).keys() == {wheel.name, sdist.name})
    assert files_on_page(private, "twine-cli", read_token)[wheel.name] == dists.sha256(wheel)
    assert (private.data / "twine-cli" / wheel.name).read_bytes() == wheel.read_bytes()  # written back
    again = twine_upload(private, upload_token, wheel, home=tmp_path / "home")
    assert again.returncode == 0, clients.explain(again)


def test_other_bytes_under_a_published_name_are_refused(
    private: Running, upload_token: str, tmp_path: Path
) -> None:
    original = dists.wheel(tmp_path / "one", Meta("keeper", "1.0", summary="original"))
    assert twine_upload(private, upload_token, original, home=tmp_path / "home").returncode == 0
    impostor = dists.wheel(tmp_path / "two", Meta("keeper", "1.0", summary="impostor"))
    result = twine_upload(private, upload_token, impostor, home=tmp_path / "home")
    assert result.returncode != 0
    assert "400" in result.stdout + result.stderr
    assert stored(private, f"keeper/{original.name}") == original.read_bytes()
    raw = post(
        private,
        form_body(
            twine_fields(impostor.name, impostor.read_bytes(), "keeper", "1.0"),
            (impostor.name, impostor.read_bytes()),
        ),
        ("__token__", upload_token),
    )
    assert raw.status_code == 400 and raw.text.startswith("File already exists")


def test_twine_repository_class_uploads(
    private: Running, upload_token: str, read_token: str, tmp_path: Path
) -> None:
    wheel = dists.wheel(tmp_path, Meta("by-class", "2.0"))
    repository = Repository(private.index_url, "__token__", upload_token, disable_progress_bar=True)
    try:
        response = repository.upload(PackageFile.from_filename(str(wheel), comment=None))
    finally:
        repository.close()
    assert response.status_code == 200, response.text
    eventually(lambda: wheel.name in files_on_page(private, "by-class", read_token))


def test_uv_publish(private: Running, upload_token: str, read_token: str, tmp_path: Path) -> None:
    wheel = dists.wheel(tmp_path, Meta("by-uv", "3.0", requires_python=">=3.9"))
    env = clients.isolated_env(tmp_path / "home")
    result = clients.uv(
        "publish",
        "--publish-url",
        private.index_url,
        "-u",
        "__token__",
        "-p",
        upload_token,
        str(wheel),
        env=env,
    )
    assert result.returncode == 0, clients.explain(result)
    eventually(lambda: wheel.name in files_on_page(private, "by-uv", read_token))


@pytest.mark.parametrize(
    ("case", "fields"),
    [
        ("name", {"name": "someone-else"}),
        ("version", {"version": "9.9"}),
        ("sha256", {"sha256_digest": "0" * 64}),
        ("md5", {"md5_digest": "0" * 32}),
    ],
)
def test_form_mismatches_and_wrong_digests_store_nothing(
    private: Running, upload_token: str, tmp_path: Path, case: str, fields: dict[str, str]
) -> None:
    wheel = dists.wheel(tmp_path, Meta(f"refused-{case}", "1.0"))
    data = wheel.read_bytes()
    body = form_body(twine_fields(wheel.name, data, f"refused-{case}", "1.0", fields), (wheel.name, data))
    response = post(private, body, ("__token__", upload_token))
    assert response.status_code == 400, response.text
    assert response.headers["Content-Type"].startswith("text/plain")
    assert stored(private, f"refused-{case}/{wheel.name}") is None


def test_an_8_mb_upload_gets_a_clear_413(private: Running, upload_token: str, tmp_path: Path) -> None:
    wheel = dists.wheel(tmp_path, Meta("too-big", "1.0"), padding=8 * 1024 * 1024)
    data = wheel.read_bytes()
    response = post(
        private,
        form_body(twine_fields(wheel.name, data, "too-big", "1.0"), (wheel.name, data)),
        ("__token__", upload_token),
    )
    assert response.status_code == 413
    assert "python -m admin" in response.text  # whichever limit it passed (issue 22)
    assert stored(private, f"too-big/{wheel.name}") is None
    result = twine_upload(private, upload_token, wheel, home=tmp_path / "home")
    assert result.returncode != 0 and "413" in result.stdout + result.stderr


def test_the_413_hint_runs_as_printed(private: Running, upload_token: str, tmp_path: Path) -> None:
    wheel = dists.wheel(tmp_path, Meta("hinted-big", "1.0"), padding=5 * 1024 * 1024)
    data = wheel.read_bytes()
    response = post(
        private,
        form_body(twine_fields(wheel.name, data, "hinted-big", "1.0"), (wheel.name, data)),
        ("__token__", upload_token),
    )
    assert response.status_code == 413
    command = re.search(r"`([^`]*)`", response.text)
    assert command is not None, response.text
    assert command.group(1).startswith(f".venv/bin/python -m admin --endpoint-url {private.s3_endpoint} ")
    line = command.group(1).replace("FILE", shlex.quote(str(wheel)))
    result = shell.bash([line], clients.isolated_env(tmp_path / "home"))
    assert result.returncode == 0, shell.explain(result)
    assert stored(private, f"hinted-big/{wheel.name}") == data


def test_twenty_simultaneous_uploads_lose_nothing(
    private: Running, upload_token: str, read_token: str, tmp_path: Path
) -> None:
    bodies: list[tuple[str, str, bytes]] = []
    for number in range(20):  # 20 versions of one project, and 20 projects of one version
        for project, version in ((f"crowd-{number}", "1.0"), ("crowd", f"1.{number}")):
            path = dists.wheel(tmp_path / project / version, Meta(project, version))
            data = path.read_bytes()
            bodies.append(
                (
                    project,
                    path.name,
                    form_body(twine_fields(path.name, data, project, version), (path.name, data)),
                )
            )

    def send(item: tuple[str, str, bytes]) -> int:
        return post(private, item[2], ("__token__", upload_token)).status_code

    with ThreadPoolExecutor(20) as pool:
        statuses = list(pool.map(send, bodies))
    assert statuses == [200] * 40
    eventually(lambda: len(files_on_page(private, "crowd", read_token)) == 20, timeout=40)
    for number in range(20):
        project = f"crowd-{number}"
        eventually(lambda: len(files_on_page(private, project, read_token)) == 1)  # noqa: B023 - called at once


@pytest.mark.parametrize("auth", [None, ("__token__", "spypi-not-a-token"), ("someone", "x")])
def test_missing_or_bad_credentials_are_refused(private: Running, tmp_path: Path, auth: Any) -> None:
    wheel = dists.wheel(tmp_path, Meta("anonymous", "1.0"))
    data = wheel.read_bytes()
    response = post(
        private, form_body(twine_fields(wheel.name, data, "anonymous", "1.0"), (wheel.name, data)), auth
    )
    assert response.status_code == 401
    assert stored(private, f"anonymous/{wheel.name}") is None


def test_a_read_token_cannot_upload(private: Running, read_token: str, tmp_path: Path) -> None:
    wheel = dists.wheel(tmp_path, Meta("reader-upload", "1.0"))
    data = wheel.read_bytes()
    body = form_body(twine_fields(wheel.name, data, "reader-upload", "1.0"), (wheel.name, data))
    assert post(private, body, ("__token__", read_token)).status_code == 403
    assert stored(private, f"reader-upload/{wheel.name}") is None


def test_twine_shows_the_reason_only_with_verbose(
    private: Running, upload_token: str, tmp_path: Path
) -> None:
    """README, Publish: twine prints the status line alone; the index's reason needs --verbose."""
    original = dists.wheel(tmp_path / "a", Meta("twine-quiet", "1.0"))
    assert twine_upload(private, upload_token, original, home=tmp_path / "home").returncode == 0
    other = dists.wheel(tmp_path / "b", Meta("twine-quiet", "1.0", summary="other bytes"))
    quiet = twine_upload(private, upload_token, other, home=tmp_path / "home")
    assert quiet.returncode != 0 and "400" in quiet.stdout + quiet.stderr
    assert "File already exists" not in quiet.stdout + quiet.stderr
    twine = [
        sys.executable,
        "-m",
        "twine",
        "upload",
        "--non-interactive",
        "--disable-progress-bar",
        "--verbose",
    ]
    credentials = ["--repository-url", private.index_url, "-u", "__token__", "-p", upload_token]
    loud = clients.run([*twine, *credentials, str(other)], clients.isolated_env(tmp_path / "home"))
    assert loud.returncode != 0 and "File already exists" in loud.stdout + loud.stderr


def test_uv_publish_check_url_skips_what_the_index_has_with_a_token_in_it(
    private: Running, upload_token: str, read_token: str, tmp_path: Path
) -> None:
    """README, Publish: uv sends no credentials to --check-url; with a token in the URL it skips."""
    wheel = dists.wheel(tmp_path / "dist", Meta("check-url-demo", "1.0"))
    publish = ["publish", "--publish-url", private.index_url, "-u", "__token__", "-p", upload_token]
    env = clients.isolated_env(tmp_path / "home")
    first = clients.uv(*publish, str(wheel), env=env)
    assert first.returncode == 0, clients.explain(first)
    eventually(lambda: wheel.name in files_on_page(private, "check-url-demo", read_token))
    bare = clients.uv(*publish, "--check-url", private.index_url, str(wheel), env=env)
    # The check got a 401 and uv uploaded again (the same bytes: a 200 that changes nothing).
    assert bare.returncode == 0 and "Uploading" in bare.stderr, clients.explain(bare)
    with_token = private.index_url.replace("http://", f"http://__token__:{read_token}@")
    checked = clients.uv(*publish, "--check-url", with_token, str(wheel), env=env)
    assert checked.returncode == 0 and "already exists, skipping" in checked.stderr, clients.explain(checked)
