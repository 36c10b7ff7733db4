"""Issue 27: what the path pip and uv walk costs in S3 requests, and what clients may keep.

A package installed from a fresh cache is a page, a ``.metadata`` and a download: one GET, one GET
and none (the page just served says the project offers files). A quarantine still hides files: the
page's word is trusted for two seconds, a ``.metadata`` exists only while the project offers files.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator

import pytest

from handlers import layout, reindex
from handlers.auth.tokens import TokenStore
from handlers.aws import clients
from handlers.aws.storage import Storage
from handlers.controls import recent
from handlers.controls.registry import Registry
from handlers.controls.rules import ACTIVE, ProjectStatus, Status
from handlers.names import NormalizedName
from handlers.simple import pages
from tests.support.events import s3_event
from tests.support.moto import Index
from tests.support.proxy import body_of, headers_of, make_wheel

WHEEL = "demo-1.0-py3-none-any.whl"
FILE = f"/demo/{WHEEL}"
METADATA_KEY = layout.metadata_key("demo", WHEEL)


class Clock:
    """The memory's clock, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    fake = Clock()
    monkeypatch.setattr(recent, "clock", fake)
    recent.forget()
    yield fake
    recent.forget()


@pytest.fixture
def demo(index: Index, clock: Clock) -> Index:
    index.put(f"demo/{WHEEL}", make_wheel("demo", "1.0"))
    reindex.handler({"rebuild": True}, None)
    index.counter.reset()
    return index


def set_status(index: Index, status: Status) -> None:
    """What ``admin status`` writes, then the event S3 raises for it, as the queue delivers it."""
    Registry(Storage(clients.s3(), index.bucket)).set_status(NormalizedName("demo"), ProjectStatus(status))
    reindex.handler(s3_event("created", index.bucket, layout.status_key("demo")), None)


def costs(index: Index, path: str, status: int, method: str = "GET") -> dict[str, int]:
    """The S3 requests one answer cost, by operation (the answer's status checked)."""
    index.counter.reset()
    response = index.get(path, method=method)
    assert response["statusCode"] == status, (path, body_of(response))
    return dict(index.counter.calls)


def test_a_package_costs_two_gets_fresh(demo: Index) -> None:
    assert costs(demo, "/demo/", 200) == {"GetObject": 1}
    assert costs(demo, f"{FILE}.metadata", 200) == {"GetObject": 1}
    assert costs(demo, FILE, 302) == {}  # the page just read says demo offers files
    assert costs(demo, FILE, 302, method="HEAD") == {}  # uv's HEAD before a ranged read


def test_metadata_costs_one_get_without_a_page_read(demo: Index) -> None:
    assert costs(demo, f"{FILE}.metadata", 200) == {"GetObject": 1}
    assert costs(demo, FILE, 302) == {"GetObject": 1}  # no page read here: the status record
    assert costs(demo, "/demo/no-such-1.0-py3-none-any.whl.metadata", 404) == {"GetObject": 2}


def test_the_pages_word_lasts_two_seconds(demo: Index, clock: Clock) -> None:
    costs(demo, "/demo/", 200)
    clock.now += recent.MEMORY_SECONDS
    assert costs(demo, FILE, 302) == {}
    clock.now += 0.01
    assert costs(demo, FILE, 302) == {"GetObject": 1}
    # Another bucket's page says nothing about this one (one Lambda serves one bucket, tests many).
    recent.page_read("another-bucket", "demo", "active")
    assert costs(demo, FILE, 302) == {"GetObject": 1}


def test_a_quarantine_hides_files_two_seconds_after_the_reindex(demo: Index, clock: Clock) -> None:
    costs(demo, "/demo/", 200)  # active, as the page said before the quarantine
    set_status(demo, Status.QUARANTINED)
    # Until the page's word expires a redirect trusts it; the presigned URL outlives it anyway.
    clock.now += 1
    assert costs(demo, FILE, 302) == {}
    clock.now += 1.01
    response = demo.get(FILE)
    assert response["statusCode"] == 404 and b"quarantined" in body_of(response)
    # The metadata went with the reindex: one GET finds nothing, a second says why.
    assert costs(demo, f"{FILE}.metadata", 404) == {"GetObject": 2}
    assert b"quarantined" in body_of(demo.get(f"{FILE}.metadata"))
    assert demo.s3.list_objects_v2(Bucket=demo.bucket, Prefix=layout.metadata_prefix("demo"))["KeyCount"] == 0
    # A page read after the reindex shows the quarantine: nothing is remembered, nothing served.
    assert costs(demo, "/demo/", 200) == {"GetObject": 1}
    assert costs(demo, FILE, 404) == {"GetObject": 1}


def test_lifting_a_quarantine_brings_the_metadata_back_at_once(demo: Index) -> None:
    before = body_of(demo.get(f"{FILE}.metadata"))
    set_status(demo, Status.QUARANTINED)
    costs(demo, "/demo/", 200)  # a quarantined page: the project is forgotten, not remembered
    set_status(demo, Status.ACTIVE)
    assert costs(demo, FILE, 302) == {"GetObject": 1}
    assert body_of(demo.get(f"{FILE}.metadata")) == before


def test_an_event_for_a_quarantined_projects_wheel_leaves_no_metadata(demo: Index) -> None:
    set_status(demo, Status.QUARANTINED)
    # As an attempt that read the page before the quarantine and lost its write would have left it.
    demo.put(METADATA_KEY, b"Metadata-Version: 2.1\n")
    reindex.handler(s3_event("created", demo.bucket, f"demo/{WHEEL}"), None)
    assert demo.get(f"{FILE}.metadata")["statusCode"] == 404


def test_a_rebuild_drops_the_metadata_of_quarantined_projects(demo: Index) -> None:
    Registry(Storage(clients.s3(), demo.bucket)).set_status(
        NormalizedName("demo"), ProjectStatus(Status.QUARANTINED)
    )
    reindex.handler({"rebuild": True}, None)  # as after an upgrade: metadata written before
    assert demo.get(f"{FILE}.metadata")["statusCode"] == 404
    Registry(Storage(clients.s3(), demo.bucket)).set_status(NormalizedName("demo"), ACTIVE)
    reindex.handler({"rebuild": True}, None)
    assert demo.get(f"{FILE}.metadata")["statusCode"] == 200


def test_a_page_from_before_pages_carried_the_status_proves_nothing(demo: Index) -> None:
    key = layout.project_page_key("demo")
    stored = demo.s3.get_object(Bucket=demo.bucket, Key=key)
    assert stored["Metadata"][pages.STATUS_METADATA] == "active"
    older = {k: v for k, v in stored["Metadata"].items() if k != pages.STATUS_METADATA}
    demo.put(key, stored["Body"].read(), Metadata=older)
    assert costs(demo, "/demo/", 200) == {"GetObject": 1}
    assert costs(demo, FILE, 302) == {"GetObject": 1}


def max_age(cache_control: str) -> int:
    match = re.search(r"\bmax-age=(\d+)", cache_control)
    assert match is not None, cache_control
    return int(match.group(1))


def test_metadata_is_kept_by_clients_for_a_day_or_more(demo: Index) -> None:
    cache = headers_of(demo.get(f"{FILE}.metadata"))["Cache-Control"]
    directives = {d.strip() for d in cache.split(",")}
    assert "immutable" in directives and "private" not in directives
    assert max_age(cache) >= 86400
    # Pages keep revalidating; redirects (presigned, short-lived) are never kept.
    assert headers_of(demo.get("/demo/"))["Cache-Control"] == "no-cache"
    assert headers_of(demo.get(FILE))["Cache-Control"] == "no-store"


def test_metadata_behind_a_token_is_private(demo: Index, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUBLIC_READ", "false")
    token = TokenStore(Storage(clients.s3(), demo.bucket)).create("reader", ("read",))
    auth = "Basic " + base64.b64encode(f"__token__:{token}".encode()).decode()
    response = demo.get(f"{FILE}.metadata", Authorization=auth)
    assert response["statusCode"] == 200
    cache = headers_of(response)["Cache-Control"]
    assert {"private", "immutable"} <= {d.strip() for d in cache.split(",")} and max_age(cache) >= 86400
    assert demo.get(f"{FILE}.metadata")["statusCode"] == 401
