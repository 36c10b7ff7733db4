"""The upstream index's project page, fetched with urllib within fixed bounds.

Each connect or read waits :data:`~handlers.contract.UPSTREAM_TIMEOUT` seconds at most and the whole
page :data:`~handlers.contract.UPSTREAM_DEADLINE`, so with the cache read and a render a client has
its answer well within 20 s (API Gateway's own limit is 29 s). JSON is asked for first (PEP 691),
HTML accepted; gzip is asked for and inflated here, because urllib does not.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from handlers.contract import UPSTREAM_DEADLINE, UPSTREAM_TIMEOUT
from handlers.proxy.model import UnreadablePage, UpstreamProject, parse_html, parse_json

#: Largest upstream page read (PyPI's biggest JSON pages are a few MB).
MAX_PAGE = 64 * 1024 * 1024
_CHUNK = 256 * 1024
_ACCEPT = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.1"
_USER_AGENT = "serverless-pypi-proxy"


class UpstreamFailed(Exception):
    """The upstream did not give a usable page: unreachable, too slow, a 5xx, or unreadable."""


class UpstreamMissing(Exception):
    """The upstream has no such project (404 or 410)."""


@dataclass(frozen=True)
class Fetched:
    """An upstream answer: the body (inflated), its media type, and the URL it came from."""

    body: bytes
    content_type: str
    url: str


#: ``url -> Fetched``; the tests may replace it.
Fetch = Callable[[str], Fetched]


def fetch(url: str) -> Fetched:
    """GET ``url``; raises :class:`UpstreamMissing` or :class:`UpstreamFailed`."""
    if not url.startswith(("https://", "http://")):
        raise UpstreamFailed(f"the fallback index must be an http(s) URL: {url[:200]}")
    request = urllib.request.Request(  # noqa: S310 - scheme checked
        url, headers={"Accept": _ACCEPT, "Accept-Encoding": "gzip", "User-Agent": _USER_AGENT}
    )
    deadline = time.monotonic() + UPSTREAM_DEADLINE
    try:
        with urllib.request.urlopen(request, timeout=UPSTREAM_TIMEOUT) as response:  # noqa: S310
            chunks: list[bytes] = []
            size = 0
            while chunk := response.read(_CHUNK):
                size += len(chunk)
                if size > MAX_PAGE:
                    raise UpstreamFailed(f"{url} answered more than {MAX_PAGE} bytes")
                if time.monotonic() > deadline:
                    raise UpstreamFailed(f"{url} took more than {UPSTREAM_DEADLINE} s")
                chunks.append(chunk)
            body = b"".join(chunks)
            encoding = (response.headers.get("Content-Encoding") or "").strip().lower()
            content_type = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            final_url = response.geturl()
    except urllib.error.HTTPError as error:
        if error.code in (404, 410):
            raise UpstreamMissing(url) from error
        raise UpstreamFailed(f"{url} answered {error.code}") from error
    except (OSError, ValueError) as error:  # URLError, timeouts, resets, bad URLs
        raise UpstreamFailed(f"{url}: {error}") from error
    if encoding in ("gzip", "x-gzip"):
        body = _inflate(body, url)
    return Fetched(body, content_type, final_url)


def _inflate(body: bytes, url: str) -> bytes:
    """A gzip body inflated, never past :data:`MAX_PAGE` (a small body may inflate to gigabytes)."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        page = inflater.decompress(body, MAX_PAGE + 1)
    except zlib.error as error:
        raise UpstreamFailed(f"{url} sent a broken gzip body") from error
    if len(page) > MAX_PAGE or inflater.unconsumed_tail:
        raise UpstreamFailed(f"{url} answered more than {MAX_PAGE} bytes")
    return page


def read_page(fetched: Fetched) -> UpstreamProject:
    """The project a fetched page describes; :class:`UpstreamFailed` when it is unreadable."""
    try:
        if fetched.content_type.endswith("json"):
            return parse_json(fetched.body, fetched.url)
        if fetched.content_type.endswith("html"):
            return parse_html(fetched.body, fetched.url)
    except UnreadablePage as error:
        raise UpstreamFailed(f"{fetched.url}: {error}") from error
    raise UpstreamFailed(f"{fetched.url} answered {fetched.content_type or 'no Content-Type'}")
