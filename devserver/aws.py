"""The embedded AWS: moto's server on 127.0.0.1 with the bucket, its event rule and the queue.

What the component builds on AWS is built here inside moto, so that every change to the bucket (by
the index, by the admin CLI or by anyone talking straight to the embedded S3) travels the same road:
S3 -> EventBridge rule -> SQS queue (with a dead-letter queue) -> the reindexer.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

from handlers import contract

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient
    from werkzeug.serving import BaseWSGIServer

log = logging.getLogger(__name__)

REGION = "us-east-1"
#: Dummy credentials: moto accepts any, and real ones must never be picked up by mistake.
ACCESS_KEY = "devserver"
SECRET_KEY = "devserver"  # noqa: S105 (not a secret: moto's dummy)

RULE_NAME = "serverless-pypi-s3-changes"
QUEUE_NAME = "serverless-pypi-reindex"
DLQ_NAME = "serverless-pypi-reindex-dlq"
#: Seconds a received message stays hidden; a failed one comes back after this (AWS: minutes).
VISIBILITY_TIMEOUT = 5
#: Receives before a message goes to the dead-letter queue (as the component's redrive policy).


def _listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` and listening; raises OSError (e.g. the port is in use)."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    return sock


class EmbeddedAWS:
    """moto's server (S3, EventBridge, SQS in one process), bound at construction.

    Built from moto's own parts rather than with ``ThreadedMotoServer`` so that a port already in
    use fails here, in the caller's thread, instead of leaving a server thread dead and a caller
    waiting for it.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        # One line per S3 request from werkzeug would drown the access log of the index.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        app = DomainDispatcherApplication(create_backend_app)
        # Bound here, not by werkzeug: on a port in use werkzeug prints two lines of its own and
        # calls sys.exit(); an OSError lets the caller name the option to change.
        with _listening_socket(host, port) as sock:
            self._server: BaseWSGIServer = make_server(
                host, port, app, threaded=True, request_handler=MotoRequestHandler, fd=sock.fileno()
            )
        self._thread: threading.Thread | None = None
        self.host = host
        self.port = int(self._server.server_address[1])
        self.endpoint = f"http://{host}:{self.port}"

    def start(self) -> None:
        """Serve in a daemon thread."""
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    def client(self, service: str) -> Any:
        """A boto3 client of the embedded server (path-style, dummy credentials)."""
        return boto3.client(
            service,  # type: ignore[call-overload]
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3}),
        )

    def s3(self) -> S3Client:
        """An S3 client of the embedded server."""
        client: S3Client = self.client("s3")
        return client

    def sqs(self) -> SQSClient:
        """An SQS client of the embedded server."""
        client: SQSClient = self.client("sqs")
        return client

    def events(self) -> EventBridgeClient:
        """An EventBridge client of the embedded server."""
        client: EventBridgeClient = self.client("events")
        return client


@dataclass(frozen=True)
class Wiring:
    """What carries the bucket's events to the reindexer."""

    queue_url: str
    queue_arn: str
    dlq_url: str
    rule_name: str
    #: The rule's event pattern, as given to EventBridge.
    pattern: dict[str, Any]


def create_bucket(aws: EmbeddedAWS, bucket: str) -> None:
    """Create the bucket (an existing one is fine: the dev server owns the embedded S3)."""
    s3 = aws.s3()
    with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
        s3.create_bucket(Bucket=bucket)


def event_pattern(bucket: str) -> dict[str, Any]:
    """The rule's pattern: the component's own (:func:`components.policies.event_pattern`).

    It keeps generated data and the root ``index.html`` out with ``anything-but`` + ``wildcard``,
    which moto 5.2.5 evaluates as EventBridge does (``tests/e2e/test_queue.py`` checks it). The
    poller drops generated keys again before delivery all the same, so a pattern that let one
    through could never make the reindexer trigger itself.
    """
    from components.policies import event_pattern as component_pattern

    return component_pattern(bucket)


def wire_events(aws: EmbeddedAWS, bucket: str) -> Wiring:
    """Turn on the bucket's EventBridge notifications and route them to a queue with a DLQ."""
    sqs = aws.sqs()
    dlq_url = sqs.create_queue(QueueName=DLQ_NAME)["QueueUrl"]
    dlq_arn = _queue_arn(sqs, dlq_url)
    redrive = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": contract.MAX_RECEIVE_COUNT}
    queue_url = sqs.create_queue(
        QueueName=QUEUE_NAME,
        Attributes={
            "VisibilityTimeout": str(VISIBILITY_TIMEOUT),
            "RedrivePolicy": json.dumps(redrive),
        },
    )["QueueUrl"]
    queue_arn = _queue_arn(sqs, queue_url)
    pattern = event_pattern(bucket)
    events = aws.events()
    events.put_rule(Name=RULE_NAME, EventPattern=json.dumps(pattern), State="ENABLED")
    events.put_targets(Rule=RULE_NAME, Targets=[{"Id": "reindex-queue", "Arn": queue_arn}])
    aws.s3().put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration={"EventBridgeConfiguration": {}}
    )
    return Wiring(queue_url, queue_arn, dlq_url, RULE_NAME, pattern)


def _queue_arn(sqs: SQSClient, url: str) -> str:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return attributes["Attributes"]["QueueArn"]
