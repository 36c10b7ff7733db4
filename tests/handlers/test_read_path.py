"""The API handler against moto: formats, names, redirects, errors, and what each request costs."""

from __future__ import annotations

import gzip
import hashlib
import json
from urllib.parse import urlsplit

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handlers import reindex
from handlers.controls import recent
from tests.support.moto import Index
from tests.support.proxy import body_of, headers_of, load_event, make_wheel

JSON = "application/vnd.pypi.simple.v1+json"


@pytest.fixture
def populated(index: Index) -> Index:
    index.put(
        "Foo.Bar_baz/foo_bar_baz-1.0-py3-none-any.whl",
        make_wheel("foo-bar-baz", "1.0", requires_python=">=3.8,<4"),
    )
    index.put("foo-bar-baz/foo_bar_baz-2.0-py3-none-any.whl", make_wheel("foo-bar-baz", "2.0"))
    index.put("foo-bar-baz/foo-bar-baz-2.0.tar.gz", b"not really an sdist")
    index.put("zope.interface/zope.interface-6.0-py3-none-any.whl", make_wheel("zope.interface", "6.0"))
    reindex.handler({"rebuild": True}, None)
    index.counter.reset()
    return index


def test_recorded_event_gets_the_json_page_gzipped(populated: Index) -> None:
    from handlers import api

    response = api.handler(load_event("api_get_project.json"), None)
    # The recorded path is a non-normalized spelling: a permanent redirect to the normalized URL.
    assert response["statusCode"] == 301
    assert response["multiValueHeaders"]["Location"] == ["../foo-bar-baz/"]
    event = load_event("api_get_project.json")
    event["path"] = "/foo-bar-baz/"
    event["pathParameters"] = {"package": "foo-bar-baz"}
    response = api.handler(event, None)
    assert response["statusCode"] == 200
    assert response["isBase64Encoded"] is True
    assert response["multiValueHeaders"]["Content-Encoding"] == ["gzip"]
    assert response["multiValueHeaders"]["Content-Type"] == [JSON]
    assert "Accept" in response["multiValueHeaders"]["Vary"][0]
    page = json.loads(gzip.decompress(body_of(response)))
    assert page["meta"]["api-version"] == "1.4"
    assert [f["filename"] for f in page["files"]] == [
        "foo-bar-baz-2.0.tar.gz",
        "foo_bar_baz-1.0-py3-none-any.whl",
        "foo_bar_baz-2.0-py3-none-any.whl",
    ]
    assert page["versions"] == ["1.0", "2.0"]


def test_page_lists_every_folder_spelling_with_hashes_and_metadata(populated: Index) -> None:
    response = populated.get("/foo-bar-baz/", accept=JSON)
    page = json.loads(body_of(response))
    by_name = {f["filename"]: f for f in page["files"]}
    wheel = by_name["foo_bar_baz-1.0-py3-none-any.whl"]
    expected = hashlib.sha256(make_wheel("foo-bar-baz", "1.0", requires_python=">=3.8,<4")).hexdigest()
    assert wheel["hashes"] == {"sha256": expected}
    assert wheel["url"] == "../Foo.Bar_baz/foo_bar_baz-1.0-py3-none-any.whl"
    assert wheel["requires-python"] == ">=3.8,<4"
    assert wheel["core-metadata"] == wheel["dist-info-metadata"] != False  # noqa: E712
    assert by_name["foo-bar-baz-2.0.tar.gz"]["core-metadata"] is False
    assert wheel["yanked"] is False
    assert wheel["upload-time"].endswith("Z")
    assert populated.counter.total == 1


def test_html_page_escapes_and_carries_every_attribute(populated: Index) -> None:
    response = populated.get("/foo-bar-baz/")
    assert headers_of(response)["Content-Type"] == "text/html; charset=utf-8"
    html = body_of(response).decode()
    assert '<meta name="pypi:repository-version" content="1.4">' in html
    assert 'data-requires-python="&gt;=3.8,&lt;4"' in html
    assert 'data-core-metadata="sha256=' in html and 'data-dist-info-metadata="sha256=' in html
    assert 'href="../Foo.Bar_baz/foo_bar_baz-1.0-py3-none-any.whl#sha256=' in html


def test_costs_one_get_per_page_and_per_redirect(populated: Index) -> None:
    recent.forget()  # a redirect with no page read before it (tests/handlers/test_install_cost.py)
    response = populated.get("/foo-bar-baz/foo_bar_baz-2.0-py3-none-any.whl")
    assert response["statusCode"] == 302
    assert dict(populated.counter.calls) == {"GetObject": 1}  # the project's status: not quarantined
    for path in ("/", "/foo-bar-baz/", "/zope-interface/"):
        populated.counter.reset()
        assert populated.get(path)["statusCode"] == 200
        assert dict(populated.counter.calls) == {"GetObject": 1}, path
    # The presigned URL works, and it is for this very object.
    download = requests.get(headers_of(response)["Location"], timeout=10)
    assert download.content == make_wheel("foo-bar-baz", "2.0")


def test_head_of_a_file_is_presigned_for_head(populated: Index) -> None:
    response = populated.get("/foo-bar-baz/foo_bar_baz-2.0-py3-none-any.whl", method="HEAD")
    assert response["statusCode"] == 302 and response["body"] == ""
    head = requests.head(headers_of(response)["Location"], timeout=10)
    assert head.status_code == 200
    assert int(head.headers["Content-Length"]) == len(make_wheel("foo-bar-baz", "2.0"))


def test_metadata_is_the_wheels_metadata_byte_for_byte(populated: Index) -> None:
    populated.put("nonascii/nonascii-1.0-py3-none-any.whl", make_wheel("nonascii", "1.0", author="Zoë"))
    reindex.handler({"rebuild": True}, None)
    page = json.loads(body_of(populated.get("/nonascii/", accept=JSON)))
    response = populated.get("/nonascii/nonascii-1.0-py3-none-any.whl.metadata")
    assert response["statusCode"] == 200
    data = body_of(response)
    assert "Author: Zoë" in data.decode("utf-8")
    assert hashlib.sha256(data).hexdigest() == page["files"][0]["core-metadata"]["sha256"]


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("/Foo.Bar_baz/", "../foo-bar-baz/"),
        ("/FOO-BAR-BAZ/", "../foo-bar-baz/"),
        ("/foo-bar-baz", "foo-bar-baz/"),  # no trailing slash: relative to the stage root
        ("/Zope.Interface", "zope-interface/"),
    ],
)
def test_non_normalized_urls_redirect_permanently(populated: Index, path: str, location: str) -> None:
    response = populated.get(path)
    assert response["statusCode"] == 301
    assert headers_of(response)["Location"] == location
    assert populated.counter.total == 0


def test_unknown_project_falls_back_temporarily_or_404(
    populated: Index, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert populated.get("/requests/")["statusCode"] == 404
    monkeypatch.setenv("FALLBACK_INDEX_URL", "https://pypi.org/simple")
    response = populated.get("/requests/")
    assert response["statusCode"] == 302
    assert headers_of(response)["Location"] == "https://pypi.org/simple/requests/"
    # Never for a project the bucket holds, in any spelling.
    assert populated.get("/foo-bar-baz/")["statusCode"] == 200
    assert populated.get("/Foo.Bar_baz/")["statusCode"] == 301


def test_etag_and_if_none_match(populated: Index) -> None:
    first = populated.get("/foo-bar-baz/", accept=JSON)
    etag = headers_of(first)["ETag"]
    again = populated.get("/foo-bar-baz/", accept=JSON, If_None_Match=etag)
    assert again["statusCode"] == 304 and again["body"] == ""
    assert headers_of(again)["ETag"] == etag
    # The HTML page has its own tag: the JSON one does not match it.
    assert populated.get("/foo-bar-baz/", If_None_Match=etag)["statusCode"] == 200


def test_head_is_get_without_a_body(populated: Index) -> None:
    get, head = populated.get("/foo-bar-baz/"), populated.get("/foo-bar-baz/", method="HEAD")
    assert head["statusCode"] == get["statusCode"] == 200
    assert head["body"] == "" and get["body"]
    assert headers_of(head) == headers_of(get)


def test_gzip_only_when_accepted(populated: Index) -> None:
    plain = populated.get("/foo-bar-baz/")
    assert "Content-Encoding" not in headers_of(plain)
    zipped = populated.get("/foo-bar-baz/", Accept_Encoding="gzip")
    assert headers_of(zipped)["Content-Encoding"] == "gzip"
    assert gzip.decompress(body_of(zipped)) == body_of(plain)
    refused = populated.get("/foo-bar-baz/", Accept_Encoding="gzip;q=0, identity")
    assert "Content-Encoding" not in headers_of(refused)


def test_empty_bucket_serves_an_empty_root(index: Index) -> None:
    response = index.get("/", accept=JSON)
    assert response["statusCode"] == 200
    assert json.loads(body_of(response)) == {"meta": {"api-version": "1.4"}, "projects": []}


def test_root_lists_normalized_projects(populated: Index) -> None:
    root = json.loads(body_of(populated.get("/", accept=JSON)))
    assert root["projects"] == [{"name": "foo-bar-baz"}, {"name": "zope-interface"}]
    html = body_of(populated.get("/")).decode()
    assert '<a href="foo-bar-baz/">foo-bar-baz</a>' in html
    # The compatibility copy for the original module's layout.
    compat = populated.s3.get_object(Bucket=populated.bucket, Key="index.html")["Body"].read().decode()
    assert '<a href="zope-interface/">zope-interface</a>' in compat


BAD_PATHS = [
    "/../etc/passwd",
    "/foo/../../etc/",
    "/%2e%2e/",  # encoded traversal, decoded once by API Gateway and once by us
    "/%252e%252e/",  # double encoding leaves a '%': refused
    "/foo%5c..%5cbar/",
    "/foo\\bar/",
    "/foo\x00/",
    "/caf\u00e9/",
    "/" + "a" * 300 + "/",
    "/-leading-dash/",
    "/<script>alert(1)</script>/",
    "/foo/bar\r\nSet-Cookie: x=1",
    "/foo/not-a-dist.txt",
    "/foo/..whl",
    "/foo/.hidden.whl",
    "/%ff%fe/",  # percent-encoded bytes that are not UTF-8
    "/foo/%00.whl",
]


@pytest.mark.parametrize("path", BAD_PATHS)
def test_bad_paths_get_a_short_4xx(populated: Index, path: str) -> None:
    response = populated.get(path)
    assert 400 <= response["statusCode"] < 500, response
    body = body_of(response).decode()
    assert "Traceback" not in body and "<script>" not in body and len(body) < 200
    assert all("\n" not in value and "\r" not in value for value in headers_of(response).values())
    assert populated.counter.total == 0


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"])
def test_unknown_methods_get_405(populated: Index, method: str) -> None:
    response = populated.get("/foo-bar-baz/", method=method)
    assert response["statusCode"] == 405
    assert headers_of(response)["Allow"] == "GET, HEAD"


def test_accept_that_admits_nothing_gets_406(populated: Index) -> None:
    response = populated.get("/foo-bar-baz/", accept="image/png")
    assert response["statusCode"] == 406
    assert "application/vnd.pypi.simple.v1+json" in body_of(response).decode()


def test_latest_is_answered_with_the_concrete_type(populated: Index) -> None:
    response = populated.get("/", accept="application/vnd.pypi.simple.latest+json")
    assert headers_of(response)["Content-Type"] == JSON


def test_malformed_events_get_400_not_500(index: Index) -> None:
    from handlers import api

    assert api.handler({"httpMethod": "GET"}, None)["statusCode"] == 400
    bad_body = {"httpMethod": "POST", "path": "/", "body": "***", "isBase64Encoded": True}
    assert api.handler(bad_body, None)["statusCode"] == 400


def test_missing_bucket_setting_is_a_bare_500(index: Index, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("S3_BUCKET")
    response = index.get("/")
    assert response["statusCode"] == 500
    assert "Traceback" not in body_of(response).decode()


def test_presigned_url_ttl_comes_from_the_environment(
    populated: Index, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("S3_PRESIGNED_URL_TTL", "60")
    location = headers_of(populated.get("/foo-bar-baz/foo_bar_baz-2.0-py3-none-any.whl"))["Location"]
    assert "X-Amz-Expires=60" in urlsplit(location).query


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    path=st.text(min_size=0, max_size=80),
    accept=st.text(max_size=40),
    method=st.sampled_from(["GET", "HEAD", "POST", "PUT"]),
)
def test_no_path_header_or_method_gets_a_5xx(index: Index, path: str, accept: str, method: str) -> None:
    response = index.get("/" + path, accept=accept, method=method)
    assert 200 <= response["statusCode"] < 500, (path, accept, method)


@pytest.mark.parametrize(
    ("event_file", "expected"),
    [
        ("api_custom_domain_project.json", '"name":"foo-bar-baz"'),
        ("api_custom_domain_root.json", "foo-bar-baz"),
    ],
)
def test_behind_a_custom_domain_the_base_path_never_matters(
    populated: Index, event_file: str, expected: str
) -> None:
    # API Gateway puts the mapping's base path ("/simple") into `path`; resource and
    # pathParameters do not carry it, and only the trailing slash is taken from `path`.
    from handlers import api

    event = load_event(event_file)
    event["multiValueHeaders"]["Accept-Encoding"] = ["identity"]
    event["headers"]["Accept-Encoding"] = "identity"
    response = api.handler(event, None)
    assert response["statusCode"] == 200, body_of(response)
    assert expected in body_of(response).decode()
    download = load_event("api_custom_domain_project.json")
    download["path"] = "/simple/foo-bar-baz/foo_bar_baz-2.0-py3-none-any.whl"
    download["pathParameters"] = {"package": "foo-bar-baz/foo_bar_baz-2.0-py3-none-any.whl"}
    assert api.handler(download, None)["statusCode"] == 302


def test_one_json_access_line_per_request_and_never_a_credential(
    populated: Index, caplog: pytest.LogCaptureFixture
) -> None:
    from handlers import api

    event = load_event("api_custom_domain_project.json")
    event["headers"]["Authorization"] = "Basic X190b2tlbl9fOnNweXBpLXNlY3JldA=="
    with caplog.at_level("INFO", logger="handlers.api"):
        api.handler(event, type("Context", (), {"aws_request_id": "req-1"})())
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.getMessage().startswith("{")]
    assert len(lines) == 1
    (line,) = lines
    assert line["requestId"] == "req-1" and line["ip"] == "203.0.113.7" and line["status"] == 200
    assert (
        line["method"] == "GET" and line["path"] == "/foo-bar-baz/" and line["userAgent"].startswith("pip/")
    )
    assert isinstance(line["ms"], float)
    assert "X190b2tlbl9f" not in caplog.text and "spypi-secret" not in caplog.text


def test_the_first_call_logs_the_runtime_versions_once(
    populated: Index, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from importlib import metadata

    from handlers import api

    monkeypatch.setattr(api, "_first_call", True)
    with caplog.at_level("INFO", logger="handlers.api"):
        populated.get("/")
        populated.get("/")
    said = [r.getMessage() for r in caplog.records if r.getMessage().startswith("runtime ")]
    assert len(said) == 1
    versions = json.loads(said[0].removeprefix("runtime "))
    assert versions["boto3"] == metadata.version("boto3") and versions["botocore"] == metadata.version(
        "botocore"
    )
