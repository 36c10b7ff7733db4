"""Handlers against a real moto S3 server, with every S3 request the handlers make counted."""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator

import boto3
import pytest
from moto.server import ThreadedMotoServer

from handlers.aws import clients
from tests.support.moto import Index, S3Counter


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's per-request lines
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def index(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Index]:
    bucket = f"pypi-{uuid.uuid4().hex[:12]}"
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", s3_endpoint)
    monkeypatch.setenv("S3_BUCKET", bucket)
    # Only what a bare deployment of the handlers has: S3_BUCKET and the endpoint.
    for name in (
        "FALLBACK_INDEX_URL",
        "S3_PRESIGNED_URL_TTL",
        "REINDEX_QUEUE_URL",
        "PUBLIC_READ",
        "UPLOADS_ENABLED",
    ):
        monkeypatch.delenv(name, raising=False)
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    s3.create_bucket(Bucket=bucket)
    counter = S3Counter()
    handler_client = clients.s3()
    handler_client.meta.events.register("before-send.s3", counter)
    try:
        yield Index(bucket, s3, counter)
    finally:
        handler_client.meta.events.unregister("before-send.s3", counter)
