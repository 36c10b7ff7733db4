"""README.md: its shape, and every block marked ```` ```sh runnable ```` run as written.

The blocks run in order, as one bash script, in the shell a newcomer has after ``make venv`` in a fresh
clone: from a repository root (a temporary directory whose entries link to this checkout's, without
``dist/`` or data), with a ``PATH`` that does not hold ``.venv/bin``, an empty ``HOME``, and only
``INDEX_URL`` and ``S3_URL`` set, from the banner of a private-mode dev server that starts empty. No
wheel or project is prepared for them: they make what they use. Besides those two, the environment
only keeps pip and uv away from this machine's own configuration and caches
(:func:`testkit.clients.isolated_env`), as every client test does.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from testkit import clients
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


def _path_without_the_venv(path: str) -> str:
    """``PATH`` without this checkout's ``.venv/bin``, which a new shell does not have."""
    venv_bin = (REPO_ROOT / ".venv" / "bin").resolve()
    kept = [entry for entry in path.split(os.pathsep) if entry and Path(entry).resolve() != venv_bin]
    return os.pathsep.join(kept)


def test_runnable_blocks_run_as_written(tmp_path: Path) -> None:
    blocks = runnable_blocks(README.read_text(encoding="utf-8"))
    assert len(blocks) >= 3
    data = tmp_path / "data"
    data.mkdir()
    root = tmp_path / "clone"
    root.mkdir()
    for entry in REPO_ROOT.iterdir():
        if entry.name not in _NOT_LINKED:
            (root / entry.name).symlink_to(entry)

    with running_devserver(data, tmp_path / "logs", public_read=False) as server:
        env = clients.isolated_env(tmp_path / "home")
        env.update(
            {
                "INDEX_URL": server.index_url,
                "S3_URL": server.s3_endpoint,
                "PATH": _path_without_the_venv(env["PATH"]),
            }
        )
        assert shutil.which("twine", path=env["PATH"]) is None  # else the test would prove nothing
        assert list((tmp_path / "home").iterdir()) == []
        result = shell.bash(blocks, env, cwd=root)
        assert result.returncode == 0, shell.explain(result)
        output = result.stdout + result.stderr
        assert "Uploading example-1.0-py3-none-any.whl" in output  # twine
        assert "Successfully installed example-1.0" in output  # pip, with the read token
        assert "yanked example/example-1.0-py3-none-any.whl: broken build" in output
        assert (data / "example" / "example-1.0-py3-none-any.whl").exists()  # it reached the bucket
