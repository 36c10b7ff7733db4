"""The local API Gateway over raw HTTP: routes, keep-alive, concurrency, payload limits."""

from __future__ import annotations

import hashlib
import http.client
import socket
import time
from urllib.parse import urljoin, urlsplit

import pytest
import requests

from tests.support.devserver import BUCKET, Running, Seed

pytestmark = pytest.mark.e2e


def _connection(running: Running) -> http.client.HTTPConnection:
    parts = urlsplit(running.index_url)
    return http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)


def _request(
    running: Running, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    connection = _connection(running)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/"),
        ("POST", "/"),  # twine's PyPI habit: the upload URL without the stage
        ("POST", "/simple/legacy/"),
        ("GET", "/simplex/"),
        ("GET", "/other/simple/"),
        ("POST", "/simple/chain-a/"),
        ("DELETE", "/simple/"),
        ("PUT", "/simple/chain-a/chain_a-1.0-py3-none-any.whl"),
        ("OPTIONS", "/simple/"),
    ],
)
def test_a_missing_route_gets_a_404_naming_the_index(devserver: Running, method: str, path: str) -> None:
    status, headers, body = _request(devserver, method, path)
    # The component's MISSING_AUTHENTICATION_TOKEN gateway response: not API Gateway's 403 about a
    # token, which sent people debugging their credentials after a wrong upload URL.
    assert status == 404
    assert headers["content-type"] == "text/plain; charset=utf-8"
    assert b"/simple/" in body and b"Token" not in body
    assert headers["x-amzn-errortype"] == "MissingAuthenticationTokenException"


@pytest.mark.parametrize("path", ["/simple", "/simple/"])
def test_the_stage_root_is_the_root_index(devserver: Running, path: str) -> None:
    status, headers, body = _request(devserver, "GET", path)
    assert status == 200
    assert b'href="chain-a/"' in body
    assert headers["content-length"] == str(len(body))


def test_head_has_no_body(devserver: Running) -> None:
    status, headers, body = _request(devserver, "HEAD", "/simple/chain-a/")
    assert (status, body) == (200, b"")
    assert "content-length" in headers


def test_non_normalized_names_redirect_and_unknown_projects_fall_back(devserver: Running) -> None:
    status, headers, _ = _request(devserver, "GET", "/simple/Foo.Bar_baz/")
    assert status == 301
    assert urljoin(devserver.index_url + "Foo.Bar_baz/", headers["location"]).endswith("/simple/foo-bar-baz/")
    status, headers, _ = _request(devserver, "GET", "/simple/no-such-project/")
    assert status == 302
    assert headers["location"] == devserver.fallback_url + "no-such-project/"


def test_an_encoded_plus_reaches_the_file(devserver: Running, seeded: Seed) -> None:
    filename = "plus_pkg-1.0+local-py3-none-any.whl"
    response = requests.get(
        devserver.index_url + "plus-pkg/" + filename.replace("+", "%2B"), allow_redirects=True, timeout=30
    )
    assert response.status_code == 200, response.text
    assert response.history and response.history[0].status_code == 302
    assert hashlib.sha256(response.content).hexdigest() == seeded.files[filename]


def test_keep_alive_reuses_the_connection(devserver: Running) -> None:
    connection = _connection(devserver)
    try:
        sockets = []
        for path in ["/simple/", "/simple/chain-a/", "/simple/chain-b/"]:
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            assert response.status == 200
            sockets.append(connection.sock)
        assert sockets[0] is not None and all(s is sockets[0] for s in sockets)
    finally:
        connection.close()


def test_a_slow_client_does_not_hold_up_others(devserver: Running) -> None:
    parts = urlsplit(devserver.index_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as slow:
        slow.sendall(b"GET /simple/ HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
        started = time.monotonic()
        status, _, _ = _request(devserver, "GET", "/simple/chain-c/")
        assert status == 200
        assert time.monotonic() - started < 5


def _upload_hint(devserver: Running) -> bytes:
    """The admin upload the 413 names, for any size over the limits."""
    admin = f".venv/bin/python -m admin --endpoint-url {devserver.s3_endpoint}"
    return f"{admin} --bucket {BUCKET} upload FILE".encode()


def test_a_body_over_10_mb_gets_the_413_that_names_the_admin_upload(devserver: Running) -> None:
    body = b"x" * (10 * 1024 * 1024 + 1)
    status, headers, answer = _request(
        devserver, "POST", "/simple/", body, {"Content-Type": "application/octet-stream"}
    )
    assert status == 413
    assert headers["content-type"] == "text/plain; charset=utf-8"
    assert _upload_hint(devserver) in answer
    assert b"HTTP content length exceeded" not in answer


def test_an_event_over_6_mb_gets_the_request_too_large_answer(devserver: Running) -> None:
    body = b"x" * (5 * 1024 * 1024)  # 6.7 MB once base64-encoded into the event
    status, headers, answer = _request(
        devserver, "POST", "/simple/", body, {"Content-Type": "application/octet-stream"}
    )
    assert status == 413
    assert headers["x-amzn-errortype"] == "BadRequestException"
    assert _upload_hint(devserver) in answer


def test_a_body_under_the_limits_reaches_the_handler(devserver: Running) -> None:
    body = b"x" * (4 * 1024 * 1024)
    status, headers, _ = _request(devserver, "POST", "/simple/", body, {"Content-Type": "text/plain"})
    assert status != 413
    assert "x-amzn-errortype" not in headers


def _raw(running: Running) -> socket.socket:
    parts = urlsplit(running.index_url)
    return socket.create_connection((parts.hostname, parts.port), timeout=30)


def _read_response(sock: socket.socket) -> bytes:
    """One whole response (headers and a Content-Length body) from a raw socket."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(
        next(
            line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")
        )
    )
    while len(body) < length:
        body += sock.recv(65536)
    return head + b"\r\n\r\n" + body


def test_a_chunked_body_over_10_mb_gets_413_and_the_connection_lives_on(devserver: Running) -> None:
    chunk = b"x" * (1024 * 1024)
    with _raw(devserver) as sock:
        sock.sendall(b"POST /simple/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        for _ in range(11):
            sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        sock.sendall(b"0\r\n\r\n")
        first = _read_response(sock)
        assert first.startswith(b"HTTP/1.1 413 ")
        assert first.endswith(_upload_hint(devserver) + b"`, which writes straight to S3, any size.")
        sock.sendall(b"GET /simple/ HTTP/1.1\r\nHost: x\r\n\r\n")
        assert _read_response(sock).startswith(b"HTTP/1.1 200 ")


def test_expect_100_continue_gets_the_413_before_the_body(devserver: Running) -> None:
    with _raw(devserver) as sock:
        sock.sendall(
            b"POST /simple/ HTTP/1.1\r\nHost: x\r\nContent-Length: 20000000\r\nExpect: 100-continue\r\n\r\n"
        )
        answer = _read_response(sock)
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert b"connection: close" in answer.lower()
