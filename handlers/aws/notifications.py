"""What the reindexer is handed (S3 notifications in every shape they arrive in), parsed into work (pure).

EventBridge S3 events whole or as their ``detail`` alone (the original module's ``input_path``), the
same inside SQS batches, S3's own notification records, a project job (one message per project of a
fanned-out rebuild) and a rebuild request (``{"rebuild": true}`` or a bare ``{}``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any
from urllib.parse import unquote_plus

from handlers.layout import package_key, status_project
from handlers.names import NormalizedName, normalize


class Kind(Enum):
    """What an event says happened to a key; it only decides how much must be re-read."""

    CREATED = "created"
    DELETED = "deleted"
    TAGS = "tags"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Change:
    """A key to look at again, with what the event said about it."""

    key: str
    kind: Kind = Kind.UNKNOWN
    #: From the event: lets a duplicate ``Object Created`` cost nothing and a small file one GET.
    etag: str | None = None
    size: int | None = None

    def merged_with(self, later: Change) -> Change:
        """One change that stands for this one followed by ``later`` (of the same key)."""
        if self.kind is Kind.TAGS and later.kind is Kind.TAGS:
            return later
        # Anything but tags alone may have changed the content: read the key in full.
        return Change(self.key, Kind.UNKNOWN, None, later.size or self.size)


_DETAIL_TYPES = {
    "Object Created": Kind.CREATED,
    "Object Deleted": Kind.DELETED,
    "Object Tags Added": Kind.TAGS,
    "Object Tags Deleted": Kind.TAGS,
}
# ``detail.reason`` when the detail comes alone (values AWS and moto send).
_REASONS = {
    "PutObject": Kind.CREATED,
    "CopyObject": Kind.CREATED,
    "CompleteMultipartUpload": Kind.CREATED,
    "ObjectCreated": Kind.CREATED,
    "DeleteObject": Kind.DELETED,
    "Lifecycle Expiration": Kind.DELETED,
    "ObjectRemoved": Kind.DELETED,
    "PutObjectTagging": Kind.TAGS,
    "DeleteObjectTagging": Kind.TAGS,
    "ObjectTagging": Kind.TAGS,
}


class MalformedEvent(ValueError):
    """An event no retry can make sense of."""


@dataclass(frozen=True)
class KeyChange:
    """A change to one package key, with the bucket it came from."""

    bucket: str
    project: NormalizedName
    change: Change


@dataclass(frozen=True)
class StatusChange:
    """An operator changed a project's status: its page shows it, and lists or hides its files."""

    bucket: str
    project: NormalizedName


@dataclass(frozen=True)
class ProjectJob:
    """Reindex one project from a listing of its folders (a fanned-out rebuild)."""

    project: NormalizedName
    folders: tuple[str, ...]


@dataclass(frozen=True)
class Rebuild:
    """Rebuild every page from the bucket."""


@dataclass(frozen=True)
class Ignored:
    """Nothing to do (generated data, another kind of object); ``why`` is logged."""

    why: str


Work = KeyChange | StatusChange | ProjectJob | Rebuild | Ignored


def is_sqs_batch(event: Mapping[str, Any]) -> bool:
    """True for an SQS event source mapping's batch."""
    records = event.get("Records")
    return isinstance(records, list) and all(
        isinstance(r, Mapping) and r.get("eventSource") == "aws:sqs" for r in records
    )


def parse(event: Any) -> list[Work]:
    """The work one event (or one SQS message body, already decoded from JSON) asks for."""
    if not isinstance(event, Mapping):
        raise MalformedEvent("an event is a JSON object")
    if not event or event.get("rebuild") is True:
        return [Rebuild()]
    if "project" in event:
        return [_project_job(event)]
    if isinstance(event.get("Records"), list):  # S3's own notifications (direct or through SQS)
        return [_from_s3_record(record) for record in event["Records"]]
    if "detail" in event:
        kind = _DETAIL_TYPES.get(str(event.get("detail-type")), Kind.UNKNOWN)
        return [_from_detail(event["detail"], kind)]
    if "object" in event and "bucket" in event:
        return [_from_detail(event, None)]
    raise MalformedEvent("not an S3 event, a project job or a rebuild request")


def parse_body(body: str) -> list[Work]:
    """The work in one SQS message body."""
    try:
        decoded = json.loads(body)
    except (ValueError, RecursionError) as error:
        # RecursionError: a body nested deeper than the parser goes (5,000 "[") is no event either.
        raise MalformedEvent("an SQS message body is JSON") from error
    return parse(decoded)


def decode_key(raw: str) -> str:
    """An S3 key from an event: AWS URL-encodes it (space as ``+``, ``+`` as ``%2B``).

    A raw key that is a valid package key while its decoding is not (an emulator that sends keys
    unencoded, with a ``+`` of a local version) is kept as it is.
    """
    decoded = unquote_plus(raw)
    if package_key(decoded) is None and package_key(raw) is not None:
        return raw
    return decoded


def _from_detail(detail: Any, kind: Kind | None) -> Work:
    if not isinstance(detail, Mapping):
        raise MalformedEvent("event detail is an object")
    try:
        bucket = str(detail["bucket"]["name"])
        obj = detail["object"]
        raw_key = str(obj["key"])
    except (KeyError, TypeError) as error:
        raise MalformedEvent("event detail without bucket.name and object.key") from error
    if kind is None:
        kind = _REASONS.get(str(detail.get("reason")), Kind.UNKNOWN)
    etag = obj.get("etag") or obj.get("eTag")
    size = obj.get("size")
    return _key_change(bucket, decode_key(raw_key), kind, etag, size)


def _from_s3_record(record: Any) -> Work:
    try:
        s3 = record["s3"]
        name = str(record.get("eventName", ""))
        kind = (
            Kind.CREATED
            if name.startswith("ObjectCreated")
            else Kind.DELETED
            if name.startswith("ObjectRemoved")
            else Kind.TAGS
            if name.startswith("ObjectTagging")
            else Kind.UNKNOWN
        )
        obj = s3["object"]
        return _key_change(
            str(s3["bucket"]["name"]),
            decode_key(str(obj["key"])),
            kind,
            obj.get("eTag"),
            obj.get("size"),
        )
    except (KeyError, TypeError) as error:
        raise MalformedEvent("S3 record without s3.bucket.name and s3.object.key") from error


def _key_change(bucket: str, key: str, kind: Kind, etag: Any, size: Any) -> Work:
    status_of = status_project(key)
    if status_of is not None:
        return StatusChange(bucket, NormalizedName(status_of))
    parts = package_key(key)
    if parts is None:
        return Ignored(f"not a package key: {key!r}")
    change = Change(
        key=key,
        kind=kind,
        etag=str(etag).strip('"') if etag else None,
        size=size if isinstance(size, int) and size >= 0 else None,
    )
    return KeyChange(bucket, normalize(parts[0]), change)


def _project_job(event: Mapping[str, Any]) -> ProjectJob:
    project, folders = event.get("project"), event.get("folders")
    if not isinstance(project, str) or not isinstance(folders, list) or not folders:
        raise MalformedEvent("a project job has a project and its folders")
    if any(not isinstance(f, str) or normalize(f) != normalize(project) for f in folders):
        raise MalformedEvent("a project job's folders are spellings of its project")
    if any(package_key(f"{f}/x.whl") is None for f in folders):
        raise MalformedEvent("invalid folder in a project job")
    return ProjectJob(normalize(project), tuple(folders))
