"""Core metadata: reading it out of wheels and sdists, and the few fields the index needs (pure).

Works on any seekable binary file object, so the same code reads a wheel held in memory (uploads), a
spooled download, or a ranged view of an S3 object that fetches only the zip's central directory and
the METADATA entry (the reindexer).
"""

from __future__ import annotations

import email.parser
import email.policy
import tarfile
import zipfile
from dataclasses import dataclass
from typing import IO

from handlers.names import NormalizedName, normalize

#: Largest METADATA / PKG-INFO we read (real ones are a few KB; a long README makes them bigger).
MAX_METADATA_SIZE = 16 * 1024 * 1024


class InvalidDistribution(ValueError):
    """A file whose metadata cannot be read; the message says why."""


@dataclass(frozen=True)
class CoreMetadata:
    """The fields of a core metadata file that the index uses (Core Metadata specification)."""

    name: str
    version: str
    #: ``Requires-Python``, or None when absent.
    requires_python: str | None


def parse_core_metadata(data: bytes) -> CoreMetadata:
    """Read Name, Version and Requires-Python from METADATA / PKG-INFO bytes (RFC 822 headers).

    >>> parse_core_metadata(b"Metadata-Version: 2.1\\nName: Foo\\nVersion: 1.0\\n").name
    'Foo'
    """
    text = data.decode("utf-8", errors="surrogateescape")
    headers = email.parser.Parser(policy=email.policy.compat32).parsestr(text, headersonly=True)
    name, version = headers.get("Name"), headers.get("Version")
    if not name or not version:
        raise InvalidDistribution("core metadata without Name and Version")
    requires_python = headers.get("Requires-Python")
    return CoreMetadata(
        name=str(name).strip(),
        version=str(version).strip(),
        requires_python=str(requires_python).strip() if requires_python else None,
    )


def read_wheel_metadata(file: IO[bytes], project: NormalizedName | None = None) -> bytes:
    """The bytes of a wheel's ``*.dist-info/METADATA``, exactly as stored in the archive.

    ``project`` picks the right ``.dist-info`` folder when a (broken) wheel holds several.
    """
    try:
        with zipfile.ZipFile(file) as archive:
            candidates = [
                info
                for info in archive.infolist()
                if info.filename.count("/") == 1
                and info.filename.endswith(".dist-info/METADATA")
                and not info.is_dir()
            ]
            if project is not None and len(candidates) > 1:
                candidates = [c for c in candidates if _dist_info_project(c.filename) == project]
            if len(candidates) != 1:
                raise InvalidDistribution("a wheel holds exactly one .dist-info/METADATA")
            if candidates[0].file_size > MAX_METADATA_SIZE:
                raise InvalidDistribution("METADATA is too large")
            return archive.read(candidates[0])
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError) as error:
        raise InvalidDistribution(f"not a readable zip: {error}") from error
    except (OSError, RuntimeError, ValueError) as error:
        if isinstance(error, InvalidDistribution):
            raise
        raise InvalidDistribution(f"unreadable wheel: {error}") from error


def _dist_info_project(path: str) -> NormalizedName:
    folder = path.split("/", 1)[0][: -len(".dist-info")]
    return normalize(folder.rsplit("-", 1)[0])


def read_sdist_metadata(file: IO[bytes], filename: str) -> bytes | None:
    """The bytes of an sdist's top-level ``PKG-INFO``, or None when it has none.

    A ``.tar.gz`` is read as a stream and stops at PKG-INFO, which build backends write first.
    """
    try:
        if filename.endswith(".zip"):
            with zipfile.ZipFile(file) as archive:
                for info in archive.infolist():
                    if _is_top_pkg_info(info.filename) and info.file_size <= MAX_METADATA_SIZE:
                        return archive.read(info)
            return None
        if filename.endswith(".tar.gz"):
            with tarfile.open(fileobj=file, mode="r|gz") as archive:
                for member in archive:
                    if _is_top_pkg_info(member.name) and member.isfile():
                        if member.size > MAX_METADATA_SIZE:
                            return None
                        extracted = archive.extractfile(member)
                        return extracted.read() if extracted is not None else None
            return None
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError, ValueError) as error:
        raise InvalidDistribution(f"unreadable sdist: {error}") from error
    return None


def _is_top_pkg_info(path: str) -> bool:
    parts = path.strip("/").split("/")
    return len(parts) == 2 and parts[1] == "PKG-INFO"
