"""REST v1 proxy events in and proxy responses out: how the tests talk to the handlers directly."""

from __future__ import annotations

import base64
import json
import tempfile
from pathlib import Path
from typing import Any

from testkit import dists

EVENTS = Path(__file__).parent.parent / "events"


def load_event(name: str) -> dict[str, Any]:
    """A recorded event from tests/events/."""
    loaded: dict[str, Any] = json.loads((EVENTS / name).read_text(encoding="utf-8"))
    return loaded


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


def headers_of(response: dict[str, Any]) -> dict[str, str]:
    """A proxy response's headers, one value each (the handlers send ``multiValueHeaders`` only)."""
    assert "headers" not in response, "one header form: multiValueHeaders"
    return {name: values[-1] for name, values in response["multiValueHeaders"].items()}


def body_of(response: dict[str, Any]) -> bytes:
    """The body bytes of a proxy response."""
    if response["isBase64Encoded"]:
        return base64.b64decode(response["body"])
    return str(response["body"]).encode("utf-8")


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
