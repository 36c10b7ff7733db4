"""Issue 23: the fallback as a caching proxy with a minimum release age, against moto and a fake
upstream on loopback (a static PEP 691 index with old and new upload times)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from handlers import layout, reindex
from handlers.controls.rules import namespaces_to_json
from handlers.proxy import upstream as upstream_module
from tests.support.moto import Index
from tests.support.proxy import body_of, headers_of, make_wheel
from tests.support.upstream import MIDDLE, OLD, FakeUpstream, demo_upstream, serving

JSON = "application/vnd.pypi.simple.v1+json"


@pytest.fixture
def upstream() -> Iterator[FakeUpstream]:
    with serving(demo_upstream()) as fake:
        yield fake


@pytest.fixture
def proxied(index: Index, upstream: FakeUpstream, monkeypatch: pytest.MonkeyPatch) -> Index:
    monkeypatch.setenv("FALLBACK_INDEX_URL", upstream.index_url)
    monkeypatch.setenv("FALLBACK_MODE", "proxy")
    monkeypatch.setenv("MIN_RELEASE_AGE_DAYS", "7")
    for name in ("FALLBACK_DENY", "FALLBACK_ALLOW", "FALLBACK_CACHE_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    return index


def page(index: Index, name: str) -> dict[str, object]:
    response = index.get(f"/{name}/", accept=JSON)
    assert response["statusCode"] == 200, body_of(response)
    assert headers_of(response)["Content-Type"] == JSON
    document: dict[str, object] = json.loads(body_of(response))
    return document


def test_files_younger_than_the_minimum_age_are_left_out(proxied: Index, upstream: FakeUpstream) -> None:
    document = page(proxied, "demo")
    files = {f["filename"]: f for f in document["files"]}  # type: ignore[attr-defined]
    assert sorted(files) == [f"demo-{v}-py3-none-any.whl" for v in ("1.0", "1.1", "1.2")]
    assert document["versions"] == ["1.0", "1.1", "1.2"]  # 2.0 kept no file
    one, yanked = files["demo-1.0-py3-none-any.whl"], files["demo-1.1-py3-none-any.whl"]
    # As the upstream gives them: the same upload-time strings, hashes, both metadata keys, the yank.
    assert one["upload-time"] == OLD and yanked["upload-time"] == MIDDLE
    source = upstream.projects["demo"][0]
    assert one["hashes"] == {"sha256": source.sha256} and one["size"] == len(source.body)
    assert one["core-metadata"] == one["dist-info-metadata"] and "sha256" in one["core-metadata"]
    assert yanked["yanked"] == "broken" and one["yanked"] is False
    # Absolute, the upstream's own.
    assert one["url"] == f"{upstream.url}/files/demo-1.0-py3-none-any.whl"


def test_the_html_page_says_the_same(proxied: Index, upstream: FakeUpstream) -> None:
    response = proxied.get("/demo/", accept="text/html")
    assert response["statusCode"] == 200
    html = body_of(response).decode()
    sha = upstream.projects["demo"][0].sha256
    assert f'href="{upstream.url}/files/demo-1.0-py3-none-any.whl#sha256={sha}"' in html
    assert 'data-yanked="broken"' in html and "data-core-metadata=" in html
    assert "demo-2.0" not in html
    assert headers_of(response)["Vary"].startswith("Accept")


def test_without_an_age_every_file_and_version_passes(
    proxied: Index, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MIN_RELEASE_AGE_DAYS", "0")
    document = page(proxied, "demo")
    assert len(document["files"]) == 4  # type: ignore[arg-type]
    assert document["versions"] == ["1.0", "1.1", "1.2", "2.0"]
    assert len(page(proxied, "undated")["files"]) == 1  # type: ignore[arg-type]


def test_with_an_age_a_file_without_upload_time_is_left_out_and_the_page_stays(proxied: Index) -> None:
    document = page(proxied, "undated")
    assert document["files"] == [] and document["versions"] == []


def test_an_html_upstream_has_no_upload_times(
    proxied: Index, upstream: FakeUpstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    upstream.html_only = True
    assert page(proxied, "demo")["files"] == []
    monkeypatch.setenv("MIN_RELEASE_AGE_DAYS", "0")  # another policy: the cached page is not used
    first: dict[str, str] = page(proxied, "demo")["files"][0]  # type: ignore[index]
    assert first["url"] == f"{upstream.url}/files/demo-1.0-py3-none-any.whl"
    assert upstream.page_requests() == 2


def test_an_upstream_quarantine_serves_no_files(proxied: Index) -> None:
    document = page(proxied, "held")
    assert document["files"] == [] and document["versions"] == []
    assert document["project-status"] == {"status": "quarantined", "reason": "upstream said so"}


@pytest.mark.parametrize(
    ("setting", "value", "why"),
    [("FALLBACK_DENY", "Demo,other", "denied"), ("FALLBACK_ALLOW", "requests", "not on the allow list")],
)
def test_the_name_lists_hold_a_name_back_with_a_404_that_says_so(
    proxied: Index,
    upstream: FakeUpstream,
    monkeypatch: pytest.MonkeyPatch,
    setting: str,
    value: str,
    why: str,
) -> None:
    monkeypatch.setenv(setting, value)
    response = proxied.get("/demo/")
    assert response["statusCode"] == 404
    assert b"held back by the fallback policy" in body_of(response) and why.encode() in body_of(response)
    assert upstream.requests == []


def test_an_allowed_name_passes(proxied: Index, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FALLBACK_ALLOW", "demo")
    assert len(page(proxied, "demo")["files"]) == 3  # type: ignore[arg-type]


def test_a_fresh_cached_page_costs_one_get_beyond_a_redirect_and_no_upstream_request(
    proxied: Index, upstream: FakeUpstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FALLBACK_MODE", "redirect")
    assert proxied.get("/demo/")["statusCode"] == 302  # a warm function: the namespaces are cached
    proxied.counter.reset()
    assert proxied.get("/demo/")["statusCode"] == 302
    redirect_calls = dict(proxied.counter.calls)
    monkeypatch.setenv("FALLBACK_MODE", "proxy")
    proxied.counter.reset()
    first = page(proxied, "demo")
    uncached = dict(proxied.counter.calls)
    assert upstream.page_requests() == 1
    assert uncached == {**redirect_calls, "GetObject": redirect_calls.get("GetObject", 0) + 1, "PutObject": 1}
    proxied.counter.reset()
    assert page(proxied, "demo") == first
    assert dict(proxied.counter.calls) == {
        **redirect_calls,
        "GetObject": redirect_calls.get("GetObject", 0) + 1,
    }
    assert upstream.page_requests() == 1


def test_the_cache_is_outside_the_generated_prefix(proxied: Index) -> None:
    page(proxied, "demo")
    keys = [o["Key"] for o in proxied.s3.list_objects_v2(Bucket=proxied.bucket)["Contents"]]
    assert keys == [layout.proxy_page_key("demo")]
    assert not keys[0].startswith(layout.GENERATED_PREFIX) and layout.is_generated(keys[0])


def age_cache(index: Index, name: str) -> None:
    """Make the cached page old, as if fetched long ago (no clock in the test)."""
    key = layout.proxy_page_key(name)
    head = index.s3.head_object(Bucket=index.bucket, Key=key)
    index.s3.copy_object(
        Bucket=index.bucket, Key=key, CopySource={"Bucket": index.bucket, "Key": key},
        Metadata={**head["Metadata"], "fetched-at": "0"}, MetadataDirective="REPLACE",
    )  # fmt: skip


def test_a_stale_page_is_fetched_again(proxied: Index, upstream: FakeUpstream) -> None:
    page(proxied, "demo")
    age_cache(proxied, "demo")
    page(proxied, "demo")
    assert upstream.page_requests() == 2


def test_when_the_upstream_fails_the_cached_page_is_served_however_old(
    proxied: Index, upstream: FakeUpstream
) -> None:
    first = page(proxied, "demo")
    age_cache(proxied, "demo")
    upstream.fail = True
    assert page(proxied, "demo") == first
    assert upstream.page_requests() == 2


def test_without_a_cached_page_a_failing_upstream_is_a_503_with_retry_after(
    proxied: Index, upstream: FakeUpstream
) -> None:
    upstream.fail = True
    response = proxied.get("/demo/")
    assert response["statusCode"] == 503 and headers_of(response)["Retry-After"] == "30"
    assert b"did not answer" in body_of(response)


def test_a_slow_upstream_is_given_up_on(
    proxied: Index, upstream: FakeUpstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(upstream_module, "UPSTREAM_TIMEOUT", 0.2)
    upstream.delay = 1.0
    response = proxied.get("/demo/")
    assert response["statusCode"] == 503 and "Retry-After" in headers_of(response)


def test_a_name_the_upstream_lacks_is_a_404(proxied: Index, upstream: FakeUpstream) -> None:
    response = proxied.get("/nowhere/")
    assert response["statusCode"] == 404 and b"fallback index" in body_of(response)


def test_etag_and_if_none_match_on_a_proxied_page(proxied: Index) -> None:
    first = proxied.get("/demo/", accept=JSON)
    again = proxied.get("/demo/", accept=JSON, If_None_Match=headers_of(first)["ETag"])
    assert again["statusCode"] == 304


def test_gzip_when_accepted(proxied: Index) -> None:
    response = proxied.get("/demo/", accept=JSON, Accept_Encoding="gzip")
    assert headers_of(response)["Content-Encoding"] == "gzip"


def test_held_and_reserved_names_never_go_upstream(proxied: Index, upstream: FakeUpstream) -> None:
    proxied.put(layout.NAMESPACES_KEY, namespaces_to_json(["demo"]))
    assert proxied.get("/demo/")["statusCode"] == 404
    proxied.put("undated/undated-9.0-py3-none-any.whl", make_wheel("undated", "9.0"))
    response = proxied.get("/undated/")  # held, its page on the way
    assert response["statusCode"] == 503 and b"being indexed" in body_of(response)
    assert upstream.requests == []


def test_an_upload_shadows_the_upstream_at_once(proxied: Index, upstream: FakeUpstream) -> None:
    assert len(page(proxied, "undated")["files"]) == 0  # type: ignore[arg-type]
    proxied.put("undated/undated-9.0-py3-none-any.whl", make_wheel("undated", "9.0"))
    reindex.handler({"rebuild": True}, None)
    files = page(proxied, "undated")["files"]
    assert [f["filename"] for f in files] == ["undated-9.0-py3-none-any.whl"]  # type: ignore[attr-defined]
    assert upstream.page_requests() == 1


def test_redirect_stays_the_default(proxied: Index, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FALLBACK_MODE")
    assert proxied.get("/demo/")["statusCode"] == 302


def test_another_mode_is_a_configuration_error(proxied: Index, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FALLBACK_MODE", "mirror")
    response = proxied.get("/demo/")
    assert response["statusCode"] == 500 and b"FALLBACK_MODE" not in body_of(response)
