"""The payload limits of API Gateway (REST) and Lambda, and what AWS answers past each: one place.

Sources, each an answer observed on AWS (details in ``docs/local.md``):

* Request body over 10 MiB: API Gateway answers 413; left alone its body is the plain text
  ``HTTP content length exceeded 10485760 bytes.`` (a capture in koki-develop/lgtm-generator#10),
  which names no fix. The component's ``REQUEST_TOO_LARGE`` gateway response answers that case
  (issue 22), so the dev server answers it with the same text as the 6 MiB case below: one hint,
  the admin upload, whatever the size.
* Proxy event over Lambda's 6 MiB invoke limit (Lambda: "Request must be smaller than 6291456 bytes
  for the InvokeFunction operation"): API Gateway answers 413 ``{"message": "Request Too Long"}``
  with ``x-amzn-ErrorType: BadRequestException`` (koki-develop/lgtm-generator#10; the same body in
  AWS's own emulator, aws/aws-lambda-dotnet ``Tools/LambdaTestTool-v2``,
  ``InvokeResponseExtensions.ToHttpApiRequestTooLargeResponse``). That is the ``REQUEST_TOO_LARGE``
  gateway response, which the component customizes: the dev server answers the deployed text, with
  its own ``--endpoint-url`` in the admin command.
* A path or method without a route: API Gateway's ``MISSING_AUTHENTICATION_TOKEN`` response (by
  default ``403 {"message":"Missing Authentication Token"}``), which the component sets to a 404
  ``text/plain`` naming ``/simple/``: the dev server answers that.
* Handler answer over 6291556 bytes (Lambda: "Response payload size exceeded maximum allowed payload
  size (6291556 bytes)"): API Gateway answers 502 ``{"message": "Internal server error"}``
  (DataBiosphere/azul#8192 and #8258, logged as ``INTEGRATION_FAILURE``). A handler that raises or
  answers a malformed proxy response gets the same 502.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from components import routes

#: API Gateway REST: the largest request body it accepts (10 MiB).
API_GATEWAY_MAX_BODY = 10 * 1024 * 1024

#: Lambda, synchronous invoke: the largest event, as JSON (6 MiB; Lambda's error names 6291456).
LAMBDA_MAX_REQUEST = 6 * 1024 * 1024

#: Lambda, synchronous invoke: the largest answer, as JSON (6 MiB + 100 bytes, as Lambda says).
LAMBDA_MAX_RESPONSE = 6 * 1024 * 1024 + 100

#: API Gateway REST: the integration timeout (the dev server does not enforce it; documented only).
API_GATEWAY_TIMEOUT_SECONDS = 29


@dataclass(frozen=True)
class GatewayAnswer:
    """An answer API Gateway gives by itself, without the Lambda."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def _json_message(status: int, message: str, error_type: str) -> GatewayAnswer:
    # As observed from API Gateway: '{"message": "Internal server error"}', a space after the colon.
    body = ('{"message": ' + json.dumps(message) + "}").encode("utf-8")
    return GatewayAnswer(status, body, {"Content-Type": "application/json", "x-amzn-ErrorType": error_type})


def too_large(bucket: str, s3_endpoint: str | None = None) -> GatewayAnswer:
    """The answer to a body over :data:`API_GATEWAY_MAX_BODY` or an event over
    :data:`LAMBDA_MAX_REQUEST`: the deployed stack's own.

    On AWS this is the ``REQUEST_TOO_LARGE`` gateway response, which the component sets to a 413
    ``text/plain`` naming the admin upload; the dev server adds its own ``--endpoint-url``. Both
    sizes get the same text, so the fix is named however large the file.
    """
    return GatewayAnswer(
        413,
        routes.too_large_message(bucket, s3_endpoint).encode("utf-8"),
        {"Content-Type": "text/plain; charset=utf-8", "x-amzn-ErrorType": "BadRequestException"},
    )


def internal_error() -> GatewayAnswer:
    """The answer when the Lambda fails, answers nonsense or answers over its limit."""
    return _json_message(502, "Internal server error", "InternalServerErrorException")


def missing_route() -> GatewayAnswer:
    """The answer to a method and path the REST API has no resource for: the component's
    ``MISSING_AUTHENTICATION_TOKEN`` gateway response, a 404 naming ``/simple/`` (API Gateway's own
    is a 403 about a token, which sends people debugging their credentials)."""
    return GatewayAnswer(
        int(routes.NOT_FOUND_STATUS),
        routes.not_found_message().encode("utf-8"),
        {
            "Content-Type": "text/plain; charset=utf-8",
            "x-amzn-ErrorType": "MissingAuthenticationTokenException",
        },
    )
