"""Hostile distributions: small files that expand into a lot of work if a check has no bound.

Each is what an attacker with an upload token (or an operator's careless ``aws s3 cp``) can send in
a request well under the API's size limit. The index must refuse each with a 400 naming its limit,
or (in the reindexer) list the file without metadata, within a fixed memory and CPU budget.
"""

from __future__ import annotations

import io
import tarfile
import zipfile
import zlib

from testkit.dists import Meta

_ZIP_TIME = (2024, 1, 1, 0, 0, 0)


def wheel_with_metadata(name: str, version: str, metadata: bytes) -> bytes:
    """A wheel whose METADATA is ``metadata`` (deflated: megabytes of one byte cost kilobytes)."""
    dist_info = f"{name}-{version}.dist-info"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr(zipfile.ZipInfo(f"{name}/__init__.py", _ZIP_TIME), b"")
        for member, data in (
            ("METADATA", metadata),
            ("WHEEL", b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"),
            ("RECORD", b""),
        ):
            info = zipfile.ZipInfo(f"{dist_info}/{member}", _ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


def long_line_metadata(name: str, version: str, size: int) -> bytes:
    """METADATA with one header line of ``size`` bytes."""
    return (
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: ".encode() + b"a" * size + b"\n"
    )


def many_headers_metadata(name: str, version: str, lines: int) -> bytes:
    """METADATA with ``lines`` header lines."""
    head = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode()
    return head + b"Classifier: a\n" * lines


def long_description_metadata(name: str, version: str, size: int) -> bytes:
    """A real shape: METADATA whose README body (after the headers) is ``size`` bytes of prose."""
    head = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\n".encode()
    return head + (b"Lorem ipsum dolor sit amet, consectetur adipiscing elit.\n" * (size // 56 + 1))[:size]


def sdist_bomb(name: str, version: str, expands_to: int) -> bytes:
    """A ``.tar.gz`` whose first member inflates to ``expands_to`` zero bytes, PKG-INFO after it."""
    base = f"{name}-{version}"
    header = tarfile.TarInfo(f"{base}/zeros.bin")
    header.size = expands_to
    pkg_info = Meta(name, version).text().encode()
    info = tarfile.TarInfo(f"{base}/PKG-INFO")
    info.size = len(pkg_info)
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: a gzip stream
    out = [compressor.compress(header.tobuf(format=tarfile.USTAR_FORMAT))]
    chunk = bytes(1024 * 1024)
    for _ in range(expands_to // len(chunk)):
        out.append(compressor.compress(chunk))
    out.append(compressor.compress(bytes(expands_to % len(chunk))))
    out.append(compressor.compress(bytes(-expands_to % tarfile.BLOCKSIZE)))
    out.append(compressor.compress(info.tobuf(format=tarfile.USTAR_FORMAT)))
    out.append(compressor.compress(pkg_info + bytes(-len(pkg_info) % tarfile.BLOCKSIZE)))
    out.append(compressor.compress(bytes(2 * tarfile.BLOCKSIZE)))
    out.append(compressor.flush())
    return b"".join(out)


def sdist_pkg_info_last(name: str, version: str, files: int, file_size: int) -> bytes:
    """A real shape (flit, hatch): ``files`` members of ``file_size`` bytes, then PKG-INFO."""
    base = f"{name}-{version}"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for number in range(files):
            data = (f"# file {number}\n" * (file_size // 10 + 1)).encode()[:file_size]
            info = tarfile.TarInfo(f"{base}/src/m{number}.py")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        pkg_info = Meta(name, version).text().encode()
        info = tarfile.TarInfo(f"{base}/PKG-INFO")
        info.size = len(pkg_info)
        archive.addfile(info, io.BytesIO(pkg_info))
    return buffer.getvalue()


def wheel_with_many_entries(name: str, version: str, entries: int) -> bytes:
    """A valid wheel with ``entries`` empty files: a central directory far larger than the data."""
    dist_info = f"{name}-{version}.dist-info"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for number in range(entries):
            archive.writestr(zipfile.ZipInfo(f"{name}/{number}", _ZIP_TIME), b"")
        archive.writestr(f"{dist_info}/METADATA", Meta(name, version).text())
        archive.writestr(f"{dist_info}/WHEEL", "Wheel-Version: 1.0\nTag: py3-none-any\n")
        archive.writestr(f"{dist_info}/RECORD", "")
    return buffer.getvalue()
