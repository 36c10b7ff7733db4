"""HTTP for API Gateway REST (v1) proxy integrations: one Request, one Response, one translation.

Request bodies decode to ``bytes`` (uploads are binary). A :class:`Response` and every
:class:`HTTPError` become the proxy dict in :func:`to_proxy`, the only place that knows its shape:
``multiValueHeaders``, base64 with ``isBase64Encoded`` for binary bodies, gzip when the client takes it,
no body for HEAD.
"""

from __future__ import annotations

import base64
import binascii
import gzip
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

#: Bodies smaller than this are not worth compressing.
GZIP_MIN_SIZE = 1024
_COMPRESSIBLE = ("text/", "application/vnd.pypi.", "application/json")


class HTTPError(Exception):
    """An answer other than success, carrying its status, a short message and extra headers."""

    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})


class BadRequest(HTTPError):
    """400: the request is malformed; nothing was done."""

    def __init__(self, message: str):
        super().__init__(400, message)


class NotFound(HTTPError):
    """404: no such project, file or path."""

    def __init__(self, message: str = "Not Found"):
        super().__init__(404, message)


@dataclass(frozen=True)
class Request:
    """The parts of a proxy event the application uses."""

    method: str
    #: Path below the stage, percent-decoded, always starting with "/" (trailing slash kept).
    path: str
    #: Header names lower-cased; the last value wins, as in the event's ``headers``.
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        """A header's value by case-insensitive name."""
        return self.headers.get(name.lower())

    @classmethod
    def from_event(cls, event: Mapping[str, Any]) -> Request:
        """Read a REST v1 proxy event. Raises :class:`BadRequest` for a malformed one."""
        if not isinstance(event, Mapping):
            raise BadRequest("malformed event")
        method = str(event.get("httpMethod") or "").upper()
        raw_path = event.get("path")
        if not isinstance(raw_path, str) or not raw_path.startswith("/"):
            raise BadRequest("malformed path")
        headers: dict[str, str] = {}
        for name, values in (event.get("multiValueHeaders") or {}).items():
            if values:
                headers[str(name).lower()] = str(values[-1])
        for name, value in (event.get("headers") or {}).items():
            if value is not None:
                headers[str(name).lower()] = str(value)
        body = event.get("body") or ""
        if event.get("isBase64Encoded"):
            try:
                data = base64.b64decode(body, validate=True)
            except (binascii.Error, ValueError) as error:
                raise BadRequest("malformed base64 body") from error
        else:
            data = body.encode("utf-8", errors="surrogateescape")
        # API Gateway hands the path decoded; decoding once more is harmless for every valid path
        # (names never contain "%") and makes a doubly-encoded one visibly invalid.
        try:
            path = unquote(raw_path, errors="strict")
        except UnicodeDecodeError as error:
            raise BadRequest("Invalid path: not UTF-8") from error
        return cls(method=method, path=path, headers=headers, body=data)


@dataclass(frozen=True)
class Response:
    """An answer before it becomes a proxy dict."""

    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    #: The body is a complete gzip stream already (a stored page member).
    gzipped: bool = False


def text(status: int, message: str, headers: Mapping[str, str] | None = None) -> Response:
    """A short ``text/plain`` answer: uv shows the body, API Gateway sets the status line itself."""
    return Response(
        status,
        (message.rstrip("\n") + "\n").encode("utf-8"),
        # nosniff: a message may quote what the client sent; browsers must show it as text.
        {"Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff", **(headers or {})},
    )


def redirect(status: int, location: str, headers: Mapping[str, str] | None = None) -> Response:
    """A redirect with a short body naming where it goes."""
    return text(status, f"Redirecting to {location}", {"Location": location, **(headers or {})})


def from_error(error: HTTPError) -> Response:
    """The one translation of an HTTP error into a response."""
    return text(error.status, error.message, error.headers)


def accepts_gzip(accept_encoding: str | None) -> bool:
    """True when ``Accept-Encoding`` admits gzip (pip and uv send ``gzip, deflate``)."""
    if not accept_encoding:
        return False
    for item in accept_encoding.split(","):
        coding, *params = (part.strip().lower() for part in item.split(";"))
        if coding in ("gzip", "x-gzip", "*"):
            refused = any(p.replace(" ", "") in ("q=0", "q=0.0", "q=0.00", "q=0.000") for p in params)
            return not refused
    return False


def to_proxy(response: Response, request: Request | None) -> dict[str, Any]:
    """The REST v1 proxy response for ``response``, encoded for what ``request`` accepts."""
    headers = dict(response.headers)
    body = response.body
    compressible = response.gzipped or headers.get("Content-Type", "").startswith(_COMPRESSIBLE)
    takes_gzip = request is not None and accepts_gzip(request.header("Accept-Encoding"))
    if response.gzipped and not takes_gzip:
        body = gzip.decompress(body)
    elif not response.gzipped and takes_gzip and compressible and len(body) >= GZIP_MIN_SIZE:
        body = gzip.compress(body, compresslevel=6, mtime=0)
    if takes_gzip and compressible and (response.gzipped or len(response.body) >= GZIP_MIN_SIZE):
        headers["Content-Encoding"] = "gzip"
    if compressible:
        vary = [v for v in headers.get("Vary", "").split(", ") if v]
        headers["Vary"] = ", ".join([*vary, "Accept-Encoding"])
    if request is not None and request.method == "HEAD":
        body = b""
    text_body = None if headers.get("Content-Encoding") == "gzip" else _as_text(body)
    return {
        "statusCode": response.status,
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "body": base64.b64encode(body).decode("ascii") if text_body is None else text_body,
        "isBase64Encoded": text_body is None,
    }


def _as_text(body: bytes) -> str | None:
    # Decoded once: a 10,000-file page is megabytes, and the API function has 128 MB.
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None
