"""Publishing a distribution: the one validation and the one never-replace write, for the upload
API and the admin CLI alike (storage level).

A file is refused (and nothing stored) unless its name is a valid wheel or sdist name that agrees with
the form's name and version, every digest the client sent matches, its core metadata is readable
within bounds and well-formed, and a wheel's layout is right. A published release is never replaced:
not under the same name (the write is conditional, ``If-None-Match: *``, so of two racing uploads
exactly one wins), and not under another spelling of it (:func:`distributions.find_twin` for what is
published, :mod:`handlers.uploads.claims` for what is being uploaded at the same moment). The same
bytes again are a no-op.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO, Any

from handlers import layout
from handlers.archives import core_metadata, distributions
from handlers.archives.distributions import Refused
from handlers.aws.storage import PreconditionFailed, Storage
from handlers.names import NormalizedName, normalize
from handlers.simple.catalog import Catalog
from handlers.uploads import claims
from handlers.web.http import quoted

_CHUNK = 1024 * 1024
#: Digest form fields twine sends, and how to compute each.
DIGEST_FIELDS = {"sha256_digest": "sha256", "md5_digest": "md5", "blake2_256_digest": "blake2_256"}
#: Object metadata an upload sets so that large sdists need not be read for Requires-Python.
REQUIRES_PYTHON_METADATA = "requires-python"
#: Form fields that may span lines (twine and uv send the README and the license text).
MULTILINE_FIELDS = frozenset({"description", "license"})
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_BUT_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class FileExists(Refused):
    """The release file is published already, under this name or another spelling of it (PyPI's
    words, which twine understands)."""

    def __init__(self, filename: str, existing: str | None = None):
        twin = f" (it would replace {existing})" if existing and existing != filename else ""
        super().__init__(f"File already exists: {filename}{twin}; a published file is never replaced")


class ProjectUnreadable(Exception):
    """The project's page is damaged, so what it holds cannot be checked now (a reindex repairs it)."""


@dataclass(frozen=True)
class Distribution:
    """A validated distribution file, ready to publish."""

    name: distributions.DistName
    sha256: str
    size: int
    #: From the wheel's METADATA, the sdist's PKG-INFO, or the form.
    requires_python: str | None

    @property
    def filename(self) -> str:
        """The file's name as uploaded."""
        return self.name.filename

    @property
    def project(self) -> NormalizedName:
        """The normalized project name."""
        return self.name.project

    @property
    def key(self) -> str:
        """Where it is stored: always the normalized folder."""
        return f"{self.project}/{self.filename}"


def check_form_fields(fields: Mapping[str, list[str]]) -> None:
    """Refuse control characters in form fields (tab, CR and LF only in the multi-line ones)."""
    for name, values in fields.items():
        pattern = _CONTROL_BUT_LINES if name in MULTILINE_FIELDS else _CONTROL
        for value in values:
            if pattern.search(value):
                raise Refused(f"Form field {quoted(name)} holds a control character")


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
    """Validate a distribution (a seekable file); raises :class:`Refused` with the reason."""
    parsed = distributions.parse_filename(filename)
    if name is not None and normalize(name) != parsed.project:
        raise Refused(f"Form name {quoted(name)} does not match the filename {quoted(filename)}")
    if version is not None and not distributions.same_version(version, parsed.version):
        raise Refused(f"Form version {quoted(version)} does not match the filename {quoted(filename)}")
    if filetype is not None and filetype != parsed.filetype:
        raise Refused(f"Form filetype {quoted(filetype)} does not match the filename {quoted(filename)}")
    computed, size = _digests(file)
    if size == 0:
        raise Refused("The file is empty")
    for field_name, algorithm in DIGEST_FIELDS.items():
        supplied = (digests or {}).get(field_name)
        if supplied and supplied.strip().lower() != computed[algorithm]:
            raise Refused(f"The {field_name} does not match the file's content")
    metadata = _core_metadata(parsed, file)
    if metadata is not None:
        try:
            core = core_metadata.from_fields(metadata)
        except core_metadata.InvalidDistribution as error:
            raise Refused(f"Invalid core metadata: {error}") from error
        distributions.check_metadata_fields(metadata)
        if normalize(core.name) != parsed.project or not distributions.same_version(
            core.version, parsed.version
        ):
            raise Refused(
                f"The metadata's Name and Version ({quoted(core.name)} {quoted(core.version)}) "
                f"do not match {quoted(filename)}"
            )
        requires_python = core.requires_python or requires_python
    if requires_python is not None:
        distributions.check_requires_python(requires_python)
    return Distribution(parsed, computed["sha256"], size, requires_python)


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


def _core_metadata(parsed: distributions.DistName, file: IO[bytes]) -> dict[str, list[str]] | None:
    """The fields of the file's core metadata (None for an sdist without PKG-INFO)."""
    kind = "wheel" if parsed.filetype == "bdist_wheel" else "sdist"
    try:
        if kind == "wheel":
            folder, names, wheel_metadata = core_metadata.read_wheel(file)
            distributions.check_wheel_dist_info(parsed, folder, names)
            data: bytes | None = wheel_metadata
        else:
            data = core_metadata.read_sdist_metadata(file, parsed.filename)
        return core_metadata.fields(data) if data is not None else None
    except core_metadata.InvalidDistribution as error:
        raise Refused(f"Not a valid {kind}: {error}") from error
    finally:
        file.seek(0)


def publish(
    storage: Storage,
    dist: Distribution,
    body: IO[bytes] | bytes,
    extra_metadata: Mapping[str, str] | None = None,
) -> bool:
    """Store ``dist`` unless it is published; True when written, False when the same bytes were there
    already. Raises :class:`FileExists` for other bytes under the name or a twin under another.
    ``extra_metadata`` goes on a new file's object (attestations mark it so); a no-op keeps the first.
    """
    published = _published(storage, dist.project)
    same_name = sorted(key for key, filename in published.items() if filename == dist.filename)
    if same_name:
        key = dist.key if dist.key in same_name else same_name[0]
        if storage.stored_sha256(key) != dist.sha256:
            raise FileExists(dist.filename)
        return False
    twin = distributions.find_twin(dist.name, published.values())
    if twin is not None:
        raise FileExists(dist.filename, twin)
    # The check above sees what is published; a twin uploaded at this very moment is stopped here.
    try:
        claims.claim(storage, dist.name, dist.sha256)
    except claims.Claimed as lost:
        raise FileExists(dist.filename, lost.holder) from None
    object_metadata = {**(extra_metadata or {}), layout.SHA256_METADATA: dist.sha256}
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


def _published(storage: Storage, project: NormalizedName) -> dict[str, str]:
    """Every file of the project, by key: what its page lists (every spelling of its folder) and what
    its normalized folder holds now (files too new for the page)."""
    page = Catalog(storage).read_page(project)
    if page.damaged:
        raise ProjectUnreadable(project)
    files = {key: facts.filename for key, facts in page.files.items()}
    for obj in storage.list(f"{project}/"):
        parts = layout.package_key(obj.key)
        if parts is not None:
            files[obj.key] = parts[1]
    return files
