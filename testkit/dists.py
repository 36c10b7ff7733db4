"""Distributions for tests: small valid wheels and sdists, and real ones from the build frontend.

The hand-made ones are written with :mod:`zipfile` and :mod:`tarfile` as the specifications say
(wheel: PEP 427/491 with ``METADATA``, ``WHEEL`` and a ``RECORD`` of sha256 digests; sdist: PEP 625
``.tar.gz`` with ``PKG-INFO``); :func:`build_project` runs ``python -m build --no-isolation`` (with the
setuptools of the test environment, no network) on a generated project.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import random
import re
import subprocess
import sys
import tarfile
import textwrap
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

#: Fixed timestamps make every build of the same dist byte-identical (stable hashes).
_ZIP_TIME = (2024, 1, 1, 0, 0, 0)
_TAR_TIME = 1704067200


def escape(name: str) -> str:
    """A project name as it appears in wheel and sdist filenames (PEP 427, PEP 625)."""
    return re.sub(r"[-_.]+", "_", name).lower()


def sha256(path: Path) -> str:
    """A file's hex SHA-256."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class Meta:
    """Core metadata fields of a test distribution."""

    name: str
    version: str
    requires_dist: Sequence[str] = ()
    requires_python: str | None = None
    author: str | None = None
    summary: str | None = None

    def text(self) -> str:
        """The ``METADATA`` / ``PKG-INFO`` file (Metadata-Version 2.1)."""
        lines = ["Metadata-Version: 2.1", f"Name: {self.name}", f"Version: {self.version}"]
        if self.summary:
            lines.append(f"Summary: {self.summary}")
        if self.author:
            lines.append(f"Author: {self.author}")
        if self.requires_python:
            lines.append(f"Requires-Python: {self.requires_python}")
        lines.extend(f"Requires-Dist: {requirement}" for requirement in self.requires_dist)
        return "\n".join(lines) + "\n\n"


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def wheel(directory: Path, meta: Meta, *, padding: int = 0, filename: str | None = None) -> Path:
    """Write a pure-Python wheel of ``meta`` into ``directory`` and return its path.

    ``padding`` adds a data file of that many incompressible bytes (for large wheels); the
    ``.dist-info`` files come last, as build backends write them.
    """
    directory.mkdir(parents=True, exist_ok=True)
    module = escape(meta.name)
    dist_info = f"{module}-{meta.version}.dist-info"
    files: list[tuple[str, bytes]] = [
        (f"{module}/__init__.py", f'"""{meta.name} {meta.version}"""\nVERSION = "{meta.version}"\n'.encode())
    ]
    if padding:
        files.append((f"{module}/blob.bin", _incompressible(padding, meta.name)))
    files += [
        (f"{dist_info}/METADATA", meta.text().encode("utf-8")),
        (
            f"{dist_info}/WHEEL",
            b"Wheel-Version: 1.0\nGenerator: tests.support.dists\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        ),
    ]
    record = [_record_line(name, data) for name, data in files] + [f"{dist_info}/RECORD,,"]
    files.append((f"{dist_info}/RECORD", ("\n".join(record) + "\n").encode()))
    path = directory / (filename or f"{module}-{meta.version}-py3-none-any.whl")
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files:
            info = zipfile.ZipInfo(name, _ZIP_TIME)
            info.compress_type = zipfile.ZIP_STORED if name.endswith(".bin") else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return path


def _incompressible(size: int, seed: str) -> bytes:
    # The same bytes every run (stable hashes), and nothing zip could shrink.
    return random.Random(seed).randbytes(size)


def sdist(directory: Path, meta: Meta) -> Path:
    """Write an sdist of ``meta`` (``.tar.gz`` with ``PKG-INFO`` and a ``pyproject.toml``)."""
    directory.mkdir(parents=True, exist_ok=True)
    base = f"{escape(meta.name)}-{meta.version}"
    requires_python = f'requires-python = "{meta.requires_python}"\n' if meta.requires_python else ""
    members = {
        f"{base}/PKG-INFO": meta.text().encode("utf-8"),
        f"{base}/pyproject.toml": (
            '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n\n'
            f'[project]\nname = "{meta.name}"\nversion = "{meta.version}"\n{requires_python}'
        ).encode(),
        f"{base}/{escape(meta.name)}/__init__.py": f'VERSION = "{meta.version}"\n'.encode(),
    }
    path = directory / f"{base}.tar.gz"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", format=tarfile.PAX_FORMAT) as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), _TAR_TIME, 0o644
            archive.addfile(info, io.BytesIO(data))
    path.write_bytes(buffer.getvalue())
    return path


def build_project(directory: Path, workdir: Path, meta: Meta) -> list[Path]:
    """Build an sdist and a wheel of a generated setuptools project with ``python -m build``.

    Runs without isolation (no network: it uses the setuptools installed in the test environment).
    Returns the paths of the sdist and the wheel, in ``directory``.
    """
    project = workdir / escape(meta.name)
    package = project / "src" / escape(meta.name)
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text(f'VERSION = "{meta.version}"\n', encoding="utf-8")
    dependencies = ", ".join(f'"{r}"' for r in meta.requires_dist)
    optional = ""
    if meta.requires_python:
        optional += f'requires-python = "{meta.requires_python}"\n'
    if meta.author:
        optional += f'authors = [{{name = "{meta.author}"}}]\n'
    (project / "pyproject.toml").write_text(
        textwrap.dedent(
            f"""\
            [build-system]
            requires = ["setuptools>=61"]
            build-backend = "setuptools.build_meta"

            [project]
            name = "{meta.name}"
            version = "{meta.version}"
            description = "{meta.summary or "built by the real frontend"}"
            dependencies = [{dependencies}]
            """
        )
        + optional,
        encoding="utf-8",
    )
    directory.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_"))}
    env["SOURCE_DATE_EPOCH"] = str(_TAR_TIME)
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(directory), str(project)],
        check=True,
        capture_output=True,
        env=env,
        timeout=300,
    )
    built = sorted(directory.glob(f"{meta.name}*")) + sorted(directory.glob(f"{escape(meta.name)}*"))
    return sorted(set(built))
