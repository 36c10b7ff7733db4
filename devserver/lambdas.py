"""Running a Lambda handler in-process the way Lambda runs it: JSON in, JSON out, 6 MB each way.

The event is serialized and parsed again before the handler sees it, and so is its answer, so a
handler that works here gets exactly what it would get on Lambda: plain JSON types, and a failure when
it answers something JSON cannot carry. The payload limits are Lambda's (see :mod:`devserver.limits`).
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from devserver.limits import LAMBDA_MAX_REQUEST, LAMBDA_MAX_RESPONSE

log = logging.getLogger(__name__)

#: A Lambda handler: ``handler(event, context)``.
Handler = Callable[[Any, Any], Any]


class InvokeError(Exception):
    """The invocation failed the way a Lambda invocation fails (the caller decides the answer)."""


class RequestTooLarge(InvokeError):
    """The event is over Lambda's request payload limit; the handler never ran."""


class FunctionError(InvokeError):
    """The handler raised, or answered something that is not JSON."""


class ResponseTooLarge(InvokeError):
    """The handler's answer is over Lambda's response payload limit."""


@dataclass
class Context:
    """The parts of Lambda's context object handlers use."""

    function_name: str
    timeout_seconds: float = 30.0
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    memory_limit_in_mb: int = 128
    function_version: str = "$LATEST"
    _deadline: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{self.function_name}"
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = "devserver"
        self._deadline = time.monotonic() + self.timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before Lambda would stop the invocation (never enforced here)."""
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def encode_event(event: Mapping[str, Any]) -> bytes:
    """The event as the invoke payload (compact JSON, UTF-8)."""
    return json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def invoke(
    handler: Handler,
    event: Mapping[str, Any],
    *,
    function_name: str,
    timeout_seconds: float = 30.0,
) -> Any:
    """Run ``handler`` on ``event`` as Lambda would and return its answer, decoded from JSON.

    Raises :class:`RequestTooLarge`, :class:`FunctionError` or :class:`ResponseTooLarge`.
    """
    payload = encode_event(event)
    if len(payload) > LAMBDA_MAX_REQUEST:
        raise RequestTooLarge(
            f"Request must be smaller than {LAMBDA_MAX_REQUEST} bytes for the InvokeFunction "
            f"operation (the event is {len(payload)} bytes)"
        )
    context = Context(function_name, timeout_seconds)
    try:
        answer = handler(json.loads(payload), context)
    except Exception as error:
        # What CloudWatch would show: the handler's traceback, under its request id.
        log.exception("%s failed (request %s)", function_name, context.aws_request_id)
        raise FunctionError(f"{type(error).__name__}: {error}") from error
    try:
        # The Python runtime serializes with the json module's defaults (ASCII escapes).
        text = json.dumps(answer)
    except (TypeError, ValueError) as error:
        log.error("%s answered something that is not JSON: %s", function_name, error)
        raise FunctionError("Runtime.MarshalError") from error
    size = len(text.encode("utf-8"))
    if size > LAMBDA_MAX_RESPONSE:
        log.error(
            "%s answered %d bytes: Response payload size exceeded maximum allowed payload size (%d bytes)",
            function_name,
            size,
            LAMBDA_MAX_RESPONSE,
        )
        raise ResponseTooLarge(f"{size} bytes")
    return json.loads(text)
