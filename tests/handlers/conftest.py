"""Handlers against a real moto S3 server, with every S3 request the handlers make counted."""

from __future__ import annotations

import base64
import json
import logging
import os
import tempfile
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from handlers import api, clients
from tests.support import dists

EVENTS = Path(__file__).parent.parent / "events"


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's per-request lines
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@dataclass
class S3Counter:
    """Counts the HTTP requests the handlers' S3 client sends, by operation."""

    calls: Counter[str] = field(default_factory=Counter)

    def __call__(self, **kwargs: Any) -> None:
        self.calls[kwargs["event_name"].rsplit(".", 1)[-1]] += 1

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    def reset(self) -> None:
        self.calls.clear()


@dataclass
class Index:
    """A fresh bucket wired to the handlers, plus helpers to drive them."""

    bucket: str
    s3: Any
    counter: S3Counter

    def put(self, key: str, body: bytes, **kwargs: Any) -> str:
        return str(self.s3.put_object(Bucket=self.bucket, Key=key, Body=body, **kwargs)["ETag"]).strip('"')

    def get(
        self, path: str, *, accept: str | None = None, method: str = "GET", **headers: str
    ) -> dict[str, Any]:
        all_headers = {k.replace("_", "-"): v for k, v in headers.items()}
        if accept is not None:
            all_headers["Accept"] = accept
        return api.handler(proxy_event(method, path, all_headers), None)


def proxy_event(method: str, path: str, headers: dict[str, str], body: bytes | None = None) -> dict[str, Any]:
    """A REST v1 proxy event as API Gateway sends it (recorded shape in tests/events/)."""
    event: dict[str, Any] = load_event("api_get_project.json")
    event["httpMethod"] = method
    event["path"] = path
    event["resource"] = "/" if path == "/" else "/{package+}"
    event["pathParameters"] = None if path == "/" else {"package": path.strip("/")}
    event["requestContext"]["path"] = "/simple" + path
    event["requestContext"]["httpMethod"] = method
    event["headers"] = headers
    event["multiValueHeaders"] = {k: [v] for k, v in headers.items()}
    if body is not None:
        event["body"] = base64.b64encode(body).decode()
        event["isBase64Encoded"] = True
    return event


def load_event(name: str) -> dict[str, Any]:
    """A recorded event from tests/events/."""
    loaded: dict[str, Any] = json.loads((EVENTS / name).read_text(encoding="utf-8"))
    return loaded


def body_of(response: dict[str, Any]) -> bytes:
    """The body bytes of a proxy response."""
    if response["isBase64Encoded"]:
        return base64.b64decode(response["body"])
    return str(response["body"]).encode("utf-8")


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


def make_wheel(
    name: str,
    version: str,
    *,
    requires_python: str | None = None,
    summary: str | None = None,
    author: str | None = None,
    padding: int = 0,
) -> bytes:
    """The bytes of a small valid wheel (the same bytes for the same arguments)."""
    meta = dists.Meta(name, version, requires_python=requires_python, summary=summary, author=author)
    with tempfile.TemporaryDirectory() as tmp:
        return dists.wheel(Path(tmp), meta, padding=padding).read_bytes()
