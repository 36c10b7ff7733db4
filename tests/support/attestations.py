"""Real PEP 740 attestations for the tests: the ``pypi-attestations`` sdist's ``test/assets/``.

Those files are not ours to commit: the sdist (pinned by version and hash) is fetched with pip from the
package index once per cache, unpacked, and its assets handed to the tests. What each file is, from
the library's own tests:

- ``pypi_attestations-0.0.19.tar.gz`` with a ``.publish`` and a ``.slsa`` attestation, signed in
  GitHub Actions by trailofbits/pypi-attestations ``release.yml``;
- ``pypi_attestation_models-0.0.4a2.tar.gz`` (``.attestation``): trailofbits/pypi-attestation-models
  ``release.yml``;
- ``gitlab_oidc_project-0.0.3.tar.gz``: GitLab, facutuesca/gitlab-oidc-project ``.gitlab-ci.yml``;
- ``rfc8785-0.1.2-py3-none-any.whl``: a person's signature on Sigstore's *staging* instance.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

import pytest

VERSION = "0.0.31"
SHA256 = "5a2473aca7d7f65caf2c3a985691c5cf9264a97fa68c98fbae6e96320bcc7c9a"


@dataclass(frozen=True)
class Signed:
    """A distribution, its attestation files and the GitHub publisher that signed it (if any)."""

    dist: Path
    attestations: tuple[Path, ...]
    repository: str
    workflow: str

    @property
    def project(self) -> str:
        return self.dist.name.split("-", 1)[0].replace("_", "-")

    @property
    def version(self) -> str:
        return self.dist.name.split("-")[1].removesuffix(".tar.gz")


@dataclass(frozen=True)
class Assets:
    folder: Path

    def signed(self, dist: str, *kinds: str, repository: str, workflow: str) -> Signed:
        files = tuple(self.folder / f"{dist}.{kind}attestation" for kind in kinds)
        return Signed(self.folder / dist, files, repository, workflow)

    @property
    def pypi_attestations(self) -> Signed:
        return self.signed(
            "pypi_attestations-0.0.19.tar.gz",
            "publish.",
            "slsa.",
            repository="trailofbits/pypi-attestations",
            workflow="release.yml",
        )

    @property
    def models(self) -> Signed:
        return self.signed(
            "pypi_attestation_models-0.0.4a2.tar.gz",
            "",
            repository="trailofbits/pypi-attestation-models",
            workflow="release.yml",
        )

    @property
    def gitlab(self) -> Signed:
        return self.signed(
            "gitlab_oidc_project-0.0.3.tar.gz",
            "publish.",
            repository="facutuesca/gitlab-oidc-project",
            workflow=".gitlab-ci.yml",
        )

    @property
    def staging(self) -> Signed:
        return self.signed(
            "rfc8785-0.1.2-py3-none-any.whl",
            "publish.",
            repository="trailofbits/rfc8785.py",
            workflow="release.yml",
        )


def fetch(cache: Path) -> Assets:
    """The assets, downloaded (hash-checked) and unpacked into ``cache`` unless they are there."""
    folder = cache / f"pypi_attestations-{VERSION}" / "test" / "assets"
    if folder.is_dir():
        return Assets(folder)
    cache.mkdir(parents=True, exist_ok=True)
    requirements = cache / "requirements.txt"
    requirements.write_text(f"pypi-attestations=={VERSION} --hash=sha256:{SHA256}\n")
    env = {**os.environ, "PIP_CONFIG_FILE": os.devnull, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:"]
    command += ["--require-hashes", "-r", str(requirements), "-d", str(cache)]
    subprocess.run(command, env=env, check=True, timeout=300)
    with tarfile.open(cache / f"pypi_attestations-{VERSION}.tar.gz") as sdist:
        members = [m for m in sdist.getmembers() if "/test/assets/" in m.name and m.isfile()]
        sdist.extractall(cache, members=members, filter="data")
    return Assets(folder)


def assets_in(config: pytest.Config, factory: pytest.TempPathFactory) -> Assets:
    """The assets cached under pytest's cache when it is on, else in this session's temp folder."""
    cache = getattr(config, "cache", None)
    root = cache.mkdir("pypi-attestations-assets") if cache is not None else factory.mktemp("attest")
    return fetch(Path(root))
