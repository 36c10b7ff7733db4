"""Copies of pages too large for a Lambda response, in S3 for a presigned redirect (storage level).

Lambda answers at most 6 MiB of JSON; a root of 150,000 projects inflates to 7 MB of HTML, so a
client that takes no gzip cannot be sent it through API Gateway. It is sent a 302 to a copy instead:
the page inflated, its links made absolute for the URL the client asked (:mod:`handlers.simple.rebase`),
stored once under :data:`~handlers.layout.LARGE_PAGES_PREFIX` by the page's ETag, format and URL
(``If-None-Match: *``: racing writers write the same bytes, the first one stays) and expired by the
bucket's lifecycle. The rare path costs a HEAD after the page's GET, plus a PUT the first time.
"""

from __future__ import annotations

import logging

from handlers import layout
from handlers.aws.storage import PreconditionFailed, Storage
from handlers.simple import pages, rebase

log = logging.getLogger(__name__)


def presigned_copy(
    storage: Storage,
    member: bytes,
    *,
    etag: str,
    json: bool,
    root: bool,
    url: str,
    content_type: str,
    ttl: int,
) -> str:
    """A presigned URL of the copy of a stored page's ``member`` made for ``url``, written if missing.

    ``etag`` is the stored page's (the copy is of that version only). A root's JSON names projects
    and links nothing, so it is copied as it is, never parsed (200,000 entries would not fit the
    function's memory as Python objects). Raises
    :class:`~handlers.simple.pages.DamagedPage` when the member does not inflate.
    """
    key = layout.large_page_key(etag, "json" if json else "html", url)
    if not storage.exists(key):
        copy = _absolute(pages.inflate(member), url, json=json, root=root)
        try:
            storage.put(key, copy, content_type=content_type, if_none_match=True)
            log.info("wrote %s (%d bytes) for a client without gzip", key, len(copy))
        except PreconditionFailed:
            pass  # a concurrent request wrote the same bytes first
    return storage.presign(key, ttl)


def _absolute(page: bytes, url: str, *, json: bool, root: bool) -> bytes:
    if not json:
        return rebase.html_page(page, url)
    return page if root else rebase.json_page(page, url)
