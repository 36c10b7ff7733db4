"""The route table, the API Gateway invoke permissions and the deployment trigger (pure).

The same routes as the original Terraform module: GET and HEAD on ``/`` and ``/{package+}``, POST on
``/`` (twine's legacy upload API is answered at the root, never redirected).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

#: Path part of the resource under the root that carries every other path.
PROXY_PATH_PART = "{package+}"

#: Authorization types a REST API method accepts.
AUTHORIZATION_TYPES = ("NONE", "AWS_IAM", "CUSTOM", "COGNITO_USER_POOLS")
#: Authorization types that need an ``authorizer_id``.
AUTHORIZER_TYPES = ("CUSTOM", "COGNITO_USER_POOLS")

#: Gateway response for bodies over the API Gateway / Lambda payload limit.
TOO_LARGE_RESPONSE_TYPE = "REQUEST_TOO_LARGE"
TOO_LARGE_STATUS = "413"
#: Gateway response for a path or method no route has.
NOT_FOUND_RESPONSE_TYPE = "MISSING_AUTHENTICATION_TOKEN"
NOT_FOUND_STATUS = "404"
#: With ``AWS_IAM`` the same response type also answers an unsigned request: it stays a 403.
UNSIGNED_STATUS = "403"


@dataclass(frozen=True)
class Route:
    """One method on one resource, integrated with the API function."""

    http_method: str
    resource: Literal["root", "proxy"]

    @property
    def key(self) -> str:
        """``"GET /"`` or ``"GET /{package+}"``, as the original module keyed its routes."""
        return f"{self.http_method} /" + (PROXY_PATH_PART if self.resource == "proxy" else "")

    @property
    def slug(self) -> str:
        """A name fragment for the route's resources: ``get-root``, ``head-package``."""
        return f"{self.http_method.lower()}-" + ("root" if self.resource == "root" else "package")


ROUTES = (
    Route("GET", "root"),
    Route("HEAD", "root"),
    Route("POST", "root"),
    Route("GET", "proxy"),
    Route("HEAD", "proxy"),
)


def http_methods(routes: tuple[Route, ...] = ROUTES) -> list[str]:
    """The distinct HTTP methods of ``routes``, in table order."""
    return list(dict.fromkeys(route.http_method for route in routes))


def invoke_source_arn(execution_arn: str, http_method: str) -> str:
    """Source ARN of API Gateway invoking the function for one method on any stage and path.

    ``*`` also matches the empty path of the root (``.../stage/GET/``).

    >>> invoke_source_arn("arn:aws:execute-api:us-east-1:123456789012:abc", "GET")
    'arn:aws:execute-api:us-east-1:123456789012:abc/*/GET/*'
    """
    return f"{execution_arn}/*/{http_method}/*"


def deployment_trigger(snapshot: Mapping[str, Any]) -> str:
    """SHA-1 of the canonical JSON of everything a deployment snapshots.

    ``snapshot`` holds the resources, methods (with their authorization), integrations (with their
    target) and gateway responses, ids included: an in-place change (``NONE`` -> ``AWS_IAM``) keeps
    every id, so hashing the ids alone, as the original module did, would miss it.

    >>> deployment_trigger({"a": 1}) == deployment_trigger({"a": 1})
    True
    """
    canonical = json.dumps(snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha1(canonical.encode("ascii"), usedforsecurity=False).hexdigest()


def too_large_message(bucket_name: str, endpoint_url: str | None = None) -> str:
    """What the 413 says when an upload is over the API Gateway or Lambda payload limit.

    The command runs as printed from the repository root after ``make venv``; ``endpoint_url`` (the
    dev server's embedded S3) adds ``--endpoint-url``, so the local hint never targets real AWS.
    """
    endpoint = "" if endpoint_url is None else f"--endpoint-url {endpoint_url} "
    return (
        "Upload too large for the API (limit about 6 MB after base64 for Lambda, 10 MB for API "
        f"Gateway). Upload it from the repository root with `.venv/bin/python -m admin {endpoint}"
        f"--bucket {bucket_name} upload FILE`, which writes straight to S3, any size."
    )


def too_large_body(bucket_name: str) -> str:
    """The 413's body on AWS: the same plain text the dev server answers.

    It becomes an API Gateway (Velocity) template as it is, so it may hold no ``$`` or ``#``.
    """
    return _template(too_large_message(bucket_name))


def not_found_message(authorization: str = "NONE") -> str:
    """What API Gateway answers for a path or method no route has (``MISSING_AUTHENTICATION_TOKEN``).

    Left alone it is 403 ``{"message":"Missing Authentication Token"}``, which sends people
    debugging their token when the URL is wrong (a PyPI habit: ``/legacy/``). With ``AWS_IAM``
    authorization API Gateway gives the same response to an unsigned request, so it says both.
    """
    where = (
        "The index and the upload URL are both the stage root, /simple/ "
        "(e.g. pip --index-url https://HOST/simple/, twine --repository-url https://HOST/simple/)."
    )
    if authorization == "AWS_IAM":
        return f"Not found, or the request is not signed (this API uses AWS_IAM authorization). {where}"
    return f"Not found. {where}"


def not_found_status(authorization: str = "NONE") -> str:
    """404, or 403 where the response also answers unsigned requests (``AWS_IAM``)."""
    return UNSIGNED_STATUS if authorization == "AWS_IAM" else NOT_FOUND_STATUS


def not_found_body(authorization: str = "NONE") -> str:
    """The body of the ``MISSING_AUTHENTICATION_TOKEN`` gateway response (a Velocity template)."""
    return _template(not_found_message(authorization))


#: Headers of the component's gateway responses: plain text, as the handlers and the dev server
#: answer errors (API Gateway wants header values quoted).
PLAIN_TEXT_PARAMETERS = {
    "gatewayresponse.header.Content-Type": "'text/plain; charset=utf-8'",
    "gatewayresponse.header.X-Content-Type-Options": "'nosniff'",
}


def plain_text_templates(body: str) -> dict[str, str]:
    """A gateway response's templates: ``body`` under every media type API Gateway may pick by.

    API Gateway picks a gateway response's template by the request's ``Accept``; the same body under
    both keys answers the same text to every client (the ``Content-Type`` header says what it is).
    """
    return dict.fromkeys(("application/json", "text/plain"), body)


def _template(text: str) -> str:
    if "$" in text or "#" in text:
        raise ValueError(f"a gateway response template may not hold $ or #: {text!r}")
    return text
