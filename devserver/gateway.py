"""API Gateway REST (v1), played faithfully: HTTP request -> proxy event -> handler -> HTTP response.

The REST API of the deployed stack has one stage, ``simple``, and the resources ``/`` (GET, HEAD,
POST) and ``/{package+}`` (GET, HEAD), each an ``AWS_PROXY`` integration, with binary media type
``*/*``. Everything here is pure (no sockets): :mod:`devserver.httpd` reads and writes the bytes.

What the event looks like was checked against a live capture (hotsock/voker
``vokerhttp/testdata/apigwv1-request.json``): ``path`` and ``pathParameters`` keep the
percent-encoding the client sent, query strings are form-decoded, ``headers`` holds the last value of
each header and ``multiValueHeaders`` all of them, ``Content-Length`` and hop-by-hop headers are not
passed on, and API Gateway adds ``X-Forwarded-*`` and ``X-Amzn-Trace-Id``.
"""

from __future__ import annotations

import base64
import binascii
import logging
import secrets
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from devserver import lambdas, limits
from handlers import contract

STAGE = "simple"
ROOT_RESOURCE = "/"
PACKAGE_RESOURCE = "/{package+}"
#: The methods each resource has; any other method or path is a missing route.
ROUTES: Mapping[str, frozenset[str]] = {
    ROOT_RESOURCE: frozenset({"GET", "HEAD", "POST"}),
    PACKAGE_RESOURCE: frozenset({"GET", "HEAD"}),
}
ACCOUNT_ID = "123456789012"

log = logging.getLogger(__name__)

# Never passed to the integration: they describe the client's connection, not the request.
_DROPPED_REQUEST_HEADERS = frozenset(
    {
        "connection",
        "content-length",
        "expect",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
# Set by the gateway itself on the way out (Content-Length is announced from the body).
_DROPPED_RESPONSE_HEADERS = _DROPPED_REQUEST_HEADERS | {"date", "server"}


@dataclass(frozen=True)
class HttpRequest:
    """One HTTP request as it reached the gateway."""

    method: str
    #: The request-target as sent, e.g. ``/simple/foo/?x=1`` (percent-encoding untouched).
    target: str
    #: Every header line in order, names as the client spelled them.
    headers: Sequence[tuple[str, str]]
    body: bytes
    client_ip: str = "127.0.0.1"
    #: The port the gateway listens on (for ``X-Forwarded-Port``).
    server_port: int = 80
    protocol: str = "HTTP/1.1"

    def header(self, name: str) -> str | None:
        """The last value of a header, by case-insensitive name."""
        found = None
        for key, value in self.headers:
            if key.lower() == name.lower():
                found = value
        return found


@dataclass(frozen=True)
class HttpResponse:
    """What goes back to the client; ``headers`` never includes ``Content-Length``."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    #: For HEAD: the length to announce (the body itself is never sent).
    content_length: int | None = None


@dataclass(frozen=True)
class MatchedRoute:
    """A matched resource: which one, the path below the stage and the ``{package+}`` value."""

    resource: str
    #: The path below the stage, as sent (``/Foo.Bar/``), trailing slash kept.
    path: str
    #: ``pathParameters.package``: the path below the stage without its slashes at both ends.
    package: str | None
    #: The stage of the API the resource belongs to (None: the index's, or the exchange's).
    stage: str | None = None
    #: The name of the greedy path parameter (``package`` on the index, ``view`` on the web view).
    parameter: str = "package"


@dataclass(frozen=True)
class Api:
    """The identity of the local REST API (ids are made once per server, as a deployment's are)."""

    api_id: str = field(default_factory=lambda: _random_id(10))
    resource_ids: Mapping[str, str] = field(
        default_factory=lambda: {ROOT_RESOURCE: _random_id(10), PACKAGE_RESOURCE: _random_id(6)}
    )


def _random_id(length: int) -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(secrets.choice(alphabet) for _ in range(length))


def split_target(target: str) -> tuple[str, str]:
    """The path and the raw query string of a request-target (absolute-form accepted)."""
    if not target.startswith("/"):
        parts = urlsplit(target)
        return parts.path or "/", parts.query
    target = target.partition("#")[0]  # clients never send one; never let it reach a path
    path, _, query = target.partition("?")
    return path, query


def match(method: str, path: str) -> MatchedRoute | None:
    """The resource serving ``method`` on ``path`` (with the stage), or None for a missing route."""
    exchange = oidc_route(method, path) or integrity_route(method, path) or view_route(method, path)
    if exchange is not None:
        return exchange
    stage_root = "/" + STAGE
    if path == stage_root:
        below = "/"
    elif path.startswith(stage_root + "/"):
        below = path[len(stage_root) :]
    else:
        return None
    if below == "/":
        resource, package = ROOT_RESOURCE, None
    else:
        resource, package = PACKAGE_RESOURCE, below.strip("/")
        if not package:  # "//": {package+} needs at least one character
            return None
    if method not in ROUTES[resource]:
        return None
    return MatchedRoute(resource, below, package)


def oidc_route(method: str, path: str) -> MatchedRoute | None:
    """The trusted publishing exchange at the host root (``/_/oidc/…``, ``/.well-known/pytp/…``): on
    AWS a second REST API mapped at base paths ``_`` and ``.well-known`` of the custom domain, whose
    resources are ``/oidc/…`` and ``/pytp/{key}``."""
    for base in (contract.OIDC_BASE_PATH, contract.DISCOVERY_BASE_PATH):  # both map to that API
        prefix = "/" + base
        if path.startswith(prefix + "/"):
            break
    else:
        return None
    resource = path[len(prefix) :]
    head, _, key = resource.rpartition("/")
    if head + "/{key}" == contract.DISCOVERY_RESOURCE and key:
        resource = contract.DISCOVERY_RESOURCE  # PEP 807 discovery: /pytp/{key}
    if contract.OIDC_ROUTES.get(resource) != method:
        return None
    return MatchedRoute(resource, path, None)


def integrity_route(method: str, path: str) -> MatchedRoute | None:
    """PEP 740's Integrity API at the host root (``/integrity/…``): on AWS a REST API of its own mapped
    at base path ``integrity``, whose one resource is ``/{project}/{version}/{filename}/provenance``;
    its events carry the whole path (base path included), as behind a custom domain."""
    prefix = "/" + contract.INTEGRITY_BASE_PATH + "/"
    if not path.startswith(prefix) or method not in ("GET", "HEAD"):
        return None
    return MatchedRoute(contract.INTEGRITY_RESOURCE, path, None)


def view_route(method: str, path: str) -> MatchedRoute | None:
    """The web view at the host root (``/project/…``): on AWS its own REST API, stage ``project``,
    mapped at base path ``project`` of the custom domain, resources ``/`` and ``/{view+}`` (GET,
    HEAD). ``path`` keeps the base path, as API Gateway's does behind a custom domain."""
    prefix = "/" + contract.VIEWS_BASE_PATH
    if method not in ("GET", "HEAD") or (path != prefix and not path.startswith(prefix + "/")):
        return None
    below = path[len(prefix) :].strip("/")
    if not below:
        return MatchedRoute("/", path, None, stage=contract.VIEWS_STAGE)
    return MatchedRoute(contract.VIEWS_RESOURCE, path, below, stage=contract.VIEWS_STAGE, parameter="view")


def to_event(request: HttpRequest, route: MatchedRoute, api: Api, request_id: str) -> dict[str, Any]:
    """The REST v1 proxy event API Gateway builds for ``request`` on ``route``."""
    path, query = split_target(request.target)
    headers, multi_headers = _event_headers(request)
    params, multi_params = _query_parameters(query)
    now = time.time()
    host = request.header("Host") or f"127.0.0.1:{request.server_port}"
    user_agent = request.header("User-Agent")
    return {
        "resource": route.resource,
        "path": route.path,
        "httpMethod": request.method,
        "headers": headers or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": params,
        "multiValueQueryStringParameters": multi_params,
        "pathParameters": None if route.package is None else {route.parameter: route.package},
        "stageVariables": None,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": api.api_id,
            "authorizer": None,
            "domainName": host,
            "domainPrefix": host.split(".", 1)[0].split(":", 1)[0],
            "extendedRequestId": _random_id(16),
            "httpMethod": request.method,
            "identity": {
                "accessKey": None,
                "accountId": None,
                "caller": None,
                "cognitoAuthenticationProvider": None,
                "cognitoAuthenticationType": None,
                "cognitoIdentityId": None,
                "cognitoIdentityPoolId": None,
                "principalOrgId": None,
                "sourceIp": request.client_ip,
                "user": None,
                "userAgent": user_agent,
                "userArn": None,
            },
            "path": path,
            "protocol": request.protocol,
            "requestId": request_id,
            "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "requestTimeEpoch": int(now * 1000),
            "resourceId": api.resource_ids.get(route.resource, "oidc00"),
            "resourcePath": route.resource,
            "stage": route.stage or (STAGE if route.resource in ROUTES else _other_stage(route.resource)),
        },
        # Binary media type "*/*": every body reaches the Lambda base64-encoded.
        "body": base64.b64encode(request.body).decode("ascii") if request.body else None,
        "isBase64Encoded": bool(request.body),
    }


def _other_stage(resource: str) -> str:
    """The stage of the APIs beside the index's (the exchange's, the Integrity API's)."""
    return "integrity" if resource == contract.INTEGRITY_RESOURCE else "oidc"


def _event_headers(request: HttpRequest) -> tuple[dict[str, str], dict[str, list[str]]]:
    spelled: dict[str, str] = {}  # lower-case name -> the first spelling seen
    multi: dict[str, list[str]] = {}
    lines = [(k, v) for k, v in request.headers if k.lower() not in _DROPPED_REQUEST_HEADERS]
    forwarded = request.header("X-Forwarded-For")
    extra = [
        ("X-Forwarded-For", f"{forwarded}, {request.client_ip}" if forwarded else request.client_ip),
        ("X-Forwarded-Port", str(request.server_port)),
        ("X-Forwarded-Proto", "http"),
        ("X-Amzn-Trace-Id", f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)}"),
    ]
    replaced = {name.lower() for name, _ in extra}
    for name, value in [*(line for line in lines if line[0].lower() not in replaced), *extra]:
        key = spelled.setdefault(name.lower(), name)
        multi.setdefault(key, []).append(value)
    return {name: values[-1] for name, values in multi.items()}, multi


def _query_parameters(
    query: str,
) -> tuple[dict[str, str] | None, dict[str, list[str]] | None]:
    if not query:
        return None, None
    multi: dict[str, list[str]] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        multi.setdefault(name, []).append(value)
    if not multi:
        return None, None
    return {name: values[-1] for name, values in multi.items()}, multi


class MalformedProxyResponse(ValueError):
    """The Lambda answered something that is not a proxy response (API Gateway answers 502)."""


def from_proxy(answer: Any, method: str) -> HttpResponse:
    """The HTTP response API Gateway makes of a proxy integration's answer.

    ``multiValueHeaders`` and ``headers`` are merged as API Gateway documents it: every value of
    ``multiValueHeaders``, plus each ``headers`` value not already there.
    """
    if not isinstance(answer, Mapping):
        raise MalformedProxyResponse("the answer is not a JSON object")
    status = answer.get("statusCode", 200)
    if isinstance(status, str) and status.isdigit():
        status = int(status)
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise MalformedProxyResponse(f"bad statusCode {status!r}")
    merged: list[tuple[str, str]] = []
    for name, values in _mapping(answer.get("multiValueHeaders")).items():
        if not isinstance(values, list):
            raise MalformedProxyResponse(f"multiValueHeaders[{name!r}] is not a list")
        merged.extend((str(name), _header_value(v)) for v in values if v is not None)
    seen = {(name.lower(), value) for name, value in merged}
    for name, value in _mapping(answer.get("headers")).items():
        if value is not None and (str(name).lower(), _header_value(value)) not in seen:
            merged.append((str(name), _header_value(value)))
    body = _body(answer.get("body"), bool(answer.get("isBase64Encoded")))
    announced = next((v for n, v in merged if n.lower() == "content-length"), None)
    headers = [(n, v) for n, v in merged if n.lower() not in _DROPPED_RESPONSE_HEADERS]
    if method == "HEAD":
        length = int(announced) if announced and announced.isdigit() else len(body)
        return HttpResponse(status, headers, b"", length)
    return HttpResponse(status, headers, body)


def _mapping(value: Any) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise MalformedProxyResponse("headers are not a JSON object")
    return value


def _header_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise MalformedProxyResponse(f"header value {value!r} is not a string")


def _body(body: Any, is_base64: bool) -> bytes:
    if body is None:
        return b""
    if not isinstance(body, str):
        raise MalformedProxyResponse("body is not a string")
    if not is_base64:
        return body.encode("utf-8")
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError) as error:
        raise MalformedProxyResponse("body is not base64") from error


def from_gateway(answer: limits.GatewayAnswer, method: str) -> HttpResponse:
    """An answer API Gateway gives by itself (no body for HEAD, as for any answer)."""
    headers = list(answer.headers.items())
    if method == "HEAD":
        return HttpResponse(answer.status, headers, b"", len(answer.body))
    return HttpResponse(answer.status, headers, answer.body)


def serve(
    request: HttpRequest,
    handler: lambdas.Handler,
    *,
    api: Api,
    bucket: str,
    s3_endpoint: str | None = None,
    function_name: str = "serverless-pypi-api",
) -> HttpResponse:
    """Answer ``request`` as the deployed REST API would, calling ``handler`` as its Lambda."""
    request_id = str(uuid.uuid4())
    path, _ = split_target(request.target)
    route = match(request.method, path)
    if route is None:
        response = from_gateway(limits.missing_route(), request.method)
    elif len(request.body) > limits.API_GATEWAY_MAX_BODY:
        response = from_gateway(limits.too_large(bucket, s3_endpoint), request.method)
    else:
        event = to_event(request, route, api, request_id)
        try:
            answer = lambdas.invoke(handler, event, function_name=function_name)
            response = from_proxy(answer, request.method)
        except lambdas.RequestTooLarge:
            response = from_gateway(limits.too_large(bucket, s3_endpoint), request.method)
        except lambdas.InvokeError:
            response = from_gateway(limits.internal_error(), request.method)
        except MalformedProxyResponse as error:
            log.error("Malformed Lambda proxy response: %s", error)
            response = from_gateway(limits.internal_error(), request.method)
    return _with_request_id(response, request_id)


def reject_body(method: str, bucket: str, s3_endpoint: str | None = None) -> HttpResponse:
    """API Gateway's answer to a body over its limit, given before the body is even read."""
    answer = limits.too_large(bucket, s3_endpoint)
    return _with_request_id(from_gateway(answer, method), str(uuid.uuid4()))


def _with_request_id(response: HttpResponse, request_id: str) -> HttpResponse:
    headers = [*response.headers, ("x-amzn-RequestId", request_id)]
    return HttpResponse(response.status, headers, response.body, response.content_length)


def header_lines(items: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Header lines safe to write: no CR or LF inside a name or a value (they would split it)."""
    return [
        (name, value)
        for name, value in items
        if "\r" not in name + value and "\n" not in name + value and name.strip() == name
    ]
