"""Real clients (pip, uv) run in isolation from the machine's own configuration.

The machine running the tests may have a global ``pip.conf`` with extra indexes and find-links,
``PIP_*`` / ``UV_*`` variables and caches: none of it may reach a test, or a test could pass by
installing from somewhere other than the index under test. Every client here gets an environment
without those variables, no configuration files, a private HOME and private caches.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

_DROPPED_PREFIXES = ("PIP_", "UV_")
_DROPPED = ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "CONDA_PREFIX", "XDG_CONFIG_HOME")


def isolated_env(home: Path) -> dict[str, str]:
    """``os.environ`` without pip's and uv's settings, with a private HOME and caches under it."""
    home.mkdir(parents=True, exist_ok=True)
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(_DROPPED_PREFIXES) and name not in _DROPPED
    }
    env.update(
        {
            "HOME": str(home),
            "XDG_CACHE_HOME": str(home / ".cache"),
            "PIP_CONFIG_FILE": os.devnull,
            "PIP_CACHE_DIR": str(home / "pip-cache"),
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "PIP_NO_INPUT": "1",
            "UV_NO_CONFIG": "1",
            "UV_CACHE_DIR": str(home / "uv-cache"),
            "UV_PYTHON_DOWNLOADS": "never",
        }
    )
    return env


def uv_binary() -> str:
    """The uv executable installed beside this Python (the test environment's), else on PATH."""
    beside = Path(sys.executable).with_name("uv")
    if beside.exists():
        return str(beside)
    found = shutil.which("uv")
    if found is None:
        raise RuntimeError("uv is not installed: `make venv` installs it")
    return found


def run(
    args: list[str], env: dict[str, str], *, cwd: Path | None = None, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    """Run a client; its output is kept for the assertion message."""
    return subprocess.run(
        args, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )


def pip(*args: str, env: dict[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m pip ARGS`` with the test environment's pip."""
    return run([sys.executable, "-m", "pip", *args], env, cwd=cwd)


def uv(*args: str, env: dict[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``uv ARGS``."""
    return run([uv_binary(), *args], env, cwd=cwd)


def explain(result: subprocess.CompletedProcess[str]) -> str:
    """A failed client run, for an assertion message."""
    return f"$ {' '.join(map(str, result.args))}\nexit {result.returncode}\n{result.stdout}\n{result.stderr}"
