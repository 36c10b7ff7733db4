"""The one translation between proxy events and responses."""

from __future__ import annotations

import base64
import gzip

import pytest

from handlers.web.http import BadRequest, Request, Response, accepts_gzip, encode, from_error, to_proxy
from tests.support.proxy import headers_of


def request(method: str = "GET", **headers: str) -> Request:
    return Request(method, "/", {k.lower().replace("_", "-"): v for k, v in headers.items()})


def test_binary_bodies_are_base64_and_text_is_not() -> None:
    binary = to_proxy(Response(200, b"\xff\x00", {"Content-Type": "application/octet-stream"}), request())
    assert binary["isBase64Encoded"] is True and base64.b64decode(binary["body"]) == b"\xff\x00"
    plain = to_proxy(Response(200, b"hello", {"Content-Type": "text/plain"}), request())
    assert plain["isBase64Encoded"] is False and plain["body"] == "hello"
    assert plain["multiValueHeaders"]["Content-Type"] == ["text/plain"]


def test_large_text_is_gzipped_only_for_clients_that_take_it() -> None:
    page = Response(200, b"x" * 5000, {"Content-Type": "text/html"})
    zipped = to_proxy(encode(page, gzip_client := request(Accept_Encoding="gzip, deflate")), gzip_client)
    assert headers_of(zipped)["Content-Encoding"] == "gzip"
    assert gzip.decompress(base64.b64decode(zipped["body"])) == b"x" * 5000
    assert to_proxy(encode(page, request()), request())["body"] == "x" * 5000
    assert "Accept-Encoding" in headers_of(zipped)["Vary"]


def test_stored_gzip_is_inflated_for_clients_without_gzip() -> None:
    stored = Response(200, gzip.compress(b"<html>"), {"Content-Type": "text/html"}, gzipped=True)
    assert to_proxy(encode(stored, request()), request())["body"] == "<html>"
    passed = to_proxy(encode(stored, gzip_client := request(Accept_Encoding="gzip")), gzip_client)
    assert passed["isBase64Encoded"] and headers_of(passed)["Content-Encoding"] == "gzip"


def test_head_has_no_body() -> None:
    response = to_proxy(Response(200, b"x" * 5000, {"Content-Type": "text/html"}), request("HEAD"))
    assert response["body"] == ""


@pytest.mark.parametrize(
    ("header", "accepted"),
    [
        ("gzip", True),
        ("gzip, deflate, br", True),
        ("deflate", False),
        ("gzip;q=0", False),
        ("*", True),
        (None, False),
        ("*;q=0, gzip", True),  # a coding named exactly beats "*", wherever it stands
        ("gzip;q=0, *", False),
        ("x-gzip", True),
        ("gzip;q=0.000", False),
        ("gzip;q=0.5", True),
    ],
)
def test_accepts_gzip(header: str | None, accepted: bool) -> None:
    assert accepts_gzip(header) is accepted


def test_request_from_event_decodes_base64_to_bytes() -> None:
    event = {
        "httpMethod": "post",
        "path": "/",
        "body": base64.b64encode(b"\x00\xff").decode(),
        "isBase64Encoded": True,
    }
    req = Request.from_event(event)
    assert req.method == "POST" and req.body == b"\x00\xff"


@pytest.mark.parametrize("event", [{}, {"path": "relative"}, {"path": 3}, "not a dict"])
def test_malformed_events(event: object) -> None:
    with pytest.raises(BadRequest):
        Request.from_event(event)  # type: ignore[arg-type]


def test_errors_are_short_plain_text() -> None:
    response = from_error(BadRequest("Invalid filename"))
    assert response.status == 400 and response.body == b"Invalid filename\n"
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
