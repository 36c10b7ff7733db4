"""HTTP for the live check: one request, redirects not followed, errors as answers (urllib only).

A redirect is an answer here: a presigned S3 URL must never receive the index's Authorization
header, and the check must see whether a redirect is temporary.
"""

from __future__ import annotations

import base64
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from email.message import Message
from typing import Any

TIMEOUT = 30.0
USER_AGENT = "serverless-pypi-check/1"


@dataclass(frozen=True)
class Answer:
    """One HTTP answer, redirects not followed."""

    status: int
    headers: Message
    body: bytes

    @property
    def content_type(self) -> str:
        """The media type, without parameters."""
        return (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()

    def text(self, limit: int = 200) -> str:
        """The start of the body, for a failure line."""
        return self.body[:limit].decode("utf-8", "replace").replace("\n", " ").strip()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # the redirect is the answer: a presigned URL must not get our Authorization


_OPENER = urllib.request.build_opener(_NoRedirect)


def fetch(
    url: str,
    *,
    accept: str | None = None,
    token: str | None = None,
    method: str = "GET",
    data: bytes | None = None,
    content_type: str | None = None,
) -> Answer:
    """One request; an HTTP error status is an answer, not an exception."""
    headers = {"User-Agent": USER_AGENT}
    if accept:
        headers["Accept"] = accept
    if token:
        headers["Authorization"] = "Basic " + base64.b64encode(f"__token__:{token}".encode()).decode()
    if content_type:
        headers["Content-Type"] = content_type
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise ValueError(f"not an http(s) URL: {url!r}")
    request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310  # checked
    try:
        with _OPENER.open(request, timeout=TIMEOUT) as response:
            return Answer(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.headers, error.read())
