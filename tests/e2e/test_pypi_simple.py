"""pypi-simple reads the local index in HTML and in JSON, and both say the same."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pypi_simple import ACCEPT_HTML_ONLY, ACCEPT_JSON_ONLY, PyPISimple

from tests.support.devserver import Running, Seed

pytestmark = pytest.mark.e2e

PROJECTS = ["big-wheel", "chain-a", "foo-bar-baz", "plus-pkg", "py-range", "real-pkg", "sdist-only"]


def _facts(page: Any) -> list[tuple[Any, ...]]:
    # has_metadata: JSON says false where HTML says nothing (pypi-simple reads that as None).
    return sorted(
        (
            p.filename,
            p.digests.get("sha256"),
            p.requires_python,
            p.is_yanked,
            p.yanked_reason,
            bool(p.has_metadata),
        )
        for p in page.packages
    )


@pytest.mark.parametrize("accept", [ACCEPT_JSON_ONLY, ACCEPT_HTML_ONLY], ids=["json", "html"])
def test_root_lists_every_project(devserver: Running, accept: str) -> None:
    with PyPISimple(endpoint=devserver.index_url, accept=accept) as client:
        page = client.get_index_page()
    assert set(PROJECTS) <= set(page.projects)


@pytest.mark.parametrize("project", PROJECTS)
def test_html_and_json_agree(devserver: Running, seeded: Seed, project: str) -> None:
    with PyPISimple(endpoint=devserver.index_url, accept=ACCEPT_JSON_ONLY) as client:
        as_json = client.get_project_page(project)
    with PyPISimple(endpoint=devserver.index_url, accept=ACCEPT_HTML_ONLY) as client:
        as_html = client.get_project_page(project)
    assert _facts(as_json) == _facts(as_html)
    assert as_json.packages, project
    for package in as_json.packages:
        if package.filename in seeded.files:
            assert package.digests["sha256"] == seeded.files[package.filename]
        assert bool(package.has_metadata) is (package.package_type == "wheel"), package.filename


def test_requires_python_with_lt_and_gt(devserver: Running) -> None:
    with PyPISimple(endpoint=devserver.index_url, accept=ACCEPT_HTML_ONLY) as client:
        page = client.get_project_page("py-range")
    assert [p.requires_python for p in page.packages] == [">3.7, <4"]


def test_core_metadata_keeps_non_ascii(devserver: Running) -> None:
    with PyPISimple(endpoint=devserver.index_url) as client:
        package = client.get_project_page("py-range").packages[0]
        metadata = client.get_package_metadata(package)
    assert "Author: Zoë Ünïcøde" in metadata
    assert "Summary: naïve café ☕" in metadata


def test_download_through_the_presigned_redirect(devserver: Running, seeded: Seed, tmp_path: Path) -> None:
    with PyPISimple(endpoint=devserver.index_url) as client:
        packages = client.get_project_page("real-pkg").packages
        for package in packages:
            client.download_package(package, tmp_path / package.filename, verify=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        n for n in seeded.files if n.startswith("real")
    )
