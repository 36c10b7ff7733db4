"""The one module that talks to S3; the client is passed in.

Only ``NoSuchKey`` / 404 means missing. Every other error propagates, so a throttle or a permission
problem can never look like an empty page and be written back over the real one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import IO, TYPE_CHECKING, Any, cast

from botocore.exceptions import ClientError

from handlers.layout import SHA256_METADATA

if TYPE_CHECKING:
    from handlers.aws.awstypes import S3Client

#: Bytes read from the end of a large object: a wheel's central directory and, nearly always, its
#: METADATA (dist-info is written last). Objects up to WHOLE_OBJECT_SIZE are read in one GET.
TAIL_SIZE = 512 * 1024
WHOLE_OBJECT_SIZE = 16 * 1024 * 1024
_CHUNK = 1024 * 1024
_MISSING = {"NoSuchKey", "404", "NotFound", "NoSuchVersion"}
# A conditional write that lost: 412, or 409 ConditionalRequestConflict (another conditional write
# to the key is in flight).
_CONFLICT = {"PreconditionFailed", "412", "ConditionalRequestConflict", "409"}


class PreconditionFailed(Exception):
    """A conditional write lost a race (412 / 409): read again and retry."""


class ListingTruncated(Exception):
    """A listing went on past the number of requests its caller allowed."""


class TooLarge(Exception):
    """An object larger than the caller would read into memory."""


class NotModified(Exception):
    """A conditional read found the client's copy current (304)."""


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _is_missing(error: ClientError) -> bool:
    return _code(error) in _MISSING


def unquote_etag(etag: str) -> str:
    """An S3 ETag without its quotes."""
    return etag.strip().strip('"')


@dataclass(frozen=True)
class StoredObject:
    """A small object read whole: its bytes, ETag and user metadata."""

    body: bytes
    etag: str
    metadata: Mapping[str, str]


@dataclass(frozen=True)
class ObjectInfo:
    """What S3 says about an object besides its bytes."""

    key: str
    etag: str
    size: int
    last_modified: datetime
    metadata: Mapping[str, str]
    #: The hex SHA-256 S3 or the uploader stored with the object, when there is one.
    sha256: str | None
    tag_count: int


@dataclass(frozen=True)
class ListedObject:
    """One key of a bucket listing."""

    key: str
    etag: str
    size: int
    last_modified: datetime


class Storage:
    """S3 access for one bucket."""

    def __init__(self, client: S3Client, bucket: str):
        self.client = client
        self.bucket = bucket

    # -- small generated objects ------------------------------------------------------------
    def get(
        self, key: str, *, if_none_match: str | None = None, max_size: int | None = None
    ) -> StoredObject | None:
        """An object's bytes, or None when it does not exist.

        With ``if_none_match`` (an ETag without quotes) raises :class:`NotModified` when unchanged.
        An object over ``max_size`` is not read: raises :class:`TooLarge` instead.
        """
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Key": key}
        if if_none_match:
            kwargs["IfNoneMatch"] = f'"{if_none_match}"'
        try:
            response = self.client.get_object(**kwargs)
        except ClientError as error:
            if _is_missing(error):
                return None
            if _code(error) in ("304", "NotModified"):
                raise NotModified from error
            raise
        if max_size is not None and int(response.get("ContentLength") or 0) > max_size:
            response["Body"].close()
            raise TooLarge(key)
        return StoredObject(
            body=response["Body"].read(),
            etag=unquote_etag(response["ETag"]),
            metadata=response.get("Metadata", {}),
        )

    def put(
        self,
        key: str,
        body: bytes,
        *,
        content_type: str,
        metadata: Mapping[str, str] | None = None,
        if_match: str | None = None,
        if_none_match: bool = False,
    ) -> str:
        """Write an object and return its ETag; conditional writes raise :class:`PreconditionFailed`."""
        kwargs: dict[str, Any] = {
            "Bucket": self.bucket,
            "Key": key,
            "Body": body,
            "ContentType": content_type,
            "Metadata": dict(metadata or {}),
        }
        if if_match is not None:
            kwargs["IfMatch"] = f'"{if_match}"'
        if if_none_match:
            kwargs["IfNoneMatch"] = "*"
        try:
            response = self.client.put_object(**kwargs)
        except ClientError as error:
            if _code(error) in _CONFLICT:
                raise PreconditionFailed(key) from error
            raise
        return unquote_etag(response["ETag"])

    def put_file(
        self, key: str, body: IO[bytes] | bytes, *, sha256_base64: str, metadata: Mapping[str, str]
    ) -> None:
        """Publish a package file, never over another: ``If-None-Match: *``, and S3 checks the bytes
        against ``sha256_base64`` and keeps it as the object's checksum. Raises :class:`PreconditionFailed`
        when the key exists.
        """
        try:
            self.client.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=body,
                IfNoneMatch="*",
                ChecksumSHA256=sha256_base64,
                ContentType="application/octet-stream",
                Metadata=dict(metadata),
            )
        except ClientError as error:
            if _code(error) in _CONFLICT:
                raise PreconditionFailed(key) from error
            raise

    def stored_sha256(self, key: str) -> str | None:
        """The sha256 of a package file, or None when there is no such object.

        Taken from its checksum or metadata (one HEAD); a file put without either is hashed whole.
        """
        try:
            response = self.client.head_object(Bucket=self.bucket, Key=key, ChecksumMode="ENABLED")
        except ClientError as error:
            if _is_missing(error):
                return None
            raise
        metadata = {k.lower(): v for k, v in (response.get("Metadata") or {}).items()}
        stored = _stored_sha256(response, metadata)
        if stored is not None:
            return stored
        file, digest = self.read_whole(key, unquote_etag(response["ETag"]))
        file.close()
        return digest

    def delete(self, key: str) -> None:
        """Delete an object (deleting a missing key is not an error in S3)."""
        self.client.delete_object(Bucket=self.bucket, Key=key)

    # -- package files ----------------------------------------------------------------------
    def tags(self, key: str) -> dict[str, str] | None:
        """An object's tags, or None when the object does not exist."""
        try:
            response = self.client.get_object_tagging(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if _is_missing(error):
                return None
            raise
        return {tag["Key"]: tag["Value"] for tag in response.get("TagSet", [])}

    def exists(self, key: str) -> bool:
        """True when the object exists (one HEAD)."""
        try:
            self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if _is_missing(error):
                return False
            raise
        return True

    def open(self, key: str, size_hint: int | None) -> OpenedObject | None:
        """Open a package file for reading its facts, in as few GETs as its size allows.

        Small objects (or an unknown size) are read whole in one GET. Larger ones start with a
        ranged GET of the tail, which carries the headers (stored sha256, tag count) and the zip's
        central directory; the rest is fetched only if needed. None when the object is gone.
        """
        whole = size_hint is None or size_hint <= WHOLE_OBJECT_SIZE
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Key": key, "ChecksumMode": "ENABLED"}
        if not whole:
            kwargs["Range"] = f"bytes=-{TAIL_SIZE}"
        try:
            response = self.client.get_object(**kwargs)
        except ClientError as error:
            if _is_missing(error):
                return None
            raise
        info = _info(key, response)
        if not response.get("ContentRange"):
            spool = _spool(response["Body"], hashing=info.sha256 is None)
            sha256 = info.sha256 or spool.sha256
            return OpenedObject(replace(info, sha256=sha256), spool.file, self, complete=True)
        tail = response["Body"].read()
        view = _RangedFile(self, key, info.size, tail, info.etag)
        return OpenedObject(info, cast(IO[bytes], view), self, complete=False)

    def read_whole(self, key: str, etag: str) -> tuple[IO[bytes], str]:
        """Stream an object (this exact version) to a spooled file, hashing it on the way."""
        response = self.client.get_object(Bucket=self.bucket, Key=key, IfMatch=f'"{etag}"')
        spool = _spool(response["Body"], hashing=True)
        assert spool.sha256 is not None
        return spool.file, spool.sha256

    def read_range(self, key: str, start: int, end: int, etag: str) -> bytes:
        """Bytes ``start`` to ``end`` inclusive of this exact version of an object."""
        response = self.client.get_object(
            Bucket=self.bucket, Key=key, Range=f"bytes={start}-{end}", IfMatch=f'"{etag}"'
        )
        return response["Body"].read()

    def list(self, prefix: str = "") -> Iterator[ListedObject]:
        """Every key under ``prefix``, 1,000 per request (rebuilds only; reads never list)."""
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                yield ListedObject(
                    key=item["Key"],
                    etag=unquote_etag(item["ETag"]),
                    size=item["Size"],
                    last_modified=item["LastModified"],
                )

    def folders(self, prefix: str = "") -> Iterator[str]:
        """Every top-level folder name under ``prefix`` (repairs and rebuilds only)."""
        return self.folders_after(prefix, "")

    def folders_after(
        self, prefix: str, start_after: str, *, max_requests: int | None = None
    ) -> Iterator[str]:
        """Folder names under ``prefix`` after ``start_after``, in byte order, 1,000 per request.

        The caller stops when it has seen enough; going past ``max_requests`` raises
        :class:`ListingTruncated` instead of making another request.
        """
        kwargs: dict[str, Any] = {
            "Bucket": self.bucket,
            "Prefix": prefix,
            "Delimiter": "/",
            "StartAfter": start_after,
        }
        requests = 0
        while True:
            if max_requests is not None and requests >= max_requests:
                raise ListingTruncated(prefix)
            response = self.client.list_objects_v2(**kwargs)
            requests += 1
            for item in response.get("CommonPrefixes", []):
                yield item["Prefix"][:-1]
            if not response.get("IsTruncated"):
                return
            kwargs["ContinuationToken"] = response["NextContinuationToken"]

    def has_prefix(self, prefix: str) -> bool:
        """True when some key starts with ``prefix`` (one request, at most one key listed)."""
        response = self.client.list_objects_v2(Bucket=self.bucket, Prefix=prefix, MaxKeys=1)
        return bool(response.get("KeyCount") or response.get("Contents"))

    def put_tags(self, key: str, tags: Mapping[str, str]) -> None:
        """Replace an object's tags (none at all deletes the tag set)."""
        if tags:
            tagging: Any = {"TagSet": [{"Key": k, "Value": v} for k, v in tags.items()]}
            self.client.put_object_tagging(Bucket=self.bucket, Key=key, Tagging=tagging)
        else:
            self.client.delete_object_tagging(Bucket=self.bucket, Key=key)

    def presign(self, key: str, ttl: int, *, head: bool = False) -> str:
        """A presigned GET (or HEAD) URL; signing is local, no request is made."""
        return self.client.generate_presigned_url(
            "head_object" if head else "get_object",
            Params={"Bucket": self.bucket, "Key": key},
            ExpiresIn=ttl,
        )


@dataclass
class OpenedObject:
    """A package file opened for reading: its info and a seekable view of its bytes."""

    info: ObjectInfo
    file: IO[bytes]
    storage: Storage
    #: The view holds every byte (else only the tail, fetching the rest on demand).
    complete: bool

    def close(self) -> None:
        """Release the spooled copy (memory or /tmp)."""
        self.file.close()

    def __enter__(self) -> OpenedObject:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def sha256(self) -> str:
        """The file's sha256: stored with the object, or computed by reading it whole."""
        if self.info.sha256 is not None:
            return self.info.sha256
        file, digest = self.storage.read_whole(self.info.key, self.info.etag)
        self.file.close()
        self.file, self.complete = file, True
        return digest


def _info(key: str, response: Mapping[str, Any]) -> ObjectInfo:
    size = int(response["ContentLength"])
    content_range = response.get("ContentRange")
    if content_range:  # "bytes 100-199/1000": the object's size is after the slash
        size = int(str(content_range).rsplit("/", 1)[1])
    metadata = {k.lower(): v for k, v in (response.get("Metadata") or {}).items()}
    return ObjectInfo(
        key=key,
        etag=unquote_etag(response["ETag"]),
        size=size,
        last_modified=response["LastModified"],
        metadata=metadata,
        sha256=_stored_sha256(response, metadata) if not content_range else _meta_sha(metadata),
        tag_count=int(response.get("TagCount") or 0),
    )


def _meta_sha(metadata: Mapping[str, str]) -> str | None:
    value = metadata.get(SHA256_METADATA, "").strip().lower()
    return value if len(value) == 64 and all(c in "0123456789abcdef" for c in value) else None


def _stored_sha256(response: Mapping[str, Any], metadata: Mapping[str, str]) -> str | None:
    checksum = response.get("ChecksumSHA256")
    # A full-object checksum is base64 of the digest; a multipart one ends in "-N" and is no use.
    if checksum and "-" not in checksum and response.get("ChecksumType", "FULL_OBJECT") == "FULL_OBJECT":
        try:
            digest = base64.b64decode(checksum, validate=True)
        except (binascii.Error, ValueError):
            digest = b""
        if len(digest) == 32:
            return digest.hex()
    return _meta_sha(metadata)


@dataclass
class _Spooled:
    file: IO[bytes]
    sha256: str | None


def _spool(stream: Any, *, hashing: bool) -> _Spooled:
    # Up to 16 MB in memory, beyond that in /tmp (Lambda gives 512 MB of it).
    file = tempfile.SpooledTemporaryFile(max_size=WHOLE_OBJECT_SIZE)  # noqa: SIM115
    digest = hashlib.sha256() if hashing else None
    for chunk in iter(lambda: stream.read(_CHUNK), b""):
        if digest is not None:
            digest.update(chunk)
        file.write(chunk)
    file.seek(0)
    return _Spooled(file, digest.hexdigest() if digest is not None else None)


class _RangedFile(io.RawIOBase):
    """A seekable view of an S3 object that holds its tail and fetches other ranges on demand.

    ``zipfile`` reads the end-of-central-directory and the central directory from the tail, then
    the METADATA entry: usually in the tail too, so a wheel's facts cost one GET.
    """

    def __init__(self, storage: Storage, key: str, size: int, tail: bytes, etag: str):
        super().__init__()
        self._storage, self._key, self._size, self._etag = storage, key, size, etag
        self._tail_start = size - len(tail)
        self._tail = tail
        self._position = 0
        self._chunk: tuple[int, bytes] = (0, b"")

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        self._position = max(0, base + offset)
        return self._position

    def readinto(self, buffer: Any) -> int:
        wanted = min(len(buffer), self._size - self._position)
        if wanted <= 0:
            return 0
        data = b""
        while len(data) < wanted:  # zipfile expects whole reads, never short ones
            piece = self._read(self._position + len(data), wanted - len(data))
            if not piece:
                raise OSError(f"short read of {self._key}")
            data += piece
        buffer[:wanted] = data
        self._position += wanted
        return wanted

    def _read(self, start: int, length: int) -> bytes:
        if start >= self._tail_start:
            return self._tail[start - self._tail_start : start - self._tail_start + length]
        chunk_start, chunk = self._chunk
        if chunk_start <= start < chunk_start + len(chunk):
            return chunk[start - chunk_start : start - chunk_start + length]
        # Fetch generously from here (never into the tail we hold), and keep it for the next read.
        end = min(self._tail_start, start + max(length, _CHUNK))
        self._chunk = (start, self._storage.read_range(self._key, start, end - 1, self._etag))
        return self._chunk[1][:length]
