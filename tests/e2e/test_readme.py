"""README.md: its shape, and every block marked ```` ```sh runnable ```` run as written.

The blocks run in order, as one bash script, from a repository root (a temporary directory whose
entries link to this checkout's, plus a ``dist/`` holding one wheel), against a private-mode dev server
that holds the project ``example``. The only inputs are ``INDEX_URL`` and ``S3_URL``, which the README
tells readers to take from the banner; nothing in the blocks is substituted.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from testkit import clients, dists
from testkit.dists import Meta
from tests.support import shell
from tests.support.devserver import REPO_ROOT, running_devserver

pytestmark = pytest.mark.e2e

README = REPO_ROOT / "README.md"
RUNNABLE = re.compile(r"^```sh runnable\n(.*?)^```$", re.MULTILINE | re.DOTALL)
#: Never linked into the temporary root: data, build output and the repository's own metadata.
_NOT_LINKED = {".git", ".data", "dist"}


def runnable_blocks(text: str) -> list[str]:
    """The bodies of the README's runnable shell blocks, in order."""
    return RUNNABLE.findall(text)


def test_the_readme_starts_with_the_job_and_stays_short() -> None:
    text = README.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert len(lines) <= 300
    assert lines[0] == "# serverless-pypi"
    assert "**Contents:**" in "\n".join(lines[:15])
    headings = [line[3:] for line in lines if line.startswith("## ")]
    assert headings[:7] == [
        "Quick start",
        "Use it",
        "Publish",
        "Private mode",
        "Deploy",
        "Migrate from the Terraform module",
        "Operate",
    ]
    assert "Security" in headings
    assert "make run" in text and "make test" in text and "make run-private" in text
    assert "PYTHON=python3.13" in text
    # Every admin line begins as the banner's do: it runs from the repository root after make venv.
    assert not re.search(r"(?<!\.venv/bin/)python -m admin", text)
    assert "within 30 s" in text and "60 s" not in text


def test_runnable_blocks_run_as_written(tmp_path: Path) -> None:
    blocks = runnable_blocks(README.read_text(encoding="utf-8"))
    assert len(blocks) >= 3
    data = tmp_path / "data"
    dists.wheel(data / "example", Meta("example", "1.0"))
    root = tmp_path / "clone"
    root.mkdir()
    for entry in REPO_ROOT.iterdir():
        if entry.name not in _NOT_LINKED:
            (root / entry.name).symlink_to(entry)
    published = dists.wheel(root / "dist", Meta("readme-demo", "1.0"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)

    with running_devserver(data, tmp_path / "logs", public_read=False) as server:
        env = clients.isolated_env(tmp_path / "home")
        env.update(
            {
                "INDEX_URL": server.index_url,
                "S3_URL": server.s3_endpoint,
                "PATH": f"{venv / 'bin'}:{REPO_ROOT / '.venv' / 'bin'}:{env['PATH']}",
                "VIRTUAL_ENV": str(venv),
                "PIP_NO_CACHE_DIR": "1",
            }
        )
        result = shell.bash(blocks, env, cwd=root)
        assert result.returncode == 0, shell.explain(result)
        output = result.stdout + result.stderr
        assert f"Uploading {published.name}" in output  # twine
        assert "Successfully installed example-1.0" in output  # pip, with the read token
        assert "yanked example/example-1.0-py3-none-any.whl: broken build" in output
        assert (data / "readme-demo" / published.name).exists()  # it reached the bucket
