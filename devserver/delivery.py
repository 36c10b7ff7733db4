"""Lambda's SQS event source, played locally: the queue poller that feeds ``handlers.reindex``.

As on AWS: long polls of up to 10 messages, handed over in the SQS event shape, ``batchItemFailures``
honoured (the failed messages stay, come back after the visibility timeout with a higher
``ApproximateReceiveCount`` and end in the dead-letter queue), the rest deleted. A handler that
raises, or answers an unknown ``itemIdentifier``, fails the whole batch, as Lambda does.

Two things are done here that AWS does not need:

* moto puts the raw key in ``detail.object.key``, while S3 sends it URL-encoded (space as ``+``,
  ``+`` as ``%2B``); the key is encoded again before delivery, so the reindexer decodes what AWS
  would send it.
* before delivery, the key is written back to the data directory (a second consumer of the same
  messages); a failed write-back fails its message, which is then retried like any other.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote_plus

from devserver import lambdas
from devserver.aws import REGION
from handlers import contract
from handlers.layout import is_generated, raises_events

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import MessageTypeDef

log = logging.getLogger(__name__)

#: Seconds a receive waits for messages (short, so that stopping is quick).
WAIT_SECONDS = 1
#: Messages per batch (the event source mapping's batch size).


def encode_key(key: str) -> str:
    """An S3 key as S3 puts it in events: URL-encoded, space as ``+``, ``/`` kept.

    >>> encode_key("pkg/pkg-1.0+local py3-none-any.whl")
    'pkg/pkg-1.0%2Blocal+py3-none-any.whl'
    """
    return quote_plus(key, safe="/")


@dataclass(frozen=True)
class S3Change:
    """The bucket and (decoded) key an EventBridge S3 event is about."""

    bucket: str
    key: str


def as_delivered(body: str) -> tuple[str, S3Change | None]:
    """The message body as AWS would deliver it, and the S3 change it carries (if it is one).

    Bodies that are not S3 events (a rebuild's project jobs, anything else) pass unchanged.
    """
    try:
        event = json.loads(body)
        detail = event["detail"]
        if event.get("source") != "aws.s3":
            return body, None
        key = str(detail["object"]["key"])
        bucket = str(detail["bucket"]["name"])
    except (ValueError, KeyError, TypeError):
        return body, None
    detail["object"]["key"] = encode_key(key)
    return json.dumps(event, separators=(",", ":")), S3Change(bucket, key)


def to_record(message: MessageTypeDef, body: str, queue_arn: str) -> dict[str, Any]:
    """One record of Lambda's SQS event."""
    attributes = dict(message.get("Attributes", {}))
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": attributes.get("ApproximateReceiveCount", "1"),
            "SentTimestamp": attributes.get("SentTimestamp", str(int(time.time() * 1000))),
            "SenderId": attributes.get("SenderId", "AIDAIENQZJOLO23YVJ4VO"),
            "ApproximateFirstReceiveTimestamp": attributes.get(
                "ApproximateFirstReceiveTimestamp", str(int(time.time() * 1000))
            ),
        },
        "messageAttributes": {},
        "md5OfBody": hashlib.md5(body.encode("utf-8"), usedforsecurity=False).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": REGION,
    }


def failed_ids(answer: Any, message_ids: set[str]) -> set[str]:
    """The messages to keep, from the handler's answer (Lambda's partial batch response rules)."""
    if not isinstance(answer, Mapping) or answer.get("batchItemFailures") is None:
        return set()
    failures = answer["batchItemFailures"]
    if not isinstance(failures, list):
        return set(message_ids)
    failed: set[str] = set()
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, Mapping) else None
        if not isinstance(identifier, str) or identifier not in message_ids:
            return set(message_ids)  # Lambda: an invalid identifier fails the whole batch
        failed.add(identifier)
    return failed


class Poller:
    """Polls the queue in background threads and hands each batch to the reindexer."""

    def __init__(
        self,
        sqs: SQSClient,
        queue_url: str,
        queue_arn: str,
        handler: lambdas.Handler,
        *,
        bucket: str,
        write_back: Callable[[str], None] | None = None,
        threads: int = 2,
    ):
        self.sqs = sqs
        self.queue_url = queue_url
        self.queue_arn = queue_arn
        self.handler = handler
        self.bucket = bucket
        self.write_back = write_back
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._run, name=f"sqs-poller-{n}", daemon=True) for n in range(threads)
        ]

    def start(self) -> None:
        """Start polling."""
        for thread in self._threads:
            thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop polling; a batch under way is finished first (up to ``timeout`` seconds)."""
        self._stop.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            if thread.is_alive():
                thread.join(max(0.0, deadline - time.monotonic()))

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once()
            except Exception:
                if self._stop.is_set():
                    return  # the embedded server went first
                log.exception("queue poller: a batch failed; polling again in a second")
                self._stop.wait(1.0)

    def poll_once(self) -> int:
        """Receive one batch and deliver it; returns the number of messages received."""
        response = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=contract.REINDEX_BATCH_SIZE,
            WaitTimeSeconds=WAIT_SECONDS,
            AttributeNames=["All"],
        )
        messages = response.get("Messages", [])
        if messages:
            self.deliver(messages)
        return len(messages)

    def deliver(self, messages: list[MessageTypeDef]) -> set[str]:
        """Write back, hand the batch to the reindexer, delete what succeeded; returns failures."""
        started = time.monotonic()
        records: list[dict[str, Any]] = []
        failed: set[str] = set()
        skipped: list[MessageTypeDef] = []
        for message in messages:
            body, change = as_delivered(message.get("Body", ""))
            if change is not None and not raises_events(change.key):
                skipped.append(message)  # the rule should have kept it out; never deliver it
                continue
            if (
                change is not None
                and change.bucket == self.bucket
                and self.write_back
                and not is_generated(change.key)
            ):
                try:
                    self.write_back(change.key)
                except Exception:
                    log.exception("write-back of %s failed; the message will come back", change.key)
                    failed.add(message["MessageId"])
            records.append(to_record(message, body, self.queue_arn))
        ids = {record["messageId"] for record in records}
        if records:
            try:
                answer = lambdas.invoke(
                    self.handler, {"Records": records}, function_name="serverless-pypi-reindex"
                )
            except lambdas.InvokeError:
                failed |= ids
            else:
                failed |= failed_ids(answer, ids)
        done = [m for m in messages if m["MessageId"] not in failed]
        for start in range(0, len(done), 10):
            entries = [
                {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]}
                for n, m in enumerate(done[start : start + 10])
            ]
            self.sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=entries)  # type: ignore[arg-type]
        log.info(
            "reindex: %d message(s), %d failed, %d skipped, %.0f ms",
            len(records),
            len(failed),
            len(skipped),
            (time.monotonic() - started) * 1000,
        )
        return failed
