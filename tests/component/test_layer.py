"""The dependency layer: the pip call, its isolation, the cache, and one real build."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pulumi
import pytest

from components import layer
from components.code import ROOT

#: The real builder, saved before the component tests' fixture replaces it with a fake.
REAL_ARCHIVE_BUILDER = layer.build_layer_archive
REQUIREMENTS_TEXT = "example==1.0 --hash=sha256:" + "0" * 64 + "\n"


def test_the_pip_call_targets_the_functions_platform_with_hashes_required(tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    for architecture, platform in (("arm64", "manylinux2014_aarch64"), ("x86_64", "manylinux2014_x86_64")):
        command = layer.pip_command(requirements, tmp_path / "python", architecture, "python3.13")
        assert command[1:4] == ["-m", "pip", "install"]
        joined = " ".join(command)
        for part in (
            "--isolated",
            "--require-hashes",
            "--only-binary=:all:",
            f"--platform {platform}",
            "--implementation cp",
            "--python-version 3.13",
            f"--target {tmp_path / 'python'}",
            f"-r {requirements}",
        ):
            assert part in joined, part


def test_pip_runs_without_the_machines_pip_settings() -> None:
    environ = {"PIP_FIND_LINKS": "/tmp/wheels", "pip_index_url": "http://evil/", "HOME": "/home/me"}
    clean = layer.pip_environment(environ)
    assert clean == {"HOME": "/home/me", "PIP_CONFIG_FILE": os.devnull}


@pytest.mark.parametrize(("runtime", "version"), [("python3.13", "3.13"), ("python3.9", "3.9")])
def test_python_version_of_a_runtime(runtime: str, version: str) -> None:
    assert layer.python_version(runtime) == version


@pytest.mark.parametrize("runtime", ["nodejs20.x", "python", "python3.x"])
def test_a_runtime_that_is_not_python_is_refused(runtime: str) -> None:
    with pytest.raises(ValueError, match="not a Python Lambda runtime"):
        layer.python_version(runtime)


def test_the_cache_key_follows_everything_that_decides_the_layer() -> None:
    base = layer.cache_key(b"a==1", "arm64", "python3.13")
    assert base == layer.cache_key(b"a==1", "arm64", "python3.13")
    assert base != layer.cache_key(b"a==2", "arm64", "python3.13")
    assert base != layer.cache_key(b"a==1", "x86_64", "python3.13")
    assert base != layer.cache_key(b"a==1", "arm64", "python3.12")


class FakePip:
    """Stands in for ``subprocess.run``: writes a package where pip would, records each call."""

    def __init__(self, returncode: int = 0) -> None:
        self.calls: list[tuple[list[str], dict[str, str]]] = []
        self.returncode = returncode

    def __call__(
        self, command: list[str], *, env: dict[str, str], **_: Any
    ) -> subprocess.CompletedProcess[str]:
        self.calls.append((command, env))
        target = Path(command[command.index("--target") + 1])
        (target / "example" / "__pycache__").mkdir(parents=True)
        (target / "example" / "__init__.py").write_text("")
        (target / "example" / "__pycache__" / "x.pyc").write_bytes(b"")
        (target / "bin").mkdir()
        return subprocess.CompletedProcess(command, self.returncode, "", "ERROR: no matching distribution")


def test_a_layer_is_built_once_per_key_under_python(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(REQUIREMENTS_TEXT)
    pip = FakePip()
    monkeypatch.setattr(subprocess, "run", pip)
    cache = tmp_path / "cache"
    built = layer.build_layer(requirements, "arm64", "python3.13", cache)
    assert (built / "python" / "example" / "__init__.py").is_file()
    assert not (built / "python" / "bin").exists()
    assert not list(built.rglob("__pycache__"))
    assert layer.build_layer(requirements, "arm64", "python3.13", cache) == built
    assert len(pip.calls) == 1
    assert "PIP_CONFIG_FILE" in pip.calls[0][1]
    other = layer.build_layer(requirements, "x86_64", "python3.13", cache)
    assert other != built
    assert len(pip.calls) == 2
    assert [p.name for p in cache.iterdir() if p.name.startswith(".")] == []  # no leftovers


def test_a_failed_build_says_why_and_leaves_no_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(REQUIREMENTS_TEXT)
    monkeypatch.setattr(subprocess, "run", FakePip(returncode=1))
    cache = tmp_path / "cache"
    with pytest.raises(layer.LayerBuildError, match="no matching distribution"):
        layer.build_layer(requirements, "arm64", "python3.13", cache)
    assert list(cache.iterdir()) == []


def test_the_build_dir_is_git_ignored() -> None:
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    assert layer.CACHE.relative_to(ROOT).parts[0] + "/" in ignored


def test_the_real_layer_holds_the_pinned_sdk_for_arm64(tmp_path: Path) -> None:
    """One real build (PyPI, a few seconds): the pinned versions, Linux arm64 wheels, under python/."""
    built = layer.build_layer(layer.REQUIREMENTS, "arm64", "python3.13", tmp_path)
    python = built / "python"
    pinned = {
        line.split("==")[0]: line.split("==")[1].split()[0]
        for line in layer.REQUIREMENTS.read_text().splitlines()
        if "==" in line and not line.startswith("#")
    }
    assert {"boto3", "botocore", "packaging"} <= set(pinned)
    for name, version in pinned.items():
        dist = name.replace("-", "_")
        assert list(python.glob(f"{dist}-{version}.dist-info")), f"{name}=={version} missing"
    assert (python / "botocore" / "__init__.py").is_file()
    archive = REAL_ARCHIVE_BUILDER(layer.REQUIREMENTS, "arm64", "python3.13", tmp_path)
    assert isinstance(archive, pulumi.FileArchive)
    assert archive.path == str(built)  # the cached build, not a second one
