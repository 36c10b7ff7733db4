"""The trusted publishing exchange in process: proxy events to ``handlers.api.handler`` as the
exchange's REST API sends them, and an upload with a minted token."""

from __future__ import annotations

import base64
import json
from typing import Any

from handlers import api
from testkit.forms import CONTENT_TYPE, form_body, twine_fields
from tests.support.proxy import body_of, make_wheel, proxy_event


def exchange(resource: str, body: bytes | None, method: str = "POST") -> dict[str, Any]:
    event = proxy_event(method, "/_" + resource, {"Content-Type": "application/json"}, body)
    event["resource"] = resource
    event["pathParameters"] = None
    return api.handler(event, None)


def mint(token: str) -> tuple[int, dict[str, Any]]:
    response = exchange("/oidc/mint-token", json.dumps({"token": token}).encode())
    return response["statusCode"], json.loads(body_of(response))


def upload(token: str, project: str = "octo-pkg") -> int:
    content = make_wheel(project, "1.0")
    filename = f"{project.replace('-', '_')}-1.0-py3-none-any.whl"
    body = form_body(twine_fields(filename, content, project, "1.0"), (filename, content))
    auth = base64.b64encode(f"__token__:{token}".encode()).decode()
    event = proxy_event("POST", "/", {"Authorization": f"Basic {auth}", "Content-Type": CONTENT_TYPE}, body)
    return int(api.handler(event, None)["statusCode"])
