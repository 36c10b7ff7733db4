"""The web view through the API function, on moto: rules of reads, headers, one GET a view, size."""

from __future__ import annotations

import re
from typing import Any

import pytest

from handlers import api, reindex
from testkit.hostile import wheel_with_metadata
from tests.support.events import s3_event
from tests.support.moto import Index
from tests.support.proxy import body_of


def text_of(response: dict[str, Any]) -> str:
    return body_of(response).decode()


def view_event(path: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """The event the web view's REST API (stage ``project``) sends for ``/project{path}``."""
    below = path.strip("/")
    return {
        "resource": "/{view+}" if below else "/",
        "path": "/project" + path,
        "httpMethod": "GET",
        "headers": headers or {},
        "multiValueHeaders": None,
        "pathParameters": {"view": below} if below else None,
        "requestContext": {"stage": "project", "identity": {"sourceIp": "203.0.113.7"}},
        "body": None,
        "isBase64Encoded": False,
    }


def published(index: Index, files: int = 10) -> None:
    """``widget`` with ``files`` wheels (one version each), indexed by their events."""
    for number in range(files):
        version = f"1.{number}"
        meta = f"Metadata-Version: 2.1\nName: widget\nVersion: {version}\nSummary: Widgets\n\n# Widget\n"
        key = f"widget/widget-{version}-py3-none-any.whl"
        body = wheel_with_metadata("widget", version, meta.encode())
        etag = index.put(key, body)
        reindex.handler(s3_event("created", index.bucket, key, etag=etag, size=len(body)), None)


@pytest.fixture
def public(index: Index, monkeypatch: pytest.MonkeyPatch) -> Index:
    monkeypatch.setenv("PUBLIC_READ", "true")
    published(index)
    index.counter.reset()
    return index


def test_a_view_costs_one_get_and_is_safe_by_its_headers(public: Index) -> None:
    response = api.handler(view_event("/widget/"), None)
    assert response["statusCode"] == 200
    assert public.counter.calls == {"GetObject": 1}
    headers = {k: v[0] for k, v in response["multiValueHeaders"].items()}
    csp = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp and "*" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    html = text_of(response)
    assert "<style" not in html and "style=" not in html
    assert not re.search(r"<script[^>]*>[^<]", html), "an inline script"
    assert 'id="version">1.9<' in html


def test_a_ten_file_project_view_stays_small(public: Index) -> None:
    html = text_of(api.handler(view_event("/widget/"), None)).encode()
    css, js = (
        text_of(api.handler(view_event(f"/_static/site.{ext}"), None)).encode() for ext in ("css", "js")
    )
    # Under 50 KB of HTML, CSS and script for a project of 10 files (README aside).
    assert len(html) + len(css) + len(js) < 50_000, (len(html), len(css), len(js))


def test_the_project_list_is_one_get_of_the_root(public: Index) -> None:
    response = api.handler(view_event("/"), None)
    assert response["statusCode"] == 200 and public.counter.calls == {"GetObject": 1}
    assert 'data-name="widget"' in text_of(response) and "Widgets" in text_of(response)


def test_static_files_are_cached(public: Index) -> None:
    for name in ("site.css", "site.js", "favicon.svg"):
        response = api.handler(view_event(f"/_static/{name}"), None)
        assert response["statusCode"] == 200
        assert "max-age=86400" in response["multiValueHeaders"]["Cache-Control"][0]
    assert public.counter.calls == {}


def test_names_redirect_and_unknown_names_are_a_404_page(public: Index) -> None:
    response = api.handler(view_event("/Widget/"), None)
    assert response["statusCode"] == 301
    assert response["multiValueHeaders"]["Location"] == ["../widget/"]
    assert api.handler(view_event("/Widget/1.0/"), None)["multiValueHeaders"]["Location"] == [
        "../../widget/1.0/"
    ]
    missing = api.handler(view_event("/nothing-here/"), None)
    assert missing["statusCode"] == 404
    assert "text/html" in missing["multiValueHeaders"]["Content-Type"][0]
    assert "nothing-here is not in this index" in text_of(missing)
    assert api.handler(view_event("/widget/9.9/"), None)["statusCode"] == 404


def test_private_views_ask_for_basic_credentials(index: Index, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUBLIC_READ", "false")
    published(index, files=1)
    response = api.handler(view_event("/widget/"), None)
    assert response["statusCode"] == 401
    assert response["multiValueHeaders"]["WWW-Authenticate"][0].startswith("Basic")
    assert api.handler(view_event("/_static/site.css"), None)["statusCode"] == 200


def test_quarantined_project_shows_its_status_and_no_files(public: Index) -> None:
    from handlers.aws import clients
    from handlers.aws.storage import Storage
    from handlers.names import NormalizedName
    from handlers.simple.indexer import Indexer

    public.put(".pypi/operator/status/widget", b'{"status": "quarantined", "reason": "under review"}')
    Indexer(Storage(clients.s3(), public.bucket)).apply_status(NormalizedName("widget"))
    for path in ("/widget/", "/widget/1.3/"):
        html = text_of(api.handler(view_event(path), None))
        assert "quarantined" in html and "under review" in html
        assert "widget-1.3-py3-none-any.whl" not in html and 'class="files"' not in html
