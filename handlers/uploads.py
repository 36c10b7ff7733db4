"""Publishing a distribution: the one validation and the one never-overwrite write, for the upload
API and the admin CLI alike.

A file is refused (and nothing stored) unless its name is a valid wheel or sdist name that agrees with
the form's name and version, every digest the client sent matches, and a wheel is a readable zip whose
METADATA agrees too. A published file is never replaced: the write is conditional
(``If-None-Match: *``), so of two racing uploads exactly one wins, and the same bytes again are a no-op.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO, Any

from handlers import layout, metadata
from handlers.indexer import REQUIRES_PYTHON_METADATA, published_files
from handlers.names import (
    UPLOAD_SUFFIXES,
    InvalidFilename,
    NormalizedName,
    canonical_version,
    normalize,
    parse_filename,
)
from handlers.storage import PreconditionFailed, Storage

_CHUNK = 1024 * 1024
#: Digest form fields twine sends, and how to compute each.
DIGEST_FIELDS = {"sha256_digest": "sha256", "md5_digest": "md5", "blake2_256_digest": "blake2_256"}


class UploadRefused(ValueError):
    """A distribution that may not be published; the message is one line for the client."""


class FileExists(UploadRefused):
    """Another file of that name is published already (PyPI's words, which twine understands)."""

    def __init__(self, filename: str):
        super().__init__(f"File already exists: {filename} (a published file is never replaced)")


@dataclass(frozen=True)
class Distribution:
    """A validated distribution file, ready to publish."""

    filename: str
    project: NormalizedName
    version: str
    sha256: str
    size: int
    #: From the wheel's METADATA, the sdist's PKG-INFO, or the form.
    requires_python: str | None

    @property
    def key(self) -> str:
        """Where it is stored: always the normalized folder."""
        return f"{self.project}/{self.filename}"


def check_distribution(
    filename: str,
    file: IO[bytes],
    *,
    name: str | None = None,
    version: str | None = None,
    filetype: str | None = None,
    digests: Mapping[str, str] | None = None,
    requires_python: str | None = None,
) -> Distribution:
    """Validate a distribution (a seekable file); raises :class:`UploadRefused` with the reason."""
    try:
        parsed = parse_filename(filename)
    except InvalidFilename as error:
        raise UploadRefused(f"Invalid distribution filename: {error}") from error
    if not filename.endswith(UPLOAD_SUFFIXES):
        raise UploadRefused("Only wheels (.whl) and sdists (.tar.gz, .zip) can be uploaded")
    if name is not None and normalize(name) != parsed.project:
        raise UploadRefused(f"Form name {name!r} does not match the filename {filename!r}")
    if version is not None and not _same_version(version, parsed.version):
        raise UploadRefused(f"Form version {version!r} does not match the filename {filename!r}")
    if filetype is not None and filetype != parsed.filetype:
        raise UploadRefused(f"Form filetype {filetype!r} does not match the filename {filename!r}")
    computed, size = _digests(file)
    if size == 0:
        raise UploadRefused("The file is empty")
    for field_name, algorithm in DIGEST_FIELDS.items():
        supplied = (digests or {}).get(field_name)
        if supplied and supplied.strip().lower() != computed[algorithm]:
            raise UploadRefused(f"The {field_name} does not match the file's content")
    core = _core_metadata(filename, file, parsed.project)
    if core is not None:
        if normalize(core.name) != parsed.project or not _same_version(core.version, parsed.version):
            raise UploadRefused(
                f"The metadata's Name and Version ({core.name} {core.version}) do not match {filename!r}"
            )
        requires_python = core.requires_python or requires_python
    return Distribution(filename, parsed.project, parsed.version, computed["sha256"], size, requires_python)


def _same_version(left: str, right: str) -> bool:
    try:
        return canonical_version(left) == canonical_version(right)
    except ValueError:
        return False


def _digests(file: IO[bytes]) -> tuple[dict[str, str], int]:
    hashes: dict[str, Any] = {
        "sha256": hashlib.sha256(),
        "md5": hashlib.md5(usedforsecurity=False),
        "blake2_256": hashlib.blake2b(digest_size=32),
    }
    size = 0
    file.seek(0)
    for chunk in iter(lambda: file.read(_CHUNK), b""):
        size += len(chunk)
        for digest in hashes.values():
            digest.update(chunk)
    file.seek(0)
    return {name: digest.hexdigest() for name, digest in hashes.items()}, size


def _core_metadata(filename: str, file: IO[bytes], project: NormalizedName) -> metadata.CoreMetadata | None:
    try:
        if filename.endswith(".whl"):
            return metadata.parse_core_metadata(metadata.read_wheel_metadata(file, project))
        data = metadata.read_sdist_metadata(file, filename)
        return metadata.parse_core_metadata(data) if data else None
    except metadata.InvalidDistribution as error:
        raise UploadRefused(
            f"Not a valid {'wheel' if filename.endswith('.whl') else 'sdist'}: {error}"
        ) from error
    finally:
        file.seek(0)


def publish(storage: Storage, dist: Distribution, body: IO[bytes] | bytes) -> bool:
    """Store ``dist`` unless that filename is published; True when written, False when the same
    bytes were there already. Raises :class:`FileExists` for other bytes under the name.
    """
    existing = _listed_sha256(storage, dist)
    if existing is not None:
        if existing != dist.sha256:
            raise FileExists(dist.filename)
        return False
    object_metadata = {layout.SHA256_METADATA: dist.sha256}
    if dist.requires_python and dist.requires_python.isascii():
        object_metadata[REQUIRES_PYTHON_METADATA] = dist.requires_python
    try:
        storage.put_file(
            dist.key,
            body,
            sha256_base64=base64.b64encode(bytes.fromhex(dist.sha256)).decode("ascii"),
            metadata=object_metadata,
        )
    except PreconditionFailed:
        # Lost a race with another upload of the same name: same bytes is fine, others are not.
        if storage.stored_sha256(dist.key) != dist.sha256:
            raise FileExists(dist.filename) from None
        return False
    return True


def _listed_sha256(storage: Storage, dist: Distribution) -> str | None:
    # The project's page knows the file in every spelling of its folder. A file too new for the
    # page is caught by the conditional write itself.
    for facts in published_files(storage, dist.project).values():
        if facts.filename == dist.filename:
            return facts.sha256
    return None
