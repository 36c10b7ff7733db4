"""The pure parts of serving a page too large for Lambda: the URL a client asked, the size a body
takes in a proxy response, the gzip trailer, and copies whose links stand anywhere."""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypi_simple import ProjectPage

from handlers.names import NormalizedName
from handlers.simple import pages, rebase, render
from handlers.simple.model import FileFacts, ProjectDetail
from handlers.web.http import Request, json_string_size
from tests.support.proxy import load_event, proxy_event

NOW = "2026-01-01T00:00:00Z"


def url_of(event: dict[str, Any]) -> str | None:
    return Request.from_event(event).url


def test_the_url_under_every_mapping_api_gateway_sends() -> None:
    # execute-api: ``path`` drops the stage, requestContext.path keeps it.
    assert url_of(load_event("api_get_project.json")) == (
        "https://abcdef1234.execute-api.us-east-1.amazonaws.com/simple/Foo.Bar_baz/"
    )
    # A custom domain with base path "simple": the domain, never the API's own Host.
    assert url_of(load_event("api_custom_domain_root.json")) == "https://pypi.example.com/simple/"
    assert (
        url_of(load_event("api_custom_domain_project.json")) == "https://pypi.example.com/simple/foo-bar-baz/"
    )
    # A custom domain mapped at its root: no stage in the client's URL.
    event = load_event("api_custom_domain_project.json")
    event["path"] = event["requestContext"]["path"] = "/foo-bar-baz/"
    assert url_of(event) == "https://pypi.example.com/foo-bar-baz/"


def test_the_url_the_dev_server_sends() -> None:
    from devserver import gateway

    request = gateway.HttpRequest("GET", "/simple/foo/", [("Host", "127.0.0.1:8080")], b"", server_port=8080)
    route = gateway.match("GET", "/simple/foo/")
    assert route is not None
    event = gateway.to_event(request, route, gateway.Api(), "id")
    assert url_of(event) == "http://127.0.0.1:8080/simple/foo/"


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"X-Forwarded-Proto": "javascript"}, "not http or https"),
        ({"domainName": "evil.example/x"}, "a host with a path"),
        ({"domainName": 'a"b'}, "a host with a quote"),
        ({"domainName": None, "Host": None}, "no host at all"),
        ({"path": "/simple/other/"}, "a path that is not the routed one"),
        ({"path": '/simple/"><script>/foo-bar-baz/'}, "a path with markup"),
        ({"path": None}, "no path"),
    ],
)
def test_an_event_that_does_not_say_gives_no_url(change: dict[str, Any], why: str) -> None:
    event = load_event("api_custom_domain_project.json")
    for name, value in change.items():
        if name in ("X-Forwarded-Proto", "Host"):
            event["headers"][name] = value
            event["multiValueHeaders"].pop(name, None)
        else:
            event["requestContext"][name] = value
    assert url_of(event) is None, why


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300) | st.text(max_size=100).map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_the_size_counted_is_what_the_runtime_serializes(body: bytes) -> None:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return  # a text body is UTF-8 (to_proxy sends anything else base64-encoded)
    assert json_string_size(body) == len(json.dumps(text).encode("utf-8"))


def test_the_trailer_says_the_inflated_size_and_a_stub_is_damaged() -> None:
    page = render.root_html([NormalizedName("a")] * 1000)
    assert pages.inflated_size(gzip.compress(page, mtime=0)) == len(page)
    with pytest.raises(pages.DamagedPage):
        pages.inflated_size(b"\x1f\x8b\x08")


def test_a_copy_resolves_like_the_page_at_its_url_wherever_it_is_read() -> None:
    files = (
        FileFacts("foo-1.0.tar.gz", "foo/foo-1.0.tar.gz", "e", 1, "1" * 64, NOW, provenance_sha256="2" * 64),
        FileFacts("foo-1.1.tar.gz", "Foo/foo-1.1.tar.gz", "e", 1, "3" * 64, NOW),
    )
    detail = ProjectDetail(NormalizedName("foo"), files)
    url = "https://pypi.example.com/simple/foo/"
    at_home = ProjectPage.from_html("foo", render.project_html(detail), base_url=url)
    elsewhere = "https://bucket.s3.amazonaws.com/.pypi-api/large/x?X-Amz-Signature=y"
    copied = ProjectPage.from_html(
        "foo", rebase.html_page(render.project_html(detail), url), base_url=elsewhere
    )
    assert [p.url for p in copied.packages] == [p.url for p in at_home.packages]
    assert [p.url for p in copied.packages] == [
        f"{url}foo-1.0.tar.gz",  # pypi-simple keeps the #sha256= in digests
        "https://pypi.example.com/simple/Foo/foo-1.1.tar.gz",
    ]
    document = json.loads(rebase.json_page(render.project_json(detail), url))
    copied = ProjectPage.from_json_data(document, base_url=elsewhere)
    assert [p.url for p in copied.packages] == [
        f"{url}foo-1.0.tar.gz",
        "https://pypi.example.com/simple/Foo/foo-1.1.tar.gz",
    ]
    assert (
        document["files"][0]["provenance"]
        == "https://pypi.example.com/integrity/foo/1.0/foo-1.0.tar.gz/provenance"
    )
    assert document["files"][1]["provenance"] is None


def test_a_base_url_is_escaped_and_a_root_json_is_left_as_it_is() -> None:
    html = rebase.html_page(b"<html><head></head></html>", 'https://h/a"b&c/')
    assert html == b'<html><head>\n<base href="https://h/a&quot;b&amp;c/"></head></html>'
    root = render.root_json([NormalizedName("a")])
    assert rebase.json_page(root, "https://h/simple/") == root


def test_the_test_events_keep_the_shape_the_url_is_read_from() -> None:
    event = proxy_event("GET", "/foo/", {})
    assert event["requestContext"]["path"] == "/simple/foo/"
