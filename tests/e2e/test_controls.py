"""Quarantine end to end: ``admin status`` against the dev server's embedded S3, the event path, and
real pip and uv that cannot install a quarantined project until it is active again."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from admin.cli import main as admin
from testkit import dists
from testkit.clients import explain, pip, uv
from testkit.dists import Meta
from tests.support.devserver import Running, project_files, put, wait_for


def status(running: Running, *args: str) -> None:
    assert admin(["--endpoint-url", running.s3_endpoint, "--bucket", running.bucket, "status", *args]) == 0


def installs(client: str, running: Running, env: dict[str, str], target: Path, project: str) -> bool:
    if client == "pip":
        args = ["install", "--index-url", running.index_url, "--target", str(target), project]
        result = pip(*args, env=env)
    else:
        args = ["pip", "install", "--index-url", running.index_url, "--target", str(target), project]
        result = uv(*args, env=env)
    if result.returncode != 0:
        assert (
            "quarantined" in explain(result)
            or "No matching distribution" in explain(result)
            or ("no versions" in explain(result).lower())
        ), explain(result)
    return result.returncode == 0


@pytest.mark.parametrize("client", ["pip", "uv"])
def test_a_quarantined_project_cannot_be_installed_until_active_again(
    devserver: Running, tmp_path: Path, client_env: dict[str, str], client: str
) -> None:
    project = f"incident-{client}"
    wheel = dists.wheel(tmp_path, Meta(project, "1.0"))
    put(devserver, f"{project}/{wheel.name}", wheel)
    wait_for(lambda: wheel.name in project_files(devserver, project), what="the file on its page")

    started = time.monotonic()
    status(devserver, project, "quarantined", "--reason", "compromised, see INC-7")
    wait_for(lambda: not project_files(devserver, project), timeout=5, what="the page emptied within 5 s")
    assert time.monotonic() - started < 5
    assert not installs(client, devserver, client_env, tmp_path / "q", project)

    status(devserver, project, "active")
    wait_for(lambda: wheel.name in project_files(devserver, project), timeout=5, what="the file back")
    assert installs(client, devserver, client_env, tmp_path / "a", project)
