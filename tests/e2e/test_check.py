"""``python -m admin check`` against the dev server, run as printed, and against broken indexes."""

from __future__ import annotations

import hashlib
import http.server
import io
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from admin import check
from testkit import clients, dists
from testkit.dists import Meta
from tests.support.devserver import BUCKET, REPO_ROOT, Running, admin_token, free_port, running_devserver

pytestmark = pytest.mark.e2e


def admin_check(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    """``.venv/bin/python -m admin check ...`` from the repository root, in an isolated HOME."""
    return subprocess.run(
        [sys.executable, "-m", "admin", "check", *args],
        cwd=REPO_ROOT,
        env=clients.isolated_env(home),  # no AWS credentials, no config
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def outcomes(stdout: str) -> dict[str, str]:
    """Check name -> ok / FAIL / skip, from the lines printed."""
    found = {}
    for line in stdout.splitlines():
        outcome, rest = line.split(maxsplit=1)
        found[rest.split(":")[0]] = outcome
    return found


def test_a_public_index_passes_every_read_check(devserver: Running, tmp_path: Path) -> None:
    result = admin_check(devserver.index_url, "--fallback-url", devserver.fallback_url, home=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert outcomes(result.stdout) == {
        "reachable, auth": "ok",
        "root": "ok",
        "page": "ok",
        "metadata": "ok",
        "download": "ok",
        "fallback": "ok",
        "upload": "skip",
    }
    assert "reads are public" in result.stdout
    assert "sha256 matches" in result.stdout


def test_the_wrong_fallback_fails(devserver: Running, tmp_path: Path) -> None:
    result = admin_check(devserver.index_url, "--fallback-url", "https://pypi.org/simple/", home=tmp_path)
    assert result.returncode == 1
    assert outcomes(result.stdout)["fallback"] == "FAIL"
    assert "not to --fallback-url https://pypi.org/simple/" in result.stdout


@pytest.fixture(scope="module")
def private(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """A private dev server holding one project."""
    root = tmp_path_factory.mktemp("check-private")
    dists.wheel(root / "data" / "seeded", Meta("seeded", "1.0"))
    with running_devserver(root / "data", root / "logs", public_read=False) as running:
        yield running


def test_a_private_index_answers_401_and_needs_a_token_to_be_read(private: Running, tmp_path: Path) -> None:
    result = admin_check(private.index_url, home=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    found = outcomes(result.stdout)
    assert found["reachable, auth"] == "ok"
    assert "private: 401 with WWW-Authenticate: Basic" in result.stdout
    assert {found[name] for name in ("root", "page", "metadata", "download", "fallback")} == {"skip"}


def test_with_a_token_and_the_bucket_a_wheel_is_published_seen_and_removed(
    private: Running, tmp_path: Path
) -> None:
    token = admin_token(private, "live-check", "read", "upload", home=tmp_path / "admin")
    result = admin_check(
        private.index_url,
        "--token",
        token,
        "--bucket",
        BUCKET,
        "--endpoint-url",
        private.s3_endpoint,
        home=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    found = outcomes(result.stdout)
    assert found["upload"] == found["upload seen"] == found["upload removed"] == "ok", result.stdout
    assert found["page"] == found["download"] == "ok"
    assert token not in result.stdout + result.stderr  # never printed
    keys = private.s3().list_objects_v2(Bucket=BUCKET, Prefix=check.SCRATCH_PROJECT + "/").get("KeyCount")
    assert keys == 0


def test_a_read_token_cannot_publish_and_that_fails(private: Running, tmp_path: Path) -> None:
    token = admin_token(private, "read-only", "read", home=tmp_path / "admin")
    result = admin_check(
        private.index_url,
        "--token",
        token,
        "--bucket",
        BUCKET,
        "--endpoint-url",
        private.s3_endpoint,
        home=tmp_path,
    )
    assert result.returncode == 1
    assert outcomes(result.stdout)["upload"] == "FAIL"
    assert "403" in result.stdout


def test_a_stopped_server_fails_on_the_first_line(tmp_path: Path) -> None:
    result = admin_check(f"http://127.0.0.1:{free_port()}/simple/", home=tmp_path)
    assert result.returncode == 1
    (line,) = result.stdout.splitlines()
    assert line.startswith("FAIL  reachable, auth: ")
    assert "Connection refused" in line or "URLError" in line


# -- a broken index: pages whose sha256 does not match the bytes -------------------------------------
WHEEL = b"not the bytes the page announces"


class LyingIndex(http.server.BaseHTTPRequestHandler):
    """A public index whose only file's sha256 on the page is wrong."""

    def do_GET(self) -> None:  # http.server's naming
        wrong = hashlib.sha256(b"something else").hexdigest()
        json_accepted = "json" in (self.headers.get("Accept") or "")
        if self.path == "/simple/":
            body, kind = (
                (json.dumps({"meta": {"api-version": "1.4"}, "projects": [{"name": "demo"}]}), check.JSON)
                if json_accepted
                else ('<a href="demo/">demo</a>', "text/html")
            )
            self._answer(200, body.encode(), kind)
        elif self.path == "/simple/demo/":
            file = {
                "filename": "demo-1.0-py3-none-any.whl",
                "url": "demo-1.0-py3-none-any.whl",
                "hashes": {"sha256": wrong},
            }
            body, kind = (
                (json.dumps({"meta": {"api-version": "1.4"}, "name": "demo", "files": [file]}), check.JSON)
                if json_accepted
                else (f'<a href="demo-1.0-py3-none-any.whl#sha256={wrong}">x</a>', "text/html")
            )
            self._answer(200, body.encode(), kind)
        elif self.path == "/simple/demo/demo-1.0-py3-none-any.whl":
            self.send_response(302)
            self.send_header("Location", "/storage/demo.whl")
            self.end_headers()
        elif self.path == "/storage/demo.whl":
            self._answer(200, WHEEL, "application/octet-stream")
        else:
            self._answer(404, b"Not Found", "text/plain")

    def _answer(self, status: int, body: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # http.server's name
        """Quiet."""


@pytest.fixture
def lying_index() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), LyingIndex)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/simple/"
    finally:
        server.shutdown()
        server.server_close()


def test_a_download_whose_bytes_do_not_match_the_page_fails(lying_index: str) -> None:
    out = io.StringIO()
    report = check.run_checks(lying_index, out=out)
    lines = out.getvalue()
    assert report.failed == 1, lines
    assert "FAIL  download: demo-1.0-py3-none-any.whl: downloaded sha256" in lines
    assert hashlib.sha256(WHEEL).hexdigest() in lines
    assert "ok    page:" in lines
