"""Run command lines exactly as the project prints or documents them: with bash, from the repository root.

The lines the dev server's banner, the 413 hint and the README give are meant to be pasted into a
shell at the repository root of a clone after ``make venv``; running them any other way (an argv list,
``sys.executable`` in place of ``.venv/bin/python``) would test something else.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def bash(
    lines: Sequence[str], env: dict[str, str], *, cwd: Path = REPO_ROOT, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run ``lines`` as one bash script that stops at the first failing command (``set -e``)."""
    executable = shutil.which("bash") or "/bin/bash"
    script = "\n".join(["set -euo pipefail", "set -x", *lines]) + "\n"
    return subprocess.run(
        [executable, "-c", script],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def explain(result: subprocess.CompletedProcess[str]) -> str:
    """A failed script, for an assertion message (``set -x`` traced each command to stderr)."""
    out, err = result.stdout[-4000:], result.stderr[-6000:]
    return f"exit {result.returncode}\n--- stdout\n{out}\n--- stderr\n{err}"
