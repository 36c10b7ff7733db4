"""PEP 807 discovery: ``GET https://HOST/.well-known/pytp/<key>`` names the exchange's endpoints.

``<key>`` is the lowercase hex SHA-256 of the path of an upload URL: for each path this index takes
uploads on (:data:`handlers.contract.UPLOAD_PATHS`) the answer is 200 with the audience and mint
endpoints on the request's own host; any other key is a 404 with no body. The only media type is
``application/vnd.pypi.pytp.v1+json`` (no ``Accept`` counts as that one); any other is a 406.
"""

from __future__ import annotations

import hashlib
import json
import re

from handlers import contract
from handlers.web.http import Request, Response

MEDIA_TYPE = "application/vnd.pypi.pytp.v1+json"
_HOST = re.compile(
    r"^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$"
)
_KEYS = {hashlib.sha256(path.encode()).hexdigest() for path in contract.UPLOAD_PATHS}
_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "Vary": "Accept"}


def acceptable(accept: str | None) -> bool:
    """True when ``Accept`` is absent or lists PEP 807's media type (with a quality above 0).

    >>> acceptable(None), acceptable(MEDIA_TYPE + ";q=0.5, text/html"), acceptable("*/*")
    (True, True, False)
    """
    if accept is None or not accept.strip():
        return True
    for item in accept.split(","):
        media, *params = (part.strip() for part in item.split(";"))
        quality = next((p.partition("=")[2] for p in params if p.lower().startswith("q=")), "1")
        try:
            wanted = float(quality) > 0
        except ValueError:
            wanted = False
        if media.lower() == MEDIA_TYPE and wanted:
            return True
    return False


def answer(request: Request, enabled: bool) -> Response:
    """The discovery document of the key ending ``request.path``, a bare 404, or a 406."""
    key = request.path.rstrip("/").rsplit("/", 1)[-1]
    host = request.header("Host") or ""
    if not enabled or key not in _KEYS or not _HOST.match(host):
        return Response(404, b"", dict(_HEADERS))
    if not acceptable(request.header("Accept")):
        body = {
            "message": "Not Acceptable",
            "errors": [
                {"code": "not-acceptable", "description": f"this document is served as {MEDIA_TYPE} only"}
            ],
        }
        return Response(406, json.dumps(body).encode(), {**_HEADERS, "Content-Type": "application/json"})
    base = f"https://{host}/{contract.OIDC_BASE_PATH}/oidc"
    document = {"audience-endpoint": f"{base}/audience", "mint-token-endpoint": f"{base}/mint-token"}
    return Response(200, json.dumps(document).encode(), {**_HEADERS, "Content-Type": MEDIA_TYPE})
