"""A generated page as stored in S3: its HTML and JSON, each gzip-compressed, in one object (pure).

One object per page means a read is one S3 GET whatever the format, and a reindex writes one object.
Each member is a complete gzip stream, so a client that accepts gzip gets the stored bytes as they are
(no compression work per request) and any other client gets them inflated.
"""

from __future__ import annotations

import gzip

#: Object metadata (``x-amz-meta-html-length``): where the HTML member ends and the JSON one starts.
HTML_LENGTH_METADATA = "html-length"


def pack(html: bytes, json: bytes) -> tuple[bytes, dict[str, str]]:
    """The object body and metadata for a page. Deterministic: the same page gives the same bytes."""
    html_member = gzip.compress(html, compresslevel=9, mtime=0)
    json_member = gzip.compress(json, compresslevel=9, mtime=0)
    return html_member + json_member, {HTML_LENGTH_METADATA: str(len(html_member))}


def member(body: bytes, metadata: dict[str, str], *, json: bool) -> bytes:
    """The gzip member of one format, sliced out of a stored page."""
    try:
        split = int(metadata[HTML_LENGTH_METADATA])
    except (KeyError, ValueError) as error:
        raise ValueError("stored page without a valid html-length") from error
    if not 0 < split < len(body):
        raise ValueError("stored page with an html-length out of range")
    return body[split:] if json else body[:split]


def unpack_json(body: bytes, metadata: dict[str, str]) -> bytes:
    """The JSON of a stored page, inflated: how the reindexer reads its state back."""
    return gzip.decompress(member(body, metadata, json=True))
