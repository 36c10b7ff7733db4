"""Generated pages as stored in S3, written and read back: the one module that knows their form (pure).

A page is one object holding its HTML and its JSON, each a complete gzip stream; the object metadata
``html-length`` says where the HTML member ends. One object per page means a read is one S3 GET
whatever the format, and a reindex writes one object. A client that accepts gzip gets the stored bytes
as they are; any other client gets them inflated. The JSON member (PEP 691 with a few private ``_``
keys, which that PEP reserves for the server) is also the reindexer's state: :func:`read_project`
turns it back into :class:`~handlers.simple.model.FileFacts`.

Anything unreadable raises :class:`DamagedPage`: every reader treats that as "missing" and the
reindexer writes the page again from the package files.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from handlers.names import NormalizedName, is_valid_project_name, normalize
from handlers.views import stored

if TYPE_CHECKING:  # page reads slice members only: the model loads on the reindexer's paths
    from handlers.controls.rules import ProjectStatus
    from handlers.simple.model import FileFacts, ProjectDetail

#: Object metadata (``x-amz-meta-html-length``): where the HTML member ends and the JSON one starts.
HTML_LENGTH_METADATA = "html-length"
#: Object metadata (``x-amz-meta-project-status``): the project's PEP 792 status, so a page read learns
#: it from the GET's headers without inflating anything (a download right after it needs no lookup).
STATUS_METADATA = "project-status"
_GZIP_MAGIC = b"\x1f\x8b\x08"


class DamagedPage(ValueError):
    """A stored page that cannot be read; the message says what is wrong with it."""


# -- writing ---------------------------------------------------------------------------------------
def pack(html: bytes, json_page: bytes) -> tuple[bytes, dict[str, str]]:
    """The object body and metadata for a page. Deterministic: the same page gives the same bytes."""
    html_member = gzip.compress(html, compresslevel=9, mtime=0)
    json_member = gzip.compress(json_page, compresslevel=9, mtime=0)
    return html_member + json_member, {HTML_LENGTH_METADATA: str(len(html_member))}


def pack_root(html: bytes, json_page: bytes, state: bytes, view: bytes) -> tuple[bytes, dict[str, str]]:
    """The root's object: its two pages, then the web view's state and its ``/project/`` HTML.

    One object, so an event that reads the root (it always does) learns every project's newest
    version and summary, and writing it renders ``/project/`` for no extra request.
    """
    body, meta = pack(html, json_page)
    return stored.extend(body, meta, int(meta[HTML_LENGTH_METADATA]), state, view)


def project_page(detail: ProjectDetail) -> tuple[bytes, dict[str, str]]:
    """A project's stored page: body and object metadata."""
    from handlers.simple import render  # only the reindexer renders: page reads never load it

    body, metadata = pack(render.project_html(detail), render.project_json(detail))
    return body, {**metadata, STATUS_METADATA: detail.status.status.value}


def status_of(metadata: Mapping[str, str]) -> str | None:
    """The status a stored project page's metadata names (None: written before pages carried it)."""
    return metadata.get(STATUS_METADATA)


# -- reading ---------------------------------------------------------------------------------------
def member(body: bytes, metadata: Mapping[str, str], *, json: bool) -> bytes:
    """The gzip member of one format, sliced out of a stored page (checked to look like gzip)."""
    try:
        split = int(metadata[HTML_LENGTH_METADATA])
    except (KeyError, ValueError) as error:
        raise DamagedPage("stored page without a valid html-length") from error
    if not 0 < split < len(body):
        raise DamagedPage("stored page with an html-length out of range")
    if not body.startswith(_GZIP_MAGIC) or not body[split:].startswith(_GZIP_MAGIC):
        raise DamagedPage("stored page whose members are not gzip streams")
    if not json:
        return body[:split]
    try:
        return body[split : stored.json_end(metadata, split, len(body))]
    except stored.DamagedView as error:
        raise DamagedPage(str(error)) from error


def inflated_size(gzipped: bytes) -> int:
    """How large a stored member inflates, read from its gzip trailer (ISIZE, the last 4 bytes,
    little-endian): a read decides how to answer without inflating anything.

    >>> inflated_size(gzip.compress(b"x" * 5000))
    5000
    """
    if len(gzipped) < 18:  # a gzip stream's header and trailer alone take 18 bytes
        raise DamagedPage("stored page member too short to be a gzip stream")
    return int.from_bytes(gzipped[-4:], "little")


def inflate(gzipped: bytes) -> bytes:
    """A stored member, decompressed; :class:`DamagedPage` when it is not a whole gzip stream."""
    try:
        return gzip.decompress(gzipped)
    except (OSError, EOFError, zlib.error) as error:
        raise DamagedPage(f"stored page member does not inflate: {error}") from error


@dataclass(frozen=True)
class StoredProject:
    """What a stored project page says: its files by S3 key, and the project's status."""

    files: dict[str, FileFacts]
    status: ProjectStatus


def read_project(body: bytes, metadata: Mapping[str, str]) -> StoredProject:
    """The files and status a stored project page holds."""
    from handlers.controls.rules import ACTIVE, ProjectStatus, Status

    document = _json_of(body, metadata)
    try:
        files = {facts.key: facts for facts in map(file_from_json, document["files"])}
    except (KeyError, TypeError, ValueError) as error:
        raise DamagedPage(f"stored project page with a bad files entry: {error}") from error
    marker = document.get("project-status")
    if marker is None:
        return StoredProject(files, ACTIVE)
    try:
        return StoredProject(files, ProjectStatus(Status(marker["status"]), marker.get("reason")))
    except (KeyError, TypeError, ValueError) as error:
        raise DamagedPage(f"stored project page with a bad project-status: {error}") from error


def read_root_state(body: bytes, metadata: Mapping[str, str]) -> dict[NormalizedName, tuple[str, str]]:
    """What the root keeps for ``/project/``: each project's newest version and summary."""
    try:
        extras = stored.extras(body, metadata)
    except stored.DamagedView as error:
        raise DamagedPage(str(error)) from error
    if extras is None:
        return {}
    try:
        document = json.loads(inflate(extras[0]))
        return {
            NormalizedName(name): (str(entry[0]), str(entry[1]))
            for name, entry in document["projects"].items()
            if is_valid_project_name(name) and normalize(name) == name
        }
    except (
        UnicodeDecodeError,
        json.JSONDecodeError,
        KeyError,
        TypeError,
        IndexError,
        AttributeError,
    ) as error:
        raise DamagedPage(f"stored root with a bad view state: {error}") from error


def read_root(body: bytes, metadata: Mapping[str, str]) -> list[NormalizedName]:
    """The projects a stored root lists."""
    document = _json_of(body, metadata)
    try:
        names = [str(entry["name"]) for entry in document["projects"]]
    except (KeyError, TypeError) as error:
        raise DamagedPage(f"stored root with a bad projects entry: {error}") from error
    if any(not is_valid_project_name(n) or normalize(n) != n for n in names):
        raise DamagedPage("stored root lists a name that is not a normalized project name")
    return [NormalizedName(n) for n in names]


def file_from_json(entry: dict[str, Any]) -> FileFacts:
    """One ``files`` entry of a stored JSON page, read back into facts."""
    from handlers.simple.model import FileFacts

    yanked = entry.get("yanked", False)
    metadata = entry.get("core-metadata")
    return FileFacts(
        filename=entry["filename"],
        key=entry["_key"],
        etag=entry["_etag"],
        size=int(entry["size"]),
        sha256=entry["hashes"]["sha256"],
        upload_time=entry["upload-time"],
        requires_python=entry.get("requires-python"),
        metadata_sha256=metadata["sha256"] if isinstance(metadata, dict) else None,
        yanked=None if yanked is False else ("" if yanked is True else str(yanked)),
        provenance_sha256=entry.get("_provenance"),
    )


def _json_of(body: bytes, metadata: Mapping[str, str]) -> dict[str, Any]:
    try:
        document = json.loads(inflate(member(body, metadata, json=True)))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DamagedPage(f"stored page whose JSON does not parse: {error}") from error
    if not isinstance(document, dict):
        raise DamagedPage("stored page whose JSON is not an object")
    return document
