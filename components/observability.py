"""What the index reports to CloudWatch: its alarms and the stage's access-log line (pure data).

Each alarm fires on the first bad minute and clears by itself; none fires on missing data (a quiet
index is a healthy one).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

#: One stage access-log line: the fields the API function also logs, as JSON (API Gateway's
#: ``$context`` variables; ``responseLatency`` is in milliseconds).
ACCESS_LOG_FIELDS = {
    "requestId": "$context.requestId",
    "ip": "$context.identity.sourceIp",
    "method": "$context.httpMethod",
    "path": "$context.path",
    "status": "$context.status",
    "latencyMs": "$context.responseLatency",
    "userAgent": "$context.identity.userAgent",
    "requestTime": "$context.requestTime",
    "responseLength": "$context.responseLength",
}


def access_log_format() -> str:
    """The stage's access-log format: one JSON object a line (never the Authorization header).

    Every value is quoted: API Gateway writes ``-`` for a missing one, which must still parse.
    """
    return json.dumps(ACCESS_LOG_FIELDS, separators=(",", ":"))


@dataclass(frozen=True)
class Alarm:
    """One CloudWatch metric alarm, by what it watches (dimensions may be Pulumi inputs)."""

    label: str
    description: str
    namespace: str
    metric_name: str
    dimensions: dict[str, Any]
    statistic: str = "Sum"
    threshold: float = 0
    comparison: str = "GreaterThanThreshold"
    period: int = 60
    evaluation_periods: int = 1
    extra: dict[str, Any] = field(default_factory=dict)


#: The reindex queue's oldest message may wait this many reindex timeouts before its alarm fires: one
#: batch running while it arrived, and one more, is as long as a healthy queue ever makes it wait.
QUEUE_AGE_TIMEOUTS = 2


def api_5xx(label: str, description: str, api_name: Any, stage_name: str) -> Alarm:
    """An alarm on one REST API stage's 5XX answers."""
    return Alarm(label, description, "AWS/ApiGateway", "5XXError", {"ApiName": api_name, "Stage": stage_name})


def alarms(
    *,
    dead_letter_queue_name: Any,
    queue_name: Any,
    reindex_timeout: int,
    reindex_function_name: Any,
    api_function_name: Any,
    api_name: Any | None,
    stage_name: str,
) -> list[Alarm]:
    """The index's alarms: dead letters, a stalled reindex queue, reindex errors, API errors (5xx
    when the API is named)."""
    found = [
        Alarm(
            "dlq-not-empty",
            "Reindex messages gave up (dead-letter queue not empty): pages may be stale. "
            "Read the reindex logs, fix, then redrive the queue or run `python -m admin reindex`.",
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            {"QueueName": dead_letter_queue_name},
            statistic="Maximum",
            period=300,
        ),
        Alarm(
            "reindex-queue-age",
            "A reindex message waited too long (the queue is not draining: the reindex function is "
            "throttled, stopped or failing, or a flood of changes): pages lag behind the bucket. "
            "Read the reindex logs and the queue's metrics.",
            "AWS/SQS",
            "ApproximateAgeOfOldestMessage",
            {"QueueName": queue_name},
            statistic="Maximum",
            threshold=QUEUE_AGE_TIMEOUTS * reindex_timeout,
            period=300,
        ),
        Alarm(
            "reindex-errors",
            "The reindex function failed (its messages are retried, then dead-lettered).",
            "AWS/Lambda",
            "Errors",
            {"FunctionName": reindex_function_name},
        ),
        Alarm(
            "api-function-errors",
            "The API function failed or timed out: clients got a 5xx.",
            "AWS/Lambda",
            "Errors",
            {"FunctionName": api_function_name},
        ),
    ]
    if api_name is not None:
        found.append(
            api_5xx(
                "api-5xx",
                "The API answered 5xx (function errors, timeouts, throttles of the function).",
                api_name,
                stage_name,
            )
        )
    return found
