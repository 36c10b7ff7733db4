"""The HTTP side of the local API Gateway: sockets, bodies, keep-alive and the access log.

One thread per connection (``ThreadingHTTPServer``), HTTP/1.1 keep-alive as pip and uv expect,
``Content-Length`` on every answer, no body for HEAD. Request bodies may be sent with
``Content-Length`` or chunked; a body over API Gateway's 10 MB gets its 413 without being read, and
the connection is closed (its unread bytes cannot be skipped). The translation itself is
:mod:`devserver.gateway`.
"""

from __future__ import annotations

import logging
import socket
import ssl
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from devserver import gateway, lambdas, limits
from devserver.tls import handshake, wrap_listener

log = logging.getLogger(__name__)
access_log = logging.getLogger("devserver.access")

#: Seconds an idle keep-alive connection is kept open.
IDLE_TIMEOUT = 60
#: A body over the limit is still read (and dropped) up to this size, so that a client that sends
#: its whole body before reading the answer (requests, twine) gets the 413 instead of a broken pipe.
DRAIN_LIMIT = 256 * 1024 * 1024
_CHUNK = 1024 * 1024


def printable(text: str) -> str:
    """``text`` for a log line: control characters (a forged line break, an escape) escaped.

    >>> printable('GET /x\r\n127.0.0.1 "GET /admin" 200')
    'GET /x\\r\\n127.0.0.1 "GET /admin" 200'
    """
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


class _BodyTooLarge(Exception):
    """The request body is over API Gateway's limit; ``drained``: it was read to its end."""

    def __init__(self, drained: bool):
        super().__init__("request body too large")
        self.drained = drained


class GatewayServer(ThreadingHTTPServer):
    """A threaded HTTP server that answers every request through :func:`gateway.serve`."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(
        self,
        host: str,
        port: int,
        handler: lambdas.Handler,
        *,
        bucket: str,
        s3_endpoint: str | None = None,
        tls: ssl.SSLContext | None = None,
    ):
        if ":" in host:
            self.address_family = socket.AF_INET6
        super().__init__((host, port), _RequestHandler)
        self.handler = handler
        self.bucket = bucket
        self.s3_endpoint = s3_endpoint
        self.api = gateway.Api()
        self.tls = tls
        if tls is not None:
            self.socket = wrap_listener(self.socket, tls)

    def finish_request(self, request: Any, client_address: Any) -> None:
        """Serve one connection (in its own thread); over TLS, shake hands first."""
        if handshake(request, IDLE_TIMEOUT):
            super().finish_request(request, client_address)

    @property
    def port(self) -> int:
        """The port actually bound (useful when asked for port 0)."""
        return int(self.server_address[1])

    def answer(self, request: gateway.HttpRequest) -> gateway.HttpResponse:
        """The gateway's answer to one request."""
        return gateway.serve(
            request, self.handler, api=self.api, bucket=self.bucket, s3_endpoint=self.s3_endpoint
        )

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Log a failed connection; a client hanging up is not worth a traceback."""
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError):
            log.debug("%s hung up: %s", client_address[0], error)
        else:
            log.exception("error on the connection from %s", client_address[0])


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "serverless-pypi-devserver"
    sys_version = ""
    timeout = IDLE_TIMEOUT
    server: GatewayServer

    def version_string(self) -> str:
        """The ``Server`` header: the dev server's name alone."""
        return self.server_version

    def do_GET(self) -> None:
        self._serve()

    do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_GET

    def _serve(self) -> None:
        started = time.monotonic()
        try:
            body = self._read_body()
        except _BodyTooLarge as error:
            self.close_connection = self.close_connection or not error.drained
            response = gateway.reject_body(self.command, self.server.bucket, self.server.s3_endpoint)
        except ValueError as error:
            self.close_connection = True
            self.send_error(400, f"Bad request body: {error}")
            return
        else:
            request = gateway.HttpRequest(
                method=self.command,
                target=self.path,
                headers=list(self.headers.items()),
                body=body,
                client_ip=str(self.client_address[0]),
                server_port=self.server.port,
                protocol=self.request_version,
            )
            response = self.server.answer(request)
        sent = self._send(response)
        access_log.info(
            '%s "%s" %d %d %.1fms',
            self.client_address[0],
            printable(self.requestline),
            response.status,
            sent,
            (time.monotonic() - started) * 1000,
        )

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        length_text = self.headers.get("Content-Length")
        if length_text is None:
            return b""
        length = int(length_text.strip())  # ValueError: a 400
        if length < 0:
            raise ValueError("negative Content-Length")
        if length > limits.API_GATEWAY_MAX_BODY:
            if length > DRAIN_LIMIT:
                raise _BodyTooLarge(drained=False)
            self._drain(length)
            raise _BodyTooLarge(drained=True)
        body = self.rfile.read(length)
        if len(body) != length:
            raise ValueError("the body ended before its Content-Length")
        return body

    def _drain(self, length: int) -> None:
        while length > 0:
            data = self.rfile.read(min(length, _CHUNK))
            if not data:
                raise ValueError("the body ended before its Content-Length")
            length -= len(data)

    def _read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            size_line = self.rfile.readline(1024)
            size = int(size_line.split(b";", 1)[0].strip(), 16)  # ValueError: a 400
            if size == 0:
                while self.rfile.readline(8192) not in (b"\r\n", b"\n", b""):
                    pass  # trailers: not passed on
                if total > limits.API_GATEWAY_MAX_BODY:
                    raise _BodyTooLarge(drained=True)
                return b"".join(chunks)
            total += size
            if total > DRAIN_LIMIT:
                raise _BodyTooLarge(drained=False)
            if total > limits.API_GATEWAY_MAX_BODY:
                chunks.clear()  # over the limit: read on, keep nothing
                self._drain(size)
            else:
                chunk = self.rfile.read(size)
                if len(chunk) != size:
                    raise ValueError("a chunk ended early")
                chunks.append(chunk)
            self.rfile.readline(1024)  # the CRLF after the chunk

    def handle_expect_100(self) -> bool:
        """``Expect: 100-continue`` with a body over the limit: the 413 at once, no body wanted."""
        length = self.headers.get("Content-Length", "").strip()
        if length.isdigit() and int(length) > limits.API_GATEWAY_MAX_BODY:
            self.close_connection = True
            self._send(gateway.reject_body(self.command, self.server.bucket, self.server.s3_endpoint))
            access_log.info(
                '%s "%s" 413 (before the body)', self.client_address[0], printable(self.requestline)
            )
            return False
        return super().handle_expect_100()

    def _send(self, response: gateway.HttpResponse) -> int:
        """Write ``response``; returns the number of body bytes sent."""
        is_head = self.command == "HEAD"
        length = len(response.body)
        if is_head and response.content_length is not None:
            length = response.content_length
        try:
            self.send_response(response.status)
            for name, value in gateway.header_lines(response.headers):
                self.send_header(name, value)
            self.send_header("Content-Length", str(length))
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if not is_head and response.body:
                self.wfile.write(response.body)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
            return 0
        return 0 if is_head else len(response.body)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Silenced: :meth:`_serve` writes one access-log line with size and time."""

    def log_message(self, format: str, *args: Any) -> None:
        """Protocol errors (a malformed request line) go to the log; an idle timeout is routine."""
        message = format % args
        level = logging.DEBUG if message.startswith("Request timed out") else logging.WARNING
        log.log(level, "%s %s", self.client_address[0], message)
