"""Lambda entry point of the index: ``handlers.api.handler`` (API Gateway REST v1 proxy events).

Parses, routes, encodes, translates; no business logic. A client error is a short 4xx; anything
unexpected is logged with its traceback and answered with a bare 500, never the traceback itself.
Every request leaves one JSON access line in the log (never a credential).
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from handlers import app, config, contract
from handlers.aws import clients
from handlers.aws.storage import Storage
from handlers.web.http import (
    RETRY_AFTER,
    DamagedBody,
    HTTPError,
    Request,
    Response,
    ServiceUnavailable,
    encode,
    from_error,
    route_path,
    text,
    to_proxy,
)

log = logging.getLogger(__name__)
logging.getLogger().setLevel(logging.INFO)
_first_call = True


def handler(event: Any, context: object | None) -> dict[str, Any]:
    """Answer one API Gateway REST (v1) proxy event."""
    started = time.monotonic()
    _log_versions_once()
    request: Request | None = None
    try:
        request = Request.from_event(event)
        settings = config.load()
        resource = event.get("resource")  # an object, and a string or None: Request.from_event said so
        if _stage(event) == contract.VIEWS_STAGE:  # the web view's own REST API (pages for people)
            response = encode(app.view(request, settings, Storage(clients.s3(), settings.bucket)), request)
        elif resource in contract.OIDC_ROUTES:  # the trusted publishing exchange's own REST API
            from handlers.publishing import exchange

            response = exchange.route(request, str(resource), Storage(clients.s3(), settings.bucket))
        elif resource == contract.INTEGRITY_RESOURCE:  # PEP 740 provenance: a REST API of its own
            storage = Storage(clients.s3(), settings.bucket)
            response = encode(app.integrity(request, settings, storage), request)
        else:
            response = encode(app.route(request, settings, Storage(clients.s3(), settings.bucket)), request)
    except HTTPError as error:
        response = encode(from_error(error), request)
    except DamagedBody as error:
        log.error("a stored page does not inflate (%s); a reindex writes it again", error)
        response = from_error(ServiceUnavailable(app.PAGE_REPAIRING, RETRY_AFTER))
    except config.ConfigurationError as error:
        log.error("misconfigured: %s", error)
        response = text(500, "Internal Server Error: the index is misconfigured")
    except Exception:
        log.exception("unexpected error")
        response = text(500, "Internal Server Error")
    _log_access(event, context, request, response, started)
    return to_proxy(response, request)


def _stage(event: Any) -> object:
    context = event.get("requestContext") if isinstance(event, dict) else None
    return context.get("stage") if isinstance(context, dict) else None


def _log_access(
    event: Any, context: object | None, request: Request | None, response: Response, started: float
) -> None:
    """One JSON line per request: who asked what, the answer and how long it took."""
    try:
        path = route_path(event) if request is None else request.path
    except HTTPError:
        path = ""
    line = {
        "requestId": getattr(context, "aws_request_id", None),
        "ip": request.source_ip if request is not None else None,
        "method": request.method if request is not None else None,
        "path": path[:300],
        "status": response.status,
        "ms": round((time.monotonic() - started) * 1000, 1),
        "userAgent": (request.header("User-Agent") or "")[:200] if request is not None else None,
    }
    log.info(json.dumps(line, ensure_ascii=True))


def _log_versions_once() -> None:
    """Say once per instance which SDK and libraries run (the pinned ones, shipped with the function)."""
    global _first_call
    if not _first_call:
        return
    _first_call = False
    import platform
    from importlib import metadata

    versions = {"python": platform.python_version()}
    for package in ("boto3", "botocore", "packaging", "PyJWT", "cryptography"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "absent"
    log.info("runtime %s", json.dumps(versions))
