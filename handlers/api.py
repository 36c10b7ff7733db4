"""Lambda entry point of the index: ``handlers.api.handler`` (API Gateway REST v1 proxy events).

Parses, routes, translates; no business logic. A client error is a short 4xx; anything unexpected
is logged with its traceback and answered with a bare 500, never the traceback itself.
"""

from __future__ import annotations

import logging
from typing import Any

from handlers import app, clients, config
from handlers.http import HTTPError, Request, from_error, text, to_proxy
from handlers.storage import Storage

log = logging.getLogger(__name__)
logging.getLogger().setLevel(logging.INFO)


def handler(event: Any, context: object | None) -> dict[str, Any]:
    """Answer one API Gateway REST (v1) proxy event."""
    request: Request | None = None
    try:
        request = Request.from_event(event)
        settings = config.load()
        response = app.route(request, settings, Storage(clients.s3(), settings.bucket))
    except HTTPError as error:
        response = from_error(error)
    except config.ConfigurationError as error:
        log.error("misconfigured: %s", error)
        response = text(500, "Internal Server Error: the index is misconfigured")
    except Exception:
        log.exception("unexpected error")
        response = text(500, "Internal Server Error")
    return to_proxy(response, request)
