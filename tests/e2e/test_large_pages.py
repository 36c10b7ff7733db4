"""Issue 20, item 8, over HTTP: an index whose root lists 200,000 projects and whose project page
lists 20,000 files, through the dev server (which refuses a Lambda answer over 6 MiB as Lambda does).

pip (which sends gzip) still installs from it; a client that sends no ``Accept-Encoding`` (``urllib``,
as curl without ``--compressed``) follows the 302 to S3 and finds links that lead back to the index:
the root to the project, the project page to a file that downloads with its sha256.
"""

from __future__ import annotations

import hashlib
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypi_simple import ProjectPage, parse_links_stream

from handlers.aws.storage import Storage
from handlers.names import NormalizedName
from handlers.simple.catalog import Catalog, Page
from handlers.simple.model import FileFacts
from testkit import dists
from testkit.clients import explain, pip
from testkit.dists import Meta
from tests.support.devserver import BUCKET, Running, running_devserver

pytestmark = pytest.mark.e2e

DEMO = NormalizedName("large-demo")
PROJECTS = 200_000
OLD_FILES = 20_000


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Running, str]]:
    """A dev server whose root lists 200,000 projects and whose one project page 20,001 files."""
    root = tmp_path_factory.mktemp("large")
    wheel = dists.wheel(root / "data" / DEMO, Meta(DEMO, "1.0"))
    with running_devserver(root / "data", root / "logs") as running:
        catalog = Catalog(Storage(running.s3(), BUCKET))
        page = _indexed(catalog)
        # Older releases, listed only: the page passes 6 MiB, pip still picks 1.0, the one file there.
        files = dict(page.files)
        for number in range(OLD_FILES):
            name = f"large_demo-0.0.{number}-py3-none-any.whl"
            files[f"{DEMO}/{name}"] = FileFacts(
                name,
                f"{DEMO}/{name}",
                "0" * 32,
                1,
                f"{number:064x}",
                "2026-01-01T00:00:00Z",
                requires_python=">=3.8",
                metadata_sha256="a" * 64,
            )
        catalog.write_page(DEMO, files, page.etag)
        # The root as the reindexer writes it, with the reindexer's writer, over the one it wrote.
        stored = catalog.read_root()
        names = sorted({*stored.projects, *(NormalizedName(f"project-{i:06d}") for i in range(PROJECTS))})
        catalog.write_root(names, stored.etag)
        yield running, dists.sha256(wheel)


def _indexed(catalog: Catalog) -> Page:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        page = catalog.read_page(DEMO)
        if page.files:
            return page
        time.sleep(0.2)
    raise AssertionError("the dev server did not index the wheel")


def get(url: str, accept: str) -> tuple[str, bytes]:
    """GET as a client without gzip: the URL it ends at (redirects followed) and the body."""
    request = urllib.request.Request(url, headers={"Accept": accept})  # no Accept-Encoding
    with urllib.request.urlopen(request, timeout=120) as answer:
        assert answer.headers.get("Content-Encoding") is None
        return answer.geturl(), answer.read()


def test_pip_installs_from_an_index_of_200000_projects(
    large: tuple[Running, str], client_env: dict[str, str], tmp_path: Path
) -> None:
    running, _ = large
    target = tmp_path / "site"
    result = pip("install", "--index-url", running.index_url, "--target", str(target), DEMO, env=client_env)
    assert result.returncode == 0, explain(result)
    assert [p.name for p in target.glob("*.dist-info")] == ["large_demo-1.0.dist-info"]


def test_a_client_without_gzip_follows_the_links_of_the_copies_back_to_a_download(
    large: tuple[Running, str],
) -> None:
    running, sha256 = large
    where, body = get(running.index_url, "text/html")
    assert where.startswith(running.s3_endpoint + "/"), where  # the copy, in S3
    links = {link.text: link.url for link in parse_links_stream([body], base_url=where)}
    assert len(links) == PROJECTS + 1
    assert links[DEMO] == f"{running.index_url}{DEMO}/"  # back to the index, not to S3
    where, body = get(links[DEMO], "text/html")
    assert where.startswith(running.s3_endpoint + "/"), where  # this page is too large too
    page = ProjectPage.from_html(DEMO, body, base_url=where)
    assert len(page.packages) == OLD_FILES + 1
    (wheel,) = [p for p in page.packages if p.version == "1.0"]
    assert wheel.url == f"{running.index_url}{DEMO}/large_demo-1.0-py3-none-any.whl"
    _, content = get(wheel.url, "*/*")
    assert hashlib.sha256(content).hexdigest() == sha256 == wheel.digests["sha256"]
