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
import json
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

#: Bodies smaller than this are not worth compressing.
GZIP_MIN_SIZE = 1024
#: The largest answer a Lambda function may give, as the runtime serializes it (JSON, ASCII escapes):
#: 6 MiB (Lambda says 6291556 bytes; API Gateway answers a larger one with a 502).
MAX_PROXY_RESPONSE = 6 * 1024 * 1024
#: What a proxy response carries besides its body's JSON string (status, headers, keys), at most:
#: a page's headers are a few hundred bytes.
PROXY_OVERHEAD = 16 * 1024
_COMPRESSIBLE = ("text/", "application/vnd.pypi.", "application/json")


class HTTPError(Exception):
    """An answer other than success, carrying its status, a short message and extra headers.

    Raise one of the named subclasses; :func:`from_error` is the one place they become a response.
    """

    status = 500

    def __init__(self, message: str, headers: Mapping[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.headers = dict(headers or {})


class BadRequest(HTTPError):
    """400: the request is malformed; nothing was done."""

    status = 400


class Unauthorized(HTTPError):
    """401: no valid credentials. Names Basic, the only thing that makes pip ask keyring or netrc."""

    status = 401

    def __init__(self, message: str, realm: str):
        super().__init__(message, {"WWW-Authenticate": f'Basic realm="{realm}"'})


class Forbidden(HTTPError):
    """403: valid credentials that do not allow this."""

    status = 403


class NotFound(HTTPError):
    """404: no such project, file or path."""

    status = 404

    def __init__(self, message: str = "Not Found", headers: Mapping[str, str] | None = None):
        super().__init__(message, headers)


class MethodNotAllowed(HTTPError):
    """405: the path exists, the method does not."""

    status = 405

    def __init__(self, message: str, allow: str):
        super().__init__(message, {"Allow": allow})


class NotAcceptable(HTTPError):
    """406: ``Accept`` admits none of the formats served."""

    status = 406


#: Seconds a client should wait before asking again about a name being indexed or repaired.
RETRY_AFTER = 5


class ServiceUnavailable(HTTPError):
    """503: try again shortly (pip and uv retry it); says when in ``Retry-After``."""

    status = 503

    def __init__(self, message: str, retry_after: int = 5):
        super().__init__(message, {"Retry-After": str(retry_after)})


def quoted(value: str, limit: int = 100) -> str:
    """A client's input, quoted for a message: at most ``limit`` characters, control ones escaped.

    >>> quoted("a\x01b"), quoted("x" * 200, limit=3)
    ("'a\\x01b'", "'xxx'… (200 characters)")
    """
    shown = repr(value[:limit])
    return shown if len(value) <= limit else f"{shown}… ({len(value)} characters)"


@dataclass(frozen=True)
class Request:
    """The parts of a proxy event the application uses."""

    method: str
    #: Path below the stage (or below a custom domain's base path), percent-decoded, always starting
    #: with "/" (trailing slash kept).
    path: str
    #: Header names lower-cased; the last value wins, as in the event's ``headers``.
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    #: The client's address as API Gateway saw it (``requestContext.identity.sourceIp``).
    source_ip: str = ""
    #: The absolute URL the client asked for, as it sees it (scheme, host, base path or stage, path),
    #: or None when the event does not say (see :func:`client_url`).
    url: str | None = None

    def header(self, name: str) -> str | None:
        """A header's value by case-insensitive name."""
        return self.headers.get(name.lower())

    @classmethod
    def from_event(cls, event: Mapping[str, Any]) -> Request:
        """Read a REST v1 proxy event. Raises :class:`BadRequest` for a malformed one."""
        if not isinstance(event, Mapping):
            raise BadRequest("malformed event")
        method = str(event.get("httpMethod") or "").upper()
        headers: dict[str, str] = {}
        for name, values in _mapping(event, "multiValueHeaders").items():
            if isinstance(values, list | tuple) and values:
                headers[str(name).lower()] = str(values[-1])
        for name, value in _mapping(event, "headers").items():
            if value is not None:
                headers[str(name).lower()] = str(value)
        data = _body(event)
        for field_name in ("resource", "path"):
            if not isinstance(event.get(field_name), str | None):
                raise BadRequest(f"malformed event: {field_name} is not a string")
        _mapping(event, "pathParameters")
        # API Gateway hands the path as the client sent it; decoding it once is harmless for every
        # valid path (names never contain "%") and makes a doubly-encoded one visibly invalid.
        try:
            path = unquote(route_path(event), errors="strict")
        except UnicodeDecodeError as error:
            raise BadRequest("Invalid path: not UTF-8") from error
        context = event.get("requestContext")
        identity = context.get("identity") if isinstance(context, Mapping) else None
        source_ip = str(identity.get("sourceIp") or "") if isinstance(identity, Mapping) else ""
        url = client_url(context if isinstance(context, Mapping) else {}, headers, path)
        return cls(method=method, path=path, headers=headers, body=data, source_ip=source_ip, url=url)


def _mapping(event: Mapping[str, Any], field_name: str) -> Mapping[Any, Any]:
    """An event's object-valued field (absent or null: empty); any other shape is a 400."""
    value = event.get(field_name)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise BadRequest(f"malformed event: {field_name} is not an object")
    return value


def _body(event: Mapping[str, Any]) -> bytes:
    """The request body's bytes: a string, base64 when ``isBase64Encoded``; else a 400."""
    body = event.get("body")
    if body is None:
        return b""
    if not isinstance(body, str):
        raise BadRequest("malformed event: body is not a string")
    if event.get("isBase64Encoded"):
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError) as error:
            raise BadRequest("malformed base64 body") from error
    try:
        # surrogateescape gives back the bytes a caller decoded with it; a lone surrogate of any
        # other kind stands for no bytes at all.
        return body.encode("utf-8", errors="surrogateescape")
    except UnicodeEncodeError as error:
        raise BadRequest("malformed body: not UTF-8") from error


_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})(?::[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](?::[0-9]{1,5})?")
_URL_PATH = re.compile(r"/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*")


def client_url(context: Mapping[str, Any], headers: Mapping[str, str], path: str) -> str | None:
    """The absolute URL a client asked for, as it sees it; None when the event does not say.

    The path is ``requestContext.path``: the path the client sent, with the stage on an execute-api
    host and the base path behind a custom domain (``path`` drops the stage, ``resource`` both); the
    host is ``requestContext.domainName`` (the custom domain, not the API's own host), else ``Host``;
    the scheme ``X-Forwarded-Proto`` (API Gateway: https; the dev server: http). Each is checked to be
    what it claims, and the path to end with the routed ``path``: a URL built into a page is never
    made of anything else.

    >>> client_url({"domainName": "pypi.example.com", "path": "/simple/foo/"}, {}, "/foo/")
    'https://pypi.example.com/simple/foo/'
    >>> client_url({"path": "/simple/foo/"}, {"host": "a b"}, "/foo/") is None
    True
    """
    scheme = (headers.get("x-forwarded-proto") or "https").split(",")[0].strip().lower()
    host = context.get("domainName") or headers.get("host")
    full = context.get("path")
    if scheme not in ("http", "https") or not isinstance(host, str) or not isinstance(full, str):
        return None
    if not _HOST.fullmatch(host) or not _URL_PATH.fullmatch(full) or len(full) > 2048:
        return None
    if not unquote(full).endswith(path):
        return None
    return f"{scheme}://{host.lower()}{full}"


def route_path(event: Any) -> str:
    """The path below the stage, from what API Gateway guarantees under every mapping.

    Behind a custom domain ``path`` carries the base path too (``/simple/foo/``), while ``resource``
    and ``pathParameters`` never do; only the trailing slash must come from ``path``, which is the
    one place it is kept. Events without a resource (other callers) are routed on ``path``.
    """
    raw_path = event.get("path") if isinstance(event, Mapping) else None
    if not isinstance(raw_path, str) or not raw_path.startswith("/"):
        raise BadRequest("malformed path")
    resource = event.get("resource")
    if resource == "/":
        return "/"
    parameters = event.get("pathParameters")
    package = parameters.get("package") if isinstance(parameters, Mapping) else None
    if resource == "/{package+}" and isinstance(package, str) and package:
        return "/" + package + ("/" if raw_path.endswith("/") else "")
    view = parameters.get("view") if isinstance(parameters, Mapping) else None
    if resource == "/{view+}" and isinstance(view, str) and view:  # the web view's own API
        return "/" + view + ("/" if raw_path.endswith("/") else "")
    return raw_path


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
    """True when ``Accept-Encoding`` admits gzip (pip and uv send ``gzip, deflate``).

    A coding named exactly beats ``*`` whatever their order (RFC 9110 §12.5.3), and ``q=0`` refuses.

    >>> accepts_gzip("gzip, deflate"), accepts_gzip("*;q=0, gzip"), accepts_gzip("gzip;q=0, *")
    (True, True, False)
    """
    if not accept_encoding:
        return False
    weights: dict[str, bool] = {}
    for item in accept_encoding.split(","):
        coding, *params = (part.strip().lower() for part in item.split(";"))
        refused = any(_is_zero_q(p) for p in params)
        weights.setdefault("gzip" if coding == "x-gzip" else coding, not refused)
    if "gzip" in weights:
        return weights["gzip"]
    return weights.get("*", False)


def _is_zero_q(parameter: str) -> bool:
    name, _, value = parameter.replace(" ", "").partition("=")
    if name != "q":
        return False
    try:
        return float(value) == 0
    except ValueError:
        return False


def encode(response: Response, request: Request | None) -> Response:
    """``response`` in the content coding the client accepts; the one place gzip is decided.

    Raises only what its caller translates: inflating a stored member may find it damaged.
    """
    headers = dict(response.headers)
    compressible = response.gzipped or headers.get("Content-Type", "").startswith(_COMPRESSIBLE)
    if not compressible:
        return response
    takes_gzip = request is not None and accepts_gzip(request.header("Accept-Encoding"))
    body = response.body
    if response.gzipped and not takes_gzip:
        body = _inflate(body)
    elif not response.gzipped and takes_gzip and len(body) >= GZIP_MIN_SIZE:
        body = gzip.compress(body, compresslevel=6, mtime=0)
    gzipped = takes_gzip and (response.gzipped or len(response.body) >= GZIP_MIN_SIZE)
    if gzipped:
        headers["Content-Encoding"] = "gzip"
    return Response(response.status, body, vary(headers, "Accept-Encoding"), gzipped=gzipped)


def json_string_size(body: bytes) -> int:
    r"""Bytes ``body`` takes as a JSON string with ASCII escapes, as the Lambda runtime serializes a
    proxy response's text body: exact, counted without encoding anything for the usual page (ASCII
    with no control character but newlines and tabs).

    >>> import json
    >>> [json_string_size(b) == len(json.dumps(b.decode())) for b in (b'a"b\n', "é\x01".encode())]
    [True, True]
    """
    if _LONG_ESCAPES.search(body) is None:
        return len(body) + 2 + sum(body.count(c) for c in _SHORT_ESCAPES)
    return len(json.dumps(body.decode("utf-8", errors="replace")))


#: What JSON writes as two characters (``\"``, ``\n``…); every other control character and every
#: non-ASCII one (and DEL) takes ``\uXXXX`` (twice for characters past the BMP).
_SHORT_ESCAPES = (b'"', b"\\", b"\n", b"\r", b"\t", b"\b", b"\f")
_LONG_ESCAPES = re.compile(rb"[\x00-\x07\x0b\x0e-\x1f\x7f-\xff]")


def vary(headers: Mapping[str, str], *names: str) -> dict[str, str]:
    """``headers`` with ``names`` added to ``Vary`` (each once)."""
    current = [v for v in headers.get("Vary", "").split(", ") if v]
    return {**headers, "Vary": ", ".join(dict.fromkeys([*current, *names]))}


class DamagedBody(ValueError):
    """A stored gzip body that does not inflate."""


def _inflate(body: bytes) -> bytes:
    try:
        return gzip.decompress(body)
    except (OSError, EOFError, zlib.error) as error:
        raise DamagedBody(str(error)) from error


def to_proxy(response: Response, request: Request | None) -> dict[str, Any]:
    """The REST v1 proxy response for an encoded ``response``: shape only, it never raises."""
    body = b"" if request is not None and request.method == "HEAD" else response.body
    text_body = None if response.gzipped else _as_text(body)
    return {
        "statusCode": response.status,
        "multiValueHeaders": {name: [value] for name, value in response.headers.items()},
        "body": base64.b64encode(body).decode("ascii") if text_body is None else text_body,
        "isBase64Encoded": text_body is None,
    }


def _as_text(body: bytes) -> str | None:
    # Decoded once: a 10,000-file page is megabytes, and the API function has little memory.
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None


def is_loopback(url: str) -> bool:
    """True for a URL on this machine (``localhost`` or a loopback address).

    >>> is_loopback("http://127.0.0.1:8000/x"), is_loopback("http://example.com")
    (True, False)
    """
    import ipaddress

    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
