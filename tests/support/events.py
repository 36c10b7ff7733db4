"""Recorded events (tests/events/*.json) filled in for a bucket and key."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote_plus

from tests.support.proxy import load_event


def s3_event(kind: str, bucket: str, key: str, *, etag: str = "", size: int = 0) -> dict[str, Any]:
    """An EventBridge S3 event as AWS sends it: ``kind`` is created, deleted or tags_added.

    The key is URL-encoded the way AWS encodes it (``quote_plus``), which the handler must undo.
    """
    event = load_event(f"eventbridge_object_{kind}.json")
    event["resources"] = [f"arn:aws:s3:::{bucket}"]
    event["detail"]["bucket"]["name"] = bucket
    obj = event["detail"]["object"]
    obj["key"] = quote_plus(key, safe="/")
    if "etag" in obj:
        obj["etag"] = etag
    if "size" in obj:
        obj["size"] = size
    return event


def sqs_batch(*bodies: dict[str, Any]) -> dict[str, Any]:
    """An SQS batch carrying the given events, one message each."""
    template = load_event("sqs_batch.json")["Records"][0]
    records = []
    for number, body in enumerate(bodies):
        record = dict(template)
        record["messageId"] = f"message-{number}"
        record["body"] = json.dumps(body)
        records.append(record)
    return {"Records": records}
