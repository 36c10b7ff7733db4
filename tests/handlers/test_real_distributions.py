"""Real distributions from the public registry pass the upload checks (issue 10, item 8).

Validating core metadata as a whole document refuses real files (``packaging``'s
``Metadata.from_email(validate=True)`` refused 40 of 66 tried: fields newer than the declared
Metadata-Version, such as ``License-Expression`` under 2.1). The index checks field by field; this
holds that choice against real wheels and sdists, downloaded once per session with an isolated pip.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypi_simple import PyPISimple

from handlers.archives import distributions
from handlers.archives.distributions import Refused
from handlers.uploads import publish
from testkit.clients import explain, isolated_env, pip

#: Pinned, so the set is the same every run: popular projects, several build backends, both kinds,
#: PKG-INFO first (setuptools) and last (flit), Metadata-Version 1.x to 2.4, License-Expression.
REAL = [
    "Django==5.2.8",
    "requests==2.32.5",
    "attrs==25.4.0",
    "six==1.17.0",
    "urllib3==2.5.0",
    "packaging==25.0",
    "certifi==2025.10.5",
    "idna==3.11",
    "click==8.3.0",
    "Jinja2==3.1.6",
    "MarkupSafe==3.0.3",
    "PyYAML==6.0.3",
    "typing_extensions==4.15.0",
    "python-dateutil==2.9.0.post0",
    "pytz==2025.2",
    "tomli==2.3.0",
    "flit_core==3.12.0",
    "wheel==0.45.1",
    "boto3==1.40.70",
    "docutils==0.22.3",
]


def _sdist_of(requirement: str, into: Path, client: PyPISimple) -> None:
    """Fetch a release's sdist from the registry's simple index (pip would build it to read metadata)."""
    name, version = requirement.split("==")
    for package in client.get_project_page(name).packages:
        if package.package_type == "sdist" and package.version == version:
            client.download_package(package, into / package.filename)


@pytest.fixture(scope="session")
def real_files(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Path]]:
    home = tmp_path_factory.mktemp("pip-home")
    into = tmp_path_factory.mktemp("real")
    wheels = pip(
        "download", "--no-deps", "--only-binary=:all:", "-d", str(into), *REAL, env=isolated_env(home)
    )
    if wheels.returncode != 0:
        pytest.fail(explain(wheels))
    with PyPISimple() as client:
        for requirement in REAL:
            _sdist_of(requirement, into, client)
    yield sorted(p for p in into.iterdir() if p.name.endswith(distributions.UPLOAD_SUFFIXES))


def test_real_wheels_and_sdists_pass_the_upload_checks(real_files: list[Path]) -> None:
    wheels = [p for p in real_files if p.suffix == ".whl"]
    sdists = [p for p in real_files if p.suffix != ".whl"]
    assert len(wheels) == len(REAL) and len(sdists) >= len(REAL) - 2, [p.name for p in real_files]
    refused = {}
    for path in real_files:
        try:
            publish.check_distribution(path.name, io.BytesIO(path.read_bytes()))
        except Refused as error:
            refused[path.name] = str(error)
    assert refused == {}
