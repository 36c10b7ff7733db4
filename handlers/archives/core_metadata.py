"""Core metadata: read out of wheels and sdists within fixed bounds, and checked field by field (pure).

Works on any seekable binary file object, so the same code reads a wheel held in memory (uploads), a
spooled download, or a ranged view of an S3 object that fetches only the zip's central directory and
the METADATA entry (the reindexer).

Every read is bounded, whatever the archive claims: the METADATA / PKG-INFO size, its header lines,
the zip central directory, and the bytes a ``.tar.gz`` inflates to before PKG-INFO shows up. A file
over a bound is refused with a message that names it; nothing is read past it.
"""

from __future__ import annotations

import gzip
import io
import re
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any

from handlers.names import NormalizedName, normalize

#: Largest METADATA / PKG-INFO read (real ones are a few KB; a long README, 512 KiB and more).
MAX_METADATA_SIZE = 2 * 1024 * 1024
#: Most header fields in one (a real one has tens to a few hundred; each costs parsing time) ...
MAX_HEADER_FIELDS = 2_000
#: ... and most header lines, continuations included (an old-style ``Description:`` header).
MAX_HEADER_LINES = 50_000
#: Largest zip central directory read: about 13,000 entries of real wheels, at most 45,000 of empty
#: names; ``zipfile`` makes an object of each (memory, and parsing time).
MAX_CENTRAL_DIRECTORY = 2 * 1024 * 1024
#: Most bytes a ``.tar.gz`` sdist inflates to before its PKG-INFO is found, read in bounded chunks.
MAX_SDIST_INFLATED = 64 * 1024 * 1024
#: Most tar members looked at before PKG-INFO (each costs memory in ``tarfile``).
MAX_SDIST_MEMBERS = 20_000
_CHUNK = 256 * 1024
_EOCD = b"PK\x05\x06"
_EOCD64_LOCATOR = b"PK\x06\x07"
#: What ``zipfile``, ``tarfile``, ``gzip`` and ``zlib`` raise for bytes they cannot read: besides their
#: own errors, a version they do not implement (``NotImplementedError``), a negative or huge offset
#: (``ValueError``, ``OverflowError``, ``OSError``) and an encrypted member (``RuntimeError``). Any of
#: them is a file that is not a valid distribution, never a fault of the index.
_UNREADABLE = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    tarfile.TarError,
    zlib.error,
    EOFError,
    OSError,
    ValueError,
    OverflowError,
    NotImplementedError,
    RuntimeError,
)


class InvalidDistribution(ValueError):
    """A file whose metadata cannot be read or is malformed; the message says why."""


@dataclass(frozen=True)
class CoreMetadata:
    """The fields of a core metadata file that the index uses (Core Metadata specification)."""

    name: str
    version: str
    #: ``Requires-Python``, or None when absent.
    requires_python: str | None
    #: ``Summary`` (one line), or None when absent.
    summary: str | None = None
    #: ``Description-Content-Type`` (how the web view renders the description), or None.
    description_content_type: str | None = None


def parse(data: bytes) -> CoreMetadata:
    """Read Name, Version and Requires-Python from METADATA / PKG-INFO bytes (RFC 822 headers).

    >>> parse(b"Metadata-Version: 2.1\\nName: Foo\\nVersion: 1.0\\n").name
    'Foo'
    """
    return from_fields(fields(data))


def from_fields(headers: dict[str, list[str]]) -> CoreMetadata:
    """The fields the index uses, out of :func:`fields`' result."""
    name, version = _first(headers, "name"), _first(headers, "version")
    if not name or not version:
        raise InvalidDistribution("core metadata without Name and Version")
    return CoreMetadata(
        name=name,
        version=version,
        requires_python=_first(headers, "requires-python"),
        summary=_first(headers, "summary"),
        description_content_type=_first(headers, "description-content-type"),
    )


def description(data: bytes) -> str:
    """The long description: the message body (Metadata 2.1+), else the ``Description`` field with
    its continuation lines unfolded (``8 spaces`` or ``       |`` prefixes, as setuptools wrote them).

    >>> description(b"Name: a\\nVersion: 1\\n\\n# Title\\n")
    '# Title\\n'
    >>> description(b"Name: a\\nDescription: one\\n        two\\n")
    'one\\ntwo'
    """
    text = data.decode("utf-8", errors="replace").replace("\r\n", "\n")
    head, _, body = text.partition("\n\n")
    if body.strip():
        return body
    lines = head.split("\n")
    for index, line in enumerate(lines):
        if line.lower().startswith("description:"):
            found = [line.split(":", 1)[1].strip()]
            for more in lines[index + 1 :]:
                if not more[:1].isspace():
                    break
                found.append(re.sub(r"^ {8}\|?|^ {7}\|", "", more))
            return "\n".join(found)
    return ""


def fields(data: bytes) -> dict[str, list[str]]:
    """Every header field's values, by lower-cased name, read within the bounds above."""
    if len(data) > MAX_METADATA_SIZE:
        raise InvalidDistribution(f"core metadata over {MAX_METADATA_SIZE // 1024} KiB")
    head = data.split(b"\n\n", 1)[0].split(b"\r\n\r\n", 1)[0]
    lines = head.count(b"\n")
    if lines > MAX_HEADER_LINES:
        raise InvalidDistribution(f"core metadata with over {MAX_HEADER_LINES} header lines")
    if lines - head.count(b"\n ") - head.count(b"\n\t") > MAX_HEADER_FIELDS:
        raise InvalidDistribution(f"core metadata with over {MAX_HEADER_FIELDS} header fields")
    import email.parser
    import email.policy

    text = data.decode("utf-8", errors="surrogateescape")
    message = email.parser.Parser(policy=email.policy.compat32).parsestr(text, headersonly=True)
    fields: dict[str, list[str]] = {}
    for key, value in message.items():
        fields.setdefault(key.lower(), []).append(str(value).strip())
    return fields


def _first(headers: dict[str, list[str]], name: str) -> str | None:
    values = headers.get(name)
    return values[0] if values and values[0] else None


def read_wheel_metadata(file: IO[bytes], project: NormalizedName | None = None) -> bytes:
    """The bytes of a wheel's ``*.dist-info/METADATA``, exactly as stored in the archive.

    ``project`` picks the right ``.dist-info`` folder when a (broken) wheel holds several.
    """
    with _zip(file, "wheel") as archive:
        return _wheel_metadata(archive, project)


def read_wheel(file: IO[bytes]) -> tuple[str, set[str], bytes]:
    """A wheel's one top-level ``.dist-info`` folder, the names of the files in it, and its METADATA
    (the zip is read once)."""
    with _zip(file, "wheel") as archive:
        folders: dict[str, set[str]] = {}
        for info in archive.infolist():
            top, _, rest = info.filename.partition("/")
            if top.endswith(".dist-info"):
                folders.setdefault(top, set()).add(rest)
        if len(folders) != 1:
            raise InvalidDistribution(f"a wheel holds exactly one .dist-info folder, not {len(folders)}")
        [(folder, names)] = folders.items()
        return folder, names, _wheel_metadata(archive, None)


def _wheel_metadata(archive: zipfile.ZipFile, project: NormalizedName | None) -> bytes:
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
    return _read_member(archive, candidates[0])


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    if info.file_size > MAX_METADATA_SIZE:
        raise InvalidDistribution(f"{info.filename} is over {MAX_METADATA_SIZE // 1024} KiB")
    try:
        with archive.open(info) as member:
            data = member.read(MAX_METADATA_SIZE + 1)
    except InvalidDistribution:
        raise
    except _UNREADABLE as error:
        raise InvalidDistribution(f"unreadable {info.filename}: {error}") from error
    if len(data) > MAX_METADATA_SIZE:
        raise InvalidDistribution(f"{info.filename} is over {MAX_METADATA_SIZE // 1024} KiB")
    return data


@contextmanager
def _zip(file: IO[bytes], what: str) -> Iterator[zipfile.ZipFile]:
    """``zipfile.ZipFile`` over ``file``, opened once its central directory is within bounds; the
    file is rewound after. Whatever the archive's bytes make ``zipfile`` raise, while opening it or
    while reading from it, is :class:`InvalidDistribution`."""
    try:
        _check_central_directory(file)
        with zipfile.ZipFile(file) as archive:
            yield archive
    except InvalidDistribution:
        raise
    except _UNREADABLE as error:
        raise InvalidDistribution(f"not a readable {what} (zip): {error}") from error
    finally:
        file.seek(0)


def _check_central_directory(file: IO[bytes]) -> None:
    """Refuse a zip whose central directory is larger than :data:`MAX_CENTRAL_DIRECTORY`.

    ``zipfile`` makes an object per entry of it, so its size bounds the memory a zip costs.
    """
    size = file.seek(0, io.SEEK_END)
    # Nearly every zip ends with a bare end record (no comment): 22 bytes; else look back further.
    for tail_size in (min(size, 22), min(size, 22 + 65535 + 20)):
        file.seek(size - tail_size)
        tail = file.read(tail_size)
        at = tail.rfind(_EOCD)
        if at >= 0 and len(tail) >= at + 22:
            break
    else:
        raise InvalidDistribution("not a readable zip: no end of central directory")
    cd_size = int.from_bytes(tail[at + 12 : at + 16], "little")
    end_record = size - tail_size + at
    if cd_size == 0xFFFFFFFF and end_record >= 20:  # ZIP64: the size is in the ZIP64 end record
        file.seek(end_record - 20)
        locator = file.read(20)
        if locator.startswith(_EOCD64_LOCATOR):
            file.seek(int.from_bytes(locator[8:16], "little") + 40)
            cd_size = int.from_bytes(file.read(8), "little")
    file.seek(0)
    if cd_size > MAX_CENTRAL_DIRECTORY:
        raise InvalidDistribution(
            f"zip central directory over {MAX_CENTRAL_DIRECTORY // 1024 // 1024} MiB (too many entries)"
        )


def _dist_info_project(path: str) -> NormalizedName:
    folder = path.split("/", 1)[0][: -len(".dist-info")]
    return normalize(folder.rsplit("-", 1)[0])


def read_sdist_metadata(file: IO[bytes], filename: str) -> bytes | None:
    """The bytes of an sdist's top-level ``PKG-INFO``, or None when it has none.

    A ``.tar.gz`` is inflated as a stream, in bounded chunks, and read up to PKG-INFO: at most
    :data:`MAX_SDIST_INFLATED` bytes and :data:`MAX_SDIST_MEMBERS` members before it.
    """
    try:
        if filename.endswith(".zip"):
            with _zip(file, "sdist") as archive:
                for info in archive.infolist():
                    if _is_top_pkg_info(info.filename) and not info.is_dir():
                        return _read_member(archive, info)
            return None
        if filename.endswith(".tar.gz"):
            return _tar_pkg_info(file)
    except InvalidDistribution:
        raise
    except _UNREADABLE as error:
        raise InvalidDistribution(f"unreadable sdist: {error}") from error
    finally:
        file.seek(0)
    return None


def _tar_pkg_info(file: IO[bytes]) -> bytes | None:
    inflated = _BoundedReader(gzip.GzipFile(fileobj=file, mode="rb"), MAX_SDIST_INFLATED)
    with tarfile.open(fileobj=inflated, mode="r|", bufsize=_CHUNK) as archive:
        count = 0
        while (member := archive.next()) is not None:
            count += 1
            if count > MAX_SDIST_MEMBERS:
                raise InvalidDistribution(f"no PKG-INFO within the first {MAX_SDIST_MEMBERS} members")
            if _is_top_pkg_info(member.name) and member.isfile():
                if member.size > MAX_METADATA_SIZE:
                    raise InvalidDistribution(f"PKG-INFO is over {MAX_METADATA_SIZE // 1024} KiB")
                extracted = archive.extractfile(member)
                return extracted.read() if extracted is not None else None
    return None


class _BoundedReader(io.RawIOBase):
    """A stream that raises :class:`InvalidDistribution` once more than ``limit`` bytes were read."""

    def __init__(self, stream: Any, limit: int):
        super().__init__()
        self._stream, self._left = stream, limit

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        wanted = _CHUNK if size is None or size < 0 else min(size, _CHUNK)
        data: bytes = self._stream.read(wanted)
        self._left -= len(data)
        if self._left < 0:
            raise InvalidDistribution(
                f"sdist inflates past {MAX_SDIST_INFLATED // 1024 // 1024} MiB before its PKG-INFO"
            )
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _is_top_pkg_info(path: str) -> bool:
    parts = path.strip("/").split("/")
    return len(parts) == 2 and parts[1] == "PKG-INFO"
