"""The local API Gateway's translation, with fake handlers: routes, the event, the answer, the limits."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from components import routes
from devserver import gateway, lambdas, limits
from devserver.gateway import HttpRequest, MalformedProxyResponse

API = gateway.Api(api_id="abcdef1234", resource_ids={"/": "root000000", "/{package+}": "pkg000"})


def request(
    method: str = "GET",
    target: str = "/simple/",
    headers: list[tuple[str, str]] | None = None,
    body: bytes = b"",
) -> HttpRequest:
    return HttpRequest(
        method, target, headers or [("Host", "127.0.0.1:8080")], body, client_ip="10.0.0.7", server_port=8080
    )


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("GET", "/simple", ("/", "/", None)),
        ("GET", "/simple/", ("/", "/", None)),
        ("HEAD", "/simple/", ("/", "/", None)),
        ("POST", "/simple/", ("/", "/", None)),
        ("GET", "/simple/Foo.Bar/", ("/{package+}", "/Foo.Bar/", "Foo.Bar")),
        ("GET", "/simple/foo", ("/{package+}", "/foo", "foo")),
        ("HEAD", "/simple/foo/foo-1.0.tar.gz", ("/{package+}", "/foo/foo-1.0.tar.gz", "foo/foo-1.0.tar.gz")),
        # percent-encoding is kept, as API Gateway REST keeps it
        (
            "GET",
            "/simple/foo/foo-1.0%2Blocal.tar.gz",
            ("/{package+}", "/foo/foo-1.0%2Blocal.tar.gz", "foo/foo-1.0%2Blocal.tar.gz"),
        ),
        ("POST", "/simple/foo/", None),  # POST exists on / only
        ("PUT", "/simple/", None),
        ("DELETE", "/simple/foo/", None),
        ("OPTIONS", "/simple/", None),
        ("GET", "/", None),  # outside the stage
        ("GET", "/simplex/", None),
        ("GET", "/Simple/", None),  # stages are case-sensitive
        ("GET", "/simple//", None),  # {package+} needs a character
    ],
)
def test_match(method: str, path: str, expected: tuple[str, str, str | None] | None) -> None:
    route = gateway.match(method, path)
    if expected is None:
        assert route is None
        return
    assert route is not None
    assert (route.resource, route.path, route.package) == expected


def test_split_target() -> None:
    assert gateway.split_target("/simple/?a=1&b") == ("/simple/", "a=1&b")
    assert gateway.split_target("http://h:1/simple/x?y=2") == ("/simple/x", "y=2")
    assert gateway.split_target("/simple/#frag") == ("/simple/", "")


def test_event_for_a_project_page() -> None:
    req = request(
        target="/simple/Foo.Bar/?x=1&x=2&plus=a%2Bb&space=a+b&empty=",
        headers=[
            ("Host", "127.0.0.1:8080"),
            ("Accept", "text/html"),
            ("X-Probe", "first"),
            ("x-probe", "second"),
            ("Content-Length", "0"),
            ("Connection", "keep-alive"),
            ("User-Agent", "pip/26.3"),
        ],
    )
    route = gateway.match("GET", "/simple/Foo.Bar/")
    assert route is not None
    event = gateway.to_event(req, route, API, "req-1")
    assert event["resource"] == "/{package+}"
    assert event["path"] == "/Foo.Bar/"
    assert event["pathParameters"] == {"package": "Foo.Bar"}
    assert event["httpMethod"] == "GET"
    assert event["headers"]["Accept"] == "text/html"
    assert event["headers"]["X-Probe"] == "second"
    assert event["multiValueHeaders"]["X-Probe"] == ["first", "second"]
    assert "Content-Length" not in event["headers"] and "Connection" not in event["headers"]
    assert event["headers"]["X-Forwarded-For"] == "10.0.0.7"
    assert event["headers"]["X-Forwarded-Proto"] == "http"
    assert event["headers"]["X-Amzn-Trace-Id"].startswith("Root=1-")
    assert event["queryStringParameters"] == {"x": "2", "plus": "a+b", "space": "a b", "empty": ""}
    assert event["multiValueQueryStringParameters"]["x"] == ["1", "2"]
    assert event["stageVariables"] is None
    assert (event["body"], event["isBase64Encoded"]) == (None, False)
    context = event["requestContext"]
    assert context["path"] == "/simple/Foo.Bar/"
    assert (context["stage"], context["resourcePath"], context["httpMethod"]) == (
        "simple",
        "/{package+}",
        "GET",
    )
    assert (context["requestId"], context["apiId"], context["resourceId"]) == (
        "req-1",
        "abcdef1234",
        "pkg000",
    )
    assert context["identity"]["sourceIp"] == "10.0.0.7"
    assert context["identity"]["userAgent"] == "pip/26.3"
    assert context["domainName"] == "127.0.0.1:8080"
    assert isinstance(context["requestTimeEpoch"], int)
    json.dumps(event)  # JSON all the way down


def test_event_for_the_root_with_a_body() -> None:
    body = bytes(range(256))
    req = request(
        "POST", "/simple/", body=body, headers=[("Content-Type", "multipart/form-data; boundary=x")]
    )
    route = gateway.match("POST", "/simple/")
    assert route is not None
    event = gateway.to_event(req, route, API, "req-2")
    assert (event["resource"], event["path"], event["pathParameters"]) == ("/", "/", None)
    assert event["queryStringParameters"] is None and event["multiValueQueryStringParameters"] is None
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == body
    assert event["requestContext"]["resourceId"] == "root000000"


def test_an_existing_x_forwarded_for_is_extended() -> None:
    req = request(headers=[("X-Forwarded-For", "203.0.113.9")])
    route = gateway.match("GET", "/simple/")
    assert route is not None
    assert gateway.to_event(req, route, API, "r")["headers"]["X-Forwarded-For"] == "203.0.113.9, 10.0.0.7"


def test_answer_merges_multi_value_headers_first() -> None:
    answer = {
        "statusCode": 302,
        "headers": {"Location": "https://x/", "Set-Cookie": "a=1", "Content-Length": "999"},
        "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
        "body": "moved",
        "isBase64Encoded": False,
    }
    response = gateway.from_proxy(answer, "GET")
    assert response.status == 302
    assert response.headers == [("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"), ("Location", "https://x/")]
    assert response.body == b"moved"


def test_answer_in_base64_and_for_head() -> None:
    payload = b"\x1f\x8b\x00binary"
    answer = {"statusCode": 200, "body": base64.b64encode(payload).decode(), "isBase64Encoded": True}
    assert gateway.from_proxy(answer, "GET").body == payload
    head = gateway.from_proxy({"statusCode": 200, "headers": {"Content-Length": "42"}, "body": ""}, "HEAD")
    assert (head.body, head.content_length) == (b"", 42)


@pytest.mark.parametrize(
    "answer",
    [
        None,
        "a string",
        {"statusCode": "teapot"},
        {"statusCode": 200, "headers": ["x"]},
        {"statusCode": 200, "multiValueHeaders": {"X": "not a list"}},
        {"statusCode": 200, "body": {"not": "a string"}},
        {"statusCode": 200, "body": "!!!", "isBase64Encoded": True},
    ],
)
def test_malformed_answers(answer: Any) -> None:
    with pytest.raises(MalformedProxyResponse):
        gateway.from_proxy(answer, "GET")


def ok_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"statusCode": 200, "headers": {"Content-Type": "text/plain"}, "body": event["path"]}


def serve(req: HttpRequest, handler: lambdas.Handler = ok_handler) -> gateway.HttpResponse:
    return gateway.serve(req, handler, api=API, bucket="pypi")


def test_serve_passes_the_path_and_adds_a_request_id() -> None:
    response = serve(request(target="/simple/foo/"))
    assert (response.status, response.body) == (200, b"/foo/")
    assert dict(response.headers)["x-amzn-RequestId"]


def test_serve_a_missing_route() -> None:
    response = serve(request(target="/elsewhere"))
    assert response.status == 404
    assert b"/simple/" in response.body and b"Token" not in response.body
    assert dict(response.headers)["Content-Type"] == "text/plain; charset=utf-8"
    assert dict(response.headers)["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"


def test_serve_a_body_over_api_gateways_limit_names_the_admin_upload() -> None:
    response = serve(request("POST", body=b"x" * (limits.API_GATEWAY_MAX_BODY + 1)))
    # The same REQUEST_TOO_LARGE text as the 6 MiB case, not API Gateway's bare size (issue 22).
    assert (response.status, response.body.decode()) == (413, routes.too_large_message("pypi"))
    assert dict(response.headers)["Content-Type"] == "text/plain; charset=utf-8"


def test_serve_an_event_over_lambdas_limit() -> None:
    # 4.6 MiB of body is 6.1 MiB of base64: over Lambda's 6 MiB once in the event.
    response = serve(request("POST", body=b"x" * (46 * 1024 * 1024 // 10)))
    assert response.status == 413
    # The component's REQUEST_TOO_LARGE gateway response; no endpoint given, so no --endpoint-url.
    assert response.body.decode() == routes.too_large_message("pypi")
    assert b".venv/bin/python -m admin --bucket pypi upload FILE" in response.body
    headers = dict(response.headers)
    assert headers["Content-Type"] == "text/plain; charset=utf-8"
    assert headers["x-amzn-ErrorType"] == "BadRequestException"


def test_serve_a_body_just_under_lambdas_limit_reaches_the_handler() -> None:
    response = serve(request("POST", body=b"x" * (4 * 1024 * 1024)))
    assert response.status == 200


def test_serve_an_answer_over_lambdas_limit() -> None:
    def big(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return {"statusCode": 200, "body": "x" * limits.LAMBDA_MAX_RESPONSE}

    response = serve(request(), big)
    assert (response.status, response.body) == (502, b'{"message": "Internal server error"}')


def test_serve_a_handler_that_raises_or_answers_nonsense(caplog: pytest.LogCaptureFixture) -> None:
    def boom(event: dict[str, Any], context: Any) -> dict[str, Any]:
        raise RuntimeError("boom")

    def not_json(event: dict[str, Any], context: Any) -> Any:
        return {"statusCode": 200, "body": object()}

    def not_proxy(event: dict[str, Any], context: Any) -> Any:
        return ["a list"]

    for handler in (boom, not_json, not_proxy):
        response = serve(request(), handler)
        assert (response.status, response.body) == (502, b'{"message": "Internal server error"}'), handler
    assert "boom" in caplog.text


def test_serve_head_sends_no_body() -> None:
    response = serve(request("HEAD", "/simple/x/"))
    assert (response.status, response.body, response.content_length) == (200, b"", 3)


def test_the_handler_gets_plain_json_and_a_context() -> None:
    seen: dict[str, Any] = {}

    def spy(event: dict[str, Any], context: Any) -> dict[str, Any]:
        seen["event"], seen["context"] = event, context
        return {"statusCode": 204}

    assert serve(request(), spy).status == 204
    assert isinstance(seen["event"], dict)
    assert seen["context"].function_name == "serverless-pypi-api"
    assert seen["context"].get_remaining_time_in_millis() > 0


def test_header_lines_drop_injection() -> None:
    assert gateway.header_lines([("A", "ok"), ("B", "x\r\nInjected: 1"), ("C\n", "v")]) == [("A", "ok")]


def test_the_413_names_the_embedded_s3_when_the_dev_server_gives_it() -> None:
    body = b"x" * (46 * 1024 * 1024 // 10)
    response = gateway.serve(
        request("POST", body=body),
        ok_handler,
        api=gateway.Api(),
        bucket="pypi",
        s3_endpoint="http://127.0.0.1:4566",
    )
    assert response.status == 413
    command = ".venv/bin/python -m admin --endpoint-url http://127.0.0.1:4566 --bucket pypi upload FILE"
    assert command.encode() in response.body
