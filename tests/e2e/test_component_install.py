"""The component from another Python stack: ``pip install`` of this repository by git URL and commit.

docs/internals.md tells a Python stack in another repository to depend on this one as
``serverless-pypi @ git+https://…@<commit>``. This test does exactly that with the real pip, against a
git repository made from this checkout's files (committed or not), into a throwaway venv: then
``import components`` must come from the installed package, ``ServerlessPyPI`` must be there, and the
functions' code asset and their pinned requirements must resolve inside it.

The throwaway venv sees this checkout's ``.venv`` site-packages through a ``.pth`` file, so pulumi,
pulumi-aws and setuptools are already there and pip runs with ``--no-index``: the test reaches no
registry, and pip fails if the package declared a dependency that ``requirements.txt`` does not pin.
"""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest

from components import package
from testkit import clients
from tests.support.devserver import REPO_ROOT

pytestmark = pytest.mark.e2e

#: The functions' code imports without Pulumi, from the installed package as from the zip.
HANDLERS_ALONE = "import sys, handlers.api; assert 'pulumi' not in sys.modules; print(handlers.api.__file__)"

#: What the installed package must show (run by the throwaway venv's Python, outside this checkout).
PROBE = """
import importlib.metadata, json, sys
import components
from components import code, layer
files = code.handler_files()
print(json.dumps({
    "components": components.__file__,
    "component": components.ServerlessPyPI.__name__,
    "handlers": str(files["handlers/api.py"]),
    "count": len(files),
    "requirements": layer.REQUIREMENTS.is_file(),
    "license": importlib.metadata.metadata("serverless-pypi")["License-Expression"],
    "license_file": any(str(f).endswith("licenses/LICENSE")
                        for f in importlib.metadata.files("serverless-pypi") or ()),
}))
"""


def _git(*args: str, cwd: Path) -> str:
    env = {"GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1", "PATH": "/usr/bin:/bin"}
    identity = ["-c", "user.name=test", "-c", "user.email=test@example.invalid"]
    done = subprocess.run(
        ["git", *identity, *args], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


def _clone_of_this_checkout(target: Path) -> str:
    """A git repository holding this checkout's files as they are now; returns its commit."""
    listed = _git("ls-files", "--cached", "--others", "--exclude-standard", "-z", cwd=REPO_ROOT)
    target.mkdir()
    for name in filter(None, listed.split("\0")):
        source = REPO_ROOT / name
        if source.is_file():  # a file deleted but not yet committed is skipped
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            (target / name).write_bytes(source.read_bytes())
    _git("init", "-q", cwd=target)
    _git("add", "-A", cwd=target)
    _git("commit", "-q", "-m", "snapshot", cwd=target)
    return _git("rev-parse", "HEAD", cwd=target).strip()


def test_pyproject_agrees_with_the_component_and_the_stack() -> None:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["version"] == package.VERSION
    assert project["license"] == package.LICENSE == "MIT"
    pins = [
        line.strip()
        for line in (REPO_ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
        # The stack's own venv also gets the admin CLI's pins (``-r handlers/requirements.in``);
        # a stack that installs the component needs only the Pulumi pins.
        if line.strip() and not line.startswith(("#", "-r "))
    ]
    assert project["dependencies"] == pins
    assert (REPO_ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    schema = json.loads((REPO_ROOT / "serverless-pypi" / "schema.json").read_text(encoding="utf-8"))
    assert schema["license"] == "MIT"


def test_a_stack_elsewhere_pip_installs_the_component_by_git_url_and_commit(tmp_path: Path) -> None:
    commit = _clone_of_this_checkout(tmp_path / "repo")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(site) / "dev-venv.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")

    env = clients.isolated_env(tmp_path / "home")
    requirement = f"serverless-pypi @ git+file://{tmp_path / 'repo'}@{commit}"
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-index"]
    installed = clients.run([*pip, "--no-build-isolation", requirement], env, cwd=tmp_path)
    assert installed.returncode == 0, clients.explain(installed)
    assert "Successfully installed serverless-pypi-0.1.0" in installed.stdout

    alone = clients.run([str(python), "-c", HANDLERS_ALONE], env, cwd=tmp_path)
    assert alone.returncode == 0, clients.explain(alone)
    assert alone.stdout.startswith(site)
    probe = clients.run([str(python), "-c", PROBE], env, cwd=tmp_path)
    assert probe.returncode == 0, clients.explain(probe)
    seen = json.loads(probe.stdout)
    assert seen["components"].startswith(site), seen  # the installed copy, not this checkout
    assert seen["component"] == "ServerlessPyPI"
    assert seen["handlers"].startswith(site)
    assert seen["count"] == len(list((REPO_ROOT / "handlers").rglob("*.py")))
    assert seen["requirements"] is True
    assert seen["license"] == "MIT" and seen["license_file"] is True
