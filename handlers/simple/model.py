"""What the index knows about a file and a project (pure, frozen dataclasses).

Field comments quote the PEP that defines each field. The facts of a file are computed once by the
reindexer and kept in the project's generated JSON page (PEP 691 with a few private ``_`` keys, which
that PEP reserves for the server), so that page is both what clients read and the reindexer's state.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from handlers.controls.rules import ACTIVE, ProjectStatus
from handlers.names import NormalizedName, is_safe_filename, normalize, version_of

_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class FileFacts:
    """One distribution file as the index lists it."""

    #: PEP 691 ``filename``.
    filename: str
    #: The S3 key (``<folder>/<filename>``; the folder may be a non-normalized spelling).
    key: str
    #: The S3 ETag (without quotes): the facts below belong to this version of the object.
    etag: str
    #: PEP 700 ``size``, in bytes.
    size: int
    #: PEP 503 ``#sha256=`` / PEP 691 ``hashes.sha256``, lower-case hex.
    sha256: str
    #: PEP 700 ``upload-time``: ISO 8601, UTC, ``Z`` suffix.
    upload_time: str
    #: PEP 503 ``data-requires-python`` / PEP 691 ``requires-python``.
    requires_python: str | None = None
    #: PEP 658/714 ``core-metadata``: sha256 of the ``.metadata`` file, None when not served.
    metadata_sha256: str | None = None
    #: PEP 592: None when not yanked, else the reason ("" for none given).
    yanked: str | None = None
    #: PEP 740: the sha256 of the file's stored provenance (verified attestations), None without.
    provenance_sha256: str | None = None

    def __post_init__(self) -> None:
        if not is_safe_filename(self.filename) or not self.key.endswith("/" + self.filename):
            raise ValueError(f"file facts for an unsafe or mismatched name: {self.key!r}")
        if _SHA256.fullmatch(self.sha256) is None:
            raise ValueError(f"sha256 must be 64 lower-case hex digits: {self.sha256!r}")
        if self.metadata_sha256 is not None and _SHA256.fullmatch(self.metadata_sha256) is None:
            raise ValueError(f"metadata sha256 must be hex: {self.metadata_sha256!r}")
        if self.provenance_sha256 is not None and _SHA256.fullmatch(self.provenance_sha256) is None:
            raise ValueError(f"provenance sha256 must be hex: {self.provenance_sha256!r}")

    @property
    def version(self) -> str | None:
        """PEP 700 ``versions`` entry, parsed from the filename (None for unparsable legacy names)."""
        return version_of(self.filename)

    @property
    def folder(self) -> str:
        """The folder the file lives in, as spelled in the bucket."""
        return self.key.rsplit("/", 1)[0]


@dataclass(frozen=True)
class ProjectDetail:
    """A project page (PEP 503 / PEP 691): a normalized name and its files, sorted by filename."""

    #: PEP 691 ``name`` (normalized).
    name: NormalizedName
    files: tuple[FileFacts, ...] = field(default=())
    #: PEP 792 ``project-status``: a quarantined project's page lists no files.
    status: ProjectStatus = ACTIVE

    def __post_init__(self) -> None:
        if normalize(self.name) != self.name:
            raise ValueError(f"project names are stored normalized: {self.name!r}")
        if self.files and not self.status.status.offers_files:
            raise ValueError(f"a quarantined project lists no files: {self.name!r}")

    @property
    def versions(self) -> list[str]:
        """PEP 700 ``versions``: every version a file carries, in a stable, natural order."""
        return sorted({f.version for f in self.files if f.version}, key=_natural_key)


def _natural_key(version: str) -> list[tuple[int, int | str]]:
    return [(0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", version)]


def format_upload_time(moment: datetime) -> str:
    """PEP 700's format: ``yyyy-mm-ddThh:mm:ss.ffffffZ`` in UTC.

    >>> format_upload_time(datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC))
    '2024-01-02T03:04:05.000000Z'
    """
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def yanked_value(yanked: str | None) -> bool | str:
    """PEP 691 ``yanked``: False, True (no reason) or the non-empty reason."""
    if yanked is None:
        return False
    return yanked or True
