"""The functions' runtime dependencies as a Lambda layer, built by the program itself.

``handlers/requirements.txt`` is hash-pinned; pip installs it for the functions' platform (Linux,
the function's architecture, CPython of the runtime) under ``python/`` (where Lambda puts a layer on
``sys.path``), into a cache directory named by a hash of what decides the result. ``pulumi preview``
and ``pulumi up`` build it when it is missing, so no separate build step can be forgotten, and the
versions the tests ran are the versions that run.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pulumi

from components.code import ROOT

#: The hash-pinned requirements of the functions.
REQUIREMENTS = ROOT / "handlers" / "requirements.txt"
#: Names another cache directory: for a copy of the package that is read-only (a provider plugin
#: in a shared or image-baked location) or one cache shared by several checkouts.
CACHE_VARIABLE = "SERVERLESS_PYPI_LAYER_CACHE"
#: Where built layers are cached: ``build/layers`` beside ``handlers/`` (git-ignored), found from
#: this file, so a provider plugin run from a consumer's directory uses the package's own.
CACHE = Path(os.environ.get(CACHE_VARIABLE) or ROOT / "build" / "layers").resolve()
#: Bump when the way a layer is built changes, so cached layers are rebuilt.
BUILD_VERSION = "1"
#: Lambda architecture -> the manylinux platform tag pip installs wheels for.
PLATFORMS = {"arm64": "manylinux2014_aarch64", "x86_64": "manylinux2014_x86_64"}


class LayerBuildError(RuntimeError):
    """pip could not install the requirements for the functions' platform."""


def python_version(runtime: str) -> str:
    """``python3.13`` -> ``3.13``.

    >>> python_version("python3.13")
    '3.13'
    """
    prefix = "python"
    if not runtime.startswith(prefix) or not runtime[len(prefix) :].replace(".", "").isdigit():
        raise ValueError(f"not a Python Lambda runtime: {runtime!r}")
    return runtime[len(prefix) :]


def cache_key(requirements: bytes, architecture: str, runtime: str) -> str:
    """A hash of everything that decides the layer's content."""
    digest = hashlib.sha256()
    for part in (BUILD_VERSION.encode(), architecture.encode(), runtime.encode(), requirements):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()[:32]


def pip_command(requirements: Path, target: Path, architecture: str, runtime: str) -> list[str]:
    """The pip call that installs ``requirements`` for the functions into ``target``."""
    return [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--isolated",  # no user or global pip configuration, no PIP_* variables
        "--disable-pip-version-check",
        "--no-input",
        "--quiet",
        "--require-hashes",
        "--only-binary=:all:",
        "--no-compile",
        "--platform",
        PLATFORMS[architecture],
        "--implementation",
        "cp",
        "--python-version",
        python_version(runtime),
        "--target",
        str(target),
        "-r",
        str(requirements),
    ]


def pip_environment(environ: dict[str, str] | None = None) -> dict[str, str]:
    """The environment without any ``PIP_*`` setting, and with no pip configuration file."""
    source = dict(os.environ if environ is None else environ)
    clean = {key: value for key, value in source.items() if not key.upper().startswith("PIP_")}
    clean["PIP_CONFIG_FILE"] = os.devnull
    return clean


def build_layer(
    requirements: Path = REQUIREMENTS,
    architecture: str = "arm64",
    runtime: str = "python3.13",
    cache: Path = CACHE,
) -> Path:
    """The layer directory (holding ``python/``) for these requirements, built once and cached."""
    if architecture not in PLATFORMS:
        raise ValueError(f"architecture must be one of {', '.join(PLATFORMS)}")
    key = cache_key(requirements.read_bytes(), architecture, runtime)
    layer = cache / f"{architecture}-{runtime}-{key}"
    if (layer / "python").is_dir():
        return layer
    cache.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".building-", dir=cache))
    try:
        command = pip_command(requirements, work / "python", architecture, runtime)
        done = subprocess.run(command, env=pip_environment(), capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise LayerBuildError(
                f"pip could not build the {architecture} {runtime} layer from {requirements} "
                "(pulumi preview/up build it; the machine needs to reach PyPI once per change):\n"
                + (done.stderr or done.stdout).strip()[-3000:]
            )
        # Console scripts name this machine's python; byte code is the runtime's to write.
        shutil.rmtree(work / "python" / "bin", ignore_errors=True)
        for cached in list((work / "python").rglob("__pycache__")):
            shutil.rmtree(cached)
        try:
            work.rename(layer)  # atomic: a concurrent build of the same key wins or loses whole
        except OSError:
            if not (layer / "python").is_dir():
                raise
    finally:
        if work.exists():
            shutil.rmtree(work)
    return layer


def build_layer_archive(
    requirements: Path, architecture: str, runtime: str, cache: Path | None = None
) -> pulumi.Archive:
    """The layer as a Pulumi archive of its directory (``python/...`` at the top)."""
    return pulumi.FileArchive(str(build_layer(requirements, architecture, runtime, cache or CACHE)))
