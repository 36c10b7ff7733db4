"""What API Gateway never sends still gets a 400 proxy response, never an exception (issue 20, item 7)."""

from __future__ import annotations

from typing import Any

import pytest

from handlers import api
from handlers.web.http import Request
from tests.support.moto import Index
from tests.support.proxy import body_of, proxy_event


def _with(**fields: Any) -> dict[str, Any]:
    event = proxy_event("GET", "/demo/", {"Accept": "text/html"})
    event.update(fields)
    return event


def _upload(body: Any, *, base64_encoded: bool = False) -> dict[str, Any]:
    event = proxy_event("POST", "/", {"Content-Type": "multipart/form-data; boundary=x"})
    event["body"], event["isBase64Encoded"] = body, base64_encoded
    return event


SHAPES: dict[str, Any] = {
    "none": None,
    "list": [],
    "number": 7,
    "string": "GET /",
    "headers-list": _with(headers=["Accept", "text/html"]),
    "multi-value-headers-list": _with(multiValueHeaders=[["Accept", "text/html"]]),
    "resource-list": _with(resource=["/{package+}"]),
    "resource-object": _with(resource={"/oidc/mint-token": "POST"}),
    "path-number": _with(path=3),
    "path-parameters-list": _with(pathParameters=["demo"]),
    "upload-body-number": _upload(12),
    "upload-body-list": _upload(["--x"]),
    "upload-body-object-base64": _upload({"a": 1}, base64_encoded=True),
    "upload-body-lone-surrogate": _upload("--x\r\n\ud800\r\n--x--\r\n"),
    "upload-body-bad-base64": _upload("not base64!", base64_encoded=True),
}


@pytest.mark.parametrize("event", list(SHAPES.values()), ids=list(SHAPES))
def test_event_shapes_api_gateway_never_sends_are_400(index: Index, event: Any) -> None:
    response = api.handler(event, None)
    assert response["statusCode"] == 400, body_of(response)
    assert set(response) == {"statusCode", "multiValueHeaders", "body", "isBase64Encoded"}
    assert b"Traceback" not in body_of(response)


def test_a_body_decoded_with_surrogateescape_keeps_its_bytes() -> None:
    """What the dev server hands over (bytes decoded with surrogateescape) is read as those bytes."""
    raw = b"--x\r\n\xff\xfe not utf-8\r\n--x--\r\n"
    assert Request.from_event(_upload(raw.decode("utf-8", errors="surrogateescape"))).body == raw
