"""The event road in-process: moto's S3 -> EventBridge rule -> SQS -> the poller -> a recording handler.

The real reindexer is swapped for a recording one, so these tests see exactly what it would be handed:
the SQS event shape, keys encoded as AWS encodes them, retries with a growing receive count, and the
dead-letter queue at the end.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus

import pytest

from devserver import aws as embedded
from devserver.delivery import Poller
from handlers import contract

pytestmark = pytest.mark.e2e


@dataclass
class Recorder:
    """A reindex handler that records every batch and fails the keys it is told to."""

    batches: list[list[dict[str, Any]]] = field(default_factory=list)
    fail_keys: set[str] = field(default_factory=set)
    raise_for: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, event: dict[str, Any], context: object) -> dict[str, Any]:
        records = event["Records"]
        with self.lock:
            self.batches.append(records)
        keys = [(json.loads(r["body"])["detail"]["object"]["key"], r["messageId"]) for r in records]
        if self.raise_for & {key for key, _ in keys}:
            raise RuntimeError("the reindexer fell over")
        return {"batchItemFailures": [{"itemIdentifier": m} for k, m in keys if k in self.fail_keys]}

    def records_for(self, encoded_key: str) -> list[dict[str, Any]]:
        with self.lock:
            return [
                r
                for batch in self.batches
                for r in batch
                if json.loads(r["body"])["detail"]["object"]["key"] == encoded_key
            ]


@dataclass
class Road:
    aws: embedded.EmbeddedAWS
    bucket: str
    wiring: embedded.Wiring
    recorder: Recorder
    written_back: list[str]


@pytest.fixture(scope="module")
def road() -> Iterator[Road]:
    aws = embedded.EmbeddedAWS("127.0.0.1", 0)
    aws.start()
    bucket = f"queue-test-{uuid.uuid4().hex[:8]}"
    embedded.create_bucket(aws, bucket)
    wiring = embedded.wire_events(aws, bucket)
    # Retries in one second instead of five, so the dead-letter test is quick.
    aws.sqs().set_queue_attributes(QueueUrl=wiring.queue_url, Attributes={"VisibilityTimeout": "1"})
    recorder = Recorder()
    written_back: list[str] = []
    poller = Poller(
        aws.sqs(), wiring.queue_url, wiring.queue_arn, recorder, bucket=bucket, write_back=written_back.append
    )
    poller.start()
    try:
        yield Road(aws, bucket, wiring, recorder, written_back)
    finally:
        poller.stop()
        events = aws.events()
        events.remove_targets(Rule=wiring.rule_name, Ids=["reindex-queue"])
        events.delete_rule(Name=wiring.rule_name)
        aws.stop()


def _wait(check: Any, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    return check()


def test_a_put_reaches_the_handler_within_2_s_with_the_key_encoded_as_on_aws(road: Road) -> None:
    key = "pkg/pkg-1.0+local py3-none-any.whl"
    started = time.monotonic()
    road.aws.s3().put_object(Bucket=road.bucket, Key=key, Body=b"wheel")
    records = _wait(lambda: road.recorder.records_for(quote_plus(key, safe="/")), 2.0)
    assert records, "nothing delivered within 2 s"
    assert time.monotonic() - started < 2.0
    assert quote_plus(key, safe="/") == "pkg/pkg-1.0%2Blocal+py3-none-any.whl"
    record = records[0]
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == road.wiring.queue_arn
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert record["md5OfBody"] == hashlib.md5(record["body"].encode(), usedforsecurity=False).hexdigest()
    event = json.loads(record["body"])
    assert (event["source"], event["detail-type"]) == ("aws.s3", "Object Created")
    assert event["detail"]["bucket"]["name"] == road.bucket
    assert key in road.written_back  # the write-back gets the key decoded


def test_tags_and_deletes_are_delivered(road: Road) -> None:
    key = "tagged/tagged-1.0.tar.gz"
    client = road.aws.s3()
    client.put_object(Bucket=road.bucket, Key=key, Body=b"sdist")
    client.put_object_tagging(
        Bucket=road.bucket, Key=key, Tagging={"TagSet": [{"Key": "pypi-yanked", "Value": ""}]}
    )
    client.delete_object_tagging(Bucket=road.bucket, Key=key)
    client.delete_object(Bucket=road.bucket, Key=key)

    def kinds() -> set[str]:
        return {json.loads(r["body"])["detail-type"] for r in road.recorder.records_for(key)}

    expected = {"Object Created", "Object Tags Added", "Object Tags Deleted", "Object Deleted"}
    assert _wait(lambda: kinds() == expected, 3.0), kinds()


def test_generated_keys_never_reach_the_handler(road: Road) -> None:
    client = road.aws.s3()
    client.put_object(Bucket=road.bucket, Key=".pypi/projects/x", Body=b"{}")
    client.put_object(Bucket=road.bucket, Key="index.html", Body=b"<html>")
    client.put_object(Bucket=road.bucket, Key="marker/marker.txt", Body=b"after")
    assert _wait(lambda: road.recorder.records_for("marker/marker.txt"), 3.0)
    assert not road.recorder.records_for(".pypi/projects/x")
    assert not road.recorder.records_for("index.html")


def test_failures_come_back_then_go_to_the_dead_letter_queue(road: Road) -> None:
    failing, raising = "fail/fail-1.0.tar.gz", "boom/boom-1.0.tar.gz"
    road.recorder.fail_keys.add(failing)
    road.recorder.raise_for.add(raising)
    client = road.aws.s3()
    client.put_object(Bucket=road.bucket, Key=failing, Body=b"x")
    client.put_object(Bucket=road.bucket, Key=raising, Body=b"x")

    def counts(key: str) -> list[int]:
        return sorted(int(r["attributes"]["ApproximateReceiveCount"]) for r in road.recorder.records_for(key))

    assert _wait(lambda: max(counts(failing), default=0) >= contract.MAX_RECEIVE_COUNT, 20.0), counts(failing)
    assert _wait(lambda: max(counts(raising), default=0) >= contract.MAX_RECEIVE_COUNT, 20.0), counts(raising)
    sqs = road.aws.sqs()

    def dead_letters() -> int:
        attributes = sqs.get_queue_attributes(
            QueueUrl=road.wiring.dlq_url, AttributeNames=["ApproximateNumberOfMessages"]
        )
        return int(attributes["Attributes"]["ApproximateNumberOfMessages"])

    # moto moves a message on the receive after its last one: both events of each key end there.
    assert _wait(lambda: dead_letters() >= 4, 10.0), dead_letters()
    assert max(counts(failing)) == contract.MAX_RECEIVE_COUNT
