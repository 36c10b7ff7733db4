"""``make tp-demo``: trusted publishing locally in one command, run as a newcomer runs it."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from testkit import clients
from tests.support.devserver import REPO_ROOT

pytestmark = pytest.mark.e2e


def test_make_tp_demo_publishes_with_no_credential_and_stops_what_it_started(tmp_path: Path) -> None:
    result = subprocess.run(
        ["make", "--no-print-directory", "-s", "-o", "venv", "tp-demo"],
        cwd=REPO_ROOT,
        env=clients.isolated_env(tmp_path / "home"),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    steps = [line for line in result.stdout.splitlines() if line.startswith("==> ")]
    assert len(steps) == 8, output  # CA, issuer, server, trust, build, publish, page, stop
    assert re.search(r"Uploading octo_pkg-1\.0\.\d+-py3-none-any\.whl", output)
    assert re.search(r"==> published: https://127\.0\.0\.1:\d+/simple/octo-pkg/ lists octo_pkg-", output)
    assert "==> stopped the dev server (exit 0)" in output
    assert "spypi-" not in output  # the minted token is never printed
    assert result.stdout.rstrip().endswith("trusted publishing works: uv published with no credential")
