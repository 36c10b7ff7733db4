"""Provenance in the bucket, and who may have signed an upload's attestations (storage).

A file's provenance is one object beside it, ``<project>/<filename>.provenance`` (no archive suffix,
so never listed as a package), written once with ``If-None-Match: *`` after the file itself was
written: like the file, never replaced. The Integrity API answers it with one GET.
"""

from __future__ import annotations

from handlers import layout
from handlers.auth.tokens import TokenRecord
from handlers.aws.storage import PreconditionFailed, Storage
from handlers.names import NormalizedName
from handlers.publishing.publisher import Publisher
from handlers.publishing.publishers import PublisherStore

#: The Integrity API's media type (PyPI's).
MEDIA_TYPE = "application/vnd.pypi.integrity.v1+json"


def candidates(storage: Storage, record: TokenRecord, project: NormalizedName) -> list[Publisher]:
    """The publishers an upload's attestations may be signed by: for a token minted by trusted
    publishing, the publisher that minted it (still registered); for an operator's API token, every
    publisher registered for the project (one listing and a GET per publisher: uploads with
    attestations only)."""
    minted_by = getattr(record, "publisher", None)  # a MintedRecord's publisher id
    publishers = PublisherStore(storage).list()
    if minted_by:
        return [p for p in publishers if p.ident == minted_by]
    return [p for p in publishers if p.covers(project)]


def store(storage: Storage, file_key: str, body: bytes) -> bool:
    """Keep a new file's provenance; False when one is there already (the first one stays)."""
    try:
        storage.put(layout.provenance_key(file_key), body, content_type=MEDIA_TYPE, if_none_match=True)
    except PreconditionFailed:
        return False
    return True


def read(storage: Storage, file_key: str) -> bytes | None:
    """A file's provenance, or None when it has none."""
    stored = storage.get(layout.provenance_key(file_key))
    return None if stored is None else stored.body
