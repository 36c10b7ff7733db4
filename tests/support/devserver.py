"""The dev server as a subprocess on free ports, over a data directory seeded with real-looking dists.

One server serves the whole e2e session (``tests/e2e/conftest.py`` makes it); tests that need to
stop and start their own use :func:`running_devserver`. Clients only ever see an isolated
environment (:mod:`testkit.clients`).
"""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import boto3
import requests
from botocore.config import Config

from testkit import dists, processes
from testkit.clients import isolated_env
from testkit.dists import Meta

REPO_ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT = 60
BUCKET = "pypi"
JSON = "application/vnd.pypi.simple.v1+json"
_T = TypeVar("_T")

#: The seeded data directory: folder -> what goes in it.
CHAIN = [
    Meta("chain-a", "1.0", requires_dist=["chain-b>=1.0"], summary="top of the chain"),
    Meta("chain-b", "1.0", requires_dist=["chain-c>=1.0,<2"]),
    Meta("chain-c", "1.0"),
]
RANGE = Meta("py-range", "1.0", requires_python=">3.7, <4", author="Zoë Ünïcøde", summary="naïve café ☕")
FOO = Meta("Foo.Bar_baz", "1.0")
BIG = Meta("big-wheel", "1.0")
BIG_SIZE = 8 * 1024 * 1024
SDIST_ONLY = Meta("sdist-only", "1.0", requires_python=">=3.8")
REAL = Meta(
    "real-pkg", "2.0", requires_dist=["chain-c>=1.0"], requires_python=">=3.8, <4", author="Zoë Builder"
)
LOCAL = Meta("plus-pkg", "1.0+local")


def free_port() -> int:
    """A port free right now on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Seed:
    """The seeded data directory and what it holds."""

    data: Path
    #: filename -> sha256, for every file seeded.
    files: dict[str, str] = field(default_factory=dict)

    def add(self, path: Path) -> Path:
        self.files[path.name] = dists.sha256(path)
        return path


def seed(data: Path, work: Path) -> Seed:
    """Write the test projects into ``data`` as ``<folder>/<file>``."""
    result = Seed(data)
    for meta in CHAIN:
        result.add(dists.wheel(data / meta.name, meta))
    result.add(dists.wheel(data / "py-range", RANGE))
    result.add(dists.wheel(data / "Foo.Bar_baz", FOO))  # a non-normalized folder
    result.add(dists.wheel(data / "big-wheel", BIG, padding=BIG_SIZE))
    result.add(dists.sdist(data / "sdist-only", SDIST_ONLY))
    result.add(dists.wheel(data / "plus-pkg", LOCAL))
    for path in dists.build_project(data / "Real.Pkg", work / "build", REAL):
        result.add(path)
    return result


@dataclass
class Running:
    """A dev server running as a subprocess."""

    process: subprocess.Popen[bytes]
    index_url: str
    s3_endpoint: str
    data: Path
    stdout: Path
    stderr: Path
    fallback_url: str
    bucket: str = BUCKET

    def s3(self) -> Any:
        """A boto3 S3 client talking straight to the embedded S3 (as an operator would)."""
        return boto3.client(
            "s3",
            endpoint_url=self.s3_endpoint,
            region_name="us-east-1",
            aws_access_key_id="operator",
            aws_secret_access_key="operator",
            config=Config(s3={"addressing_style": "path"}),
        )

    def log_mark(self) -> int:
        """The current end of the server's log (access lines are there)."""
        return self.stderr.stat().st_size

    def log_since(self, mark: int) -> str:
        """What the server logged since ``mark``."""
        with self.stderr.open("rb") as file:
            file.seek(mark)
            return file.read().decode("utf-8", "replace")


@contextlib.contextmanager
def running_devserver(
    data: Path, logs: Path, *, public_read: bool = True, extra_args: Sequence[str] = (), scheme: str = "http"
) -> Iterator[Running]:
    """Start ``python -m devserver`` on free ports over ``data``; stop it (cleanly) at the end.

    ``extra_args`` go to the dev server as they are; with ``--tls-cert`` pass ``scheme="https"``.
    """
    port, s3_port, fallback_port = free_port(), free_port(), free_port()
    fallback_url = f"http://127.0.0.1:{fallback_port}/fallback/"
    logs.mkdir(parents=True, exist_ok=True)
    stdout, stderr = logs / "stdout.log", logs / "stderr.log"
    args = [
        sys.executable,
        "-m",
        "devserver",
        "--data",
        str(data),
        "--bucket",
        BUCKET,
        "--port",
        str(port),
        "--s3-port",
        str(s3_port),
        "--fallback-index-url",
        fallback_url,
    ]
    if public_read:
        args.append("--public-read")
    args.extend(extra_args)
    with stdout.open("wb") as out, stderr.open("wb") as err:
        process = subprocess.Popen(
            args, cwd=REPO_ROOT, stdout=out, stderr=err, env=isolated_env(logs / "home")
        )
    running = Running(
        process,
        f"{scheme}://127.0.0.1:{port}/simple/",
        f"http://127.0.0.1:{s3_port}",
        data,
        stdout,
        stderr,
        fallback_url,
    )
    try:
        _wait_ready(running)
        yield running
    finally:
        stopped = processes.stop(process)
    assert stopped == 0, f"the dev server exited with {stopped}:\n{stderr.read_text()[-3000:]}"
    assert stdout.read_text().rstrip().endswith("stopped")


def _wait_ready(running: Running) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        lines = running.stdout.read_text(encoding="utf-8", errors="replace").splitlines()
        if "ready" in lines:
            return
        if running.process.poll() is not None:
            break
        time.sleep(0.1)
    raise AssertionError(
        "the dev server did not print ready:\n"
        + running.stdout.read_text(errors="replace")
        + running.stderr.read_text(errors="replace")[-5000:]
    )


def wait_for(check: Callable[[], _T | None], timeout: float = 30.0, what: str = "") -> _T:
    """Poll ``check`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.2)


def project_files(running: Running, project: str) -> dict[str, dict[str, Any]]:
    """The files of a project page (JSON), by filename; empty when there is no page."""
    response = requests.get(
        f"{running.index_url}{project}/", headers={"Accept": JSON}, timeout=10, allow_redirects=False
    )
    if response.status_code != 200:
        return {}
    return {f["filename"]: f for f in json.loads(response.text)["files"]}


def put(running: Running, key: str, path: Path) -> None:
    running.s3().put_object(Bucket=running.bucket, Key=key, Body=path.read_bytes())


def admin(running: Running, *args: str, home: Path) -> subprocess.CompletedProcess[str]:
    """``python -m admin ARGS`` as a real subprocess against the dev server's embedded S3."""
    command = [
        sys.executable,
        "-m",
        "admin",
        "--endpoint-url",
        running.s3_endpoint,
        "--bucket",
        running.bucket,
    ]
    return subprocess.run(
        [*command, *args],
        cwd=REPO_ROOT,
        env=isolated_env(home),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def admin_token(running: Running, name: str, *scopes: str, home: Path) -> str:
    """A token from ``python -m admin token create`` (the last line of its stdout)."""
    scope_args = [arg for scope in scopes for arg in ("--scope", scope)]
    result = admin(running, "token", "create", "--name", name, *scope_args, home=home)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]
