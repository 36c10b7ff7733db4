"""The data directory: the bucket's package files as ``DIR/<folder>/<file>``, kept in step both ways.

* At start, :meth:`DataDir.load` puts every file into the bucket (with its sha256 as object metadata,
  as uploads have it) and restores object tags (yanks) from the sidecar ``DIR/.pypi-tags.json``.
* While serving, :meth:`DataDir.sync` writes one key back from the bucket (called for every S3 event,
  so uploads through the index and writes straight to the embedded S3 both land in DIR), and
  :meth:`DataDir.scan` pushes files dropped into (or removed from) DIR to the bucket.

Only keys of exactly two segments are mirrored; generated data is not (the reindexer rebuilds it),
and no key can name a path outside DIR: every segment is checked, and so is the resolved path.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import secrets
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from handlers.layout import SHA256_METADATA, is_generated

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

log = logging.getLogger(__name__)

#: Object tags of the mirrored keys; a name no project folder can have (it starts with a dot).
TAGS_FILE = ".pypi-tags.json"
#: A file changed less than this many seconds ago may still be being written: wait for it.
SETTLE_SECONDS = 1.0
_CHUNK = 1024 * 1024
_MISSING = {"404", "NoSuchKey", "NotFound"}


def split_key(key: str) -> tuple[str, str] | None:
    """``(folder, filename)`` for a key that can live in DIR, else None.

    >>> split_key("Foo.Bar_baz/foo_bar_baz-1.0-py3-none-any.whl")
    ('Foo.Bar_baz', 'foo_bar_baz-1.0-py3-none-any.whl')
    >>> split_key("../etc/passwd") is None, split_key(".pypi/root") is None
    (True, True)
    """
    if is_generated(key):
        return None
    parts = key.split("/")
    if len(parts) != 2 or not all(_is_safe_segment(part) for part in parts):
        return None
    return parts[0], parts[1]


def _is_safe_segment(segment: str) -> bool:
    return (
        bool(segment)
        and not segment.startswith(".")  # hidden, ".", "..", the sidecar, our temp files
        and len(segment.encode("utf-8", "surrogateescape")) <= 255
        and not any(c in segment for c in "\\\x00")
        and all(c.isprintable() for c in segment)
    )


def file_sha256(path: Path) -> str:
    """The hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for chunk in iter(lambda: file.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _file_md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as file:
        for chunk in iter(lambda: file.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _is_missing(error: ClientError) -> bool:
    return str(error.response.get("Error", {}).get("Code", "")) in _MISSING


class DataDir:
    """DIR and the bucket, kept in step. Thread-safe: every change happens under one lock."""

    def __init__(self, root: Path, s3: S3Client, bucket: str):
        root.mkdir(parents=True, exist_ok=True)
        self.root = root.resolve()
        self.s3 = s3
        self.bucket = bucket
        self._lock = threading.Lock()
        #: Files seen once, waiting to be seen unchanged once more before they are published.
        self._pending: dict[str, tuple[int, int]] = {}
        #: Files whose change was refused (a published name with other bytes), not to warn again.
        self._refused: dict[str, tuple[int, int]] = {}
        #: Each mirrored key's file as last seen in step with the bucket: (size, mtime_ns).
        self._known: dict[str, tuple[int, int]] = {}
        self._tags: dict[str, dict[str, str]] = self._read_tags()

    # -- DIR -> bucket -----------------------------------------------------------------------
    def load(self) -> int:
        """Put every file of DIR into the bucket and restore its tags; returns the file count."""
        with self._lock:
            count = 0
            for key, path in self._walk():
                stat = path.stat()
                self._publish(key, path, (stat.st_size, stat.st_mtime_ns))
                count += 1
            for key, tags in sorted(self._tags.items()):
                if key in self._known:
                    self.s3.put_object_tagging(
                        Bucket=self.bucket,
                        Key=key,
                        Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in tags.items()]},
                    )
            stale = set(self._tags) - set(self._known)
            for key in stale:
                del self._tags[key]
            if stale:
                self._write_tags()
            return count

    def scan(self) -> int:
        """Push what changed in DIR since the last look to the bucket; returns the changes made.

        A new file is published once it has kept its size and mtime for a whole scan interval and
        :data:`SETTLE_SECONDS` (never half-written). A published file is never replaced: different
        bytes under a published name are refused with a warning, as the upload API would.
        """
        changes = 0
        with self._lock:
            seen: set[str] = set()
            for key, path in self._walk(report=False):
                seen.add(key)
                stat = path.stat()
                now = (stat.st_size, stat.st_mtime_ns)
                if self._known.get(key) == now or self._refused.get(key) == now:
                    continue
                if self._pending.get(key) != now or time.time() - stat.st_mtime < SETTLE_SECONDS:
                    self._pending[key] = now  # still being copied in, perhaps: look again next time
                    continue
                del self._pending[key]
                if self._publish(key, path, now):
                    changes += 1
            for key in sorted(set(self._known) - seen):
                log.info("data dir: %s was removed, deleting it from the bucket", key)
                self.s3.delete_object(Bucket=self.bucket, Key=key)
                self._forget(key)
                changes += 1
        return changes

    def _publish(self, key: str, path: Path, stat: tuple[int, int]) -> bool:
        """Create ``key`` from ``path`` unless it exists; True when the bucket changed."""
        digest = file_sha256(path)
        try:
            with path.open("rb") as body:
                self.s3.put_object(
                    Bucket=self.bucket,
                    Key=key,
                    Body=body,
                    IfNoneMatch="*",
                    Metadata={SHA256_METADATA: digest},
                )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") not in ("PreconditionFailed", "412"):
                raise
            head = self.s3.head_object(Bucket=self.bucket, Key=key)
            if head.get("Metadata", {}).get(SHA256_METADATA) == digest:
                self._known[key] = stat  # the same bytes again (touched, or copied back): nothing to do
                return False
            log.warning(
                "data dir: %s changed, but a published file is never replaced; refused "
                "(publish a new version, or remove it first: .venv/bin/python -m admin … remove)",
                key,
            )
            self._refused[key] = stat
            return False
        log.info("data dir: %s is new, published", key)
        self._known[key] = stat
        self._refused.pop(key, None)
        return True

    def _walk(self, *, report: bool = True) -> Iterator[tuple[str, Path]]:
        """Every ``(key, path)`` of DIR, sorted; other entries are skipped (and reported once)."""
        for folder in sorted(self.root.iterdir()):
            if folder.name.startswith("."):
                continue
            if not folder.is_dir():
                if report:
                    log.warning("data dir: ignored %s (files live in <project>/ folders)", folder)
                continue
            for path in sorted(folder.iterdir()):
                key = f"{folder.name}/{path.name}"
                if path.is_file() and split_key(key) is not None:
                    yield key, path
                elif report and not path.name.startswith("."):
                    log.warning("data dir: ignored %s (not a <project>/<file>)", path)

    # -- bucket -> DIR -----------------------------------------------------------------------
    def sync(self, key: str) -> None:
        """Make DIR's copy of ``key`` what the bucket holds now (write, replace or remove it).

        Reads the bucket's current state rather than trusting the event, so duplicate, late and
        out-of-order events all end the same way.
        """
        path = self._path(key)
        if path is None:
            return
        with self._lock:
            try:
                head = self.s3.head_object(Bucket=self.bucket, Key=key)
                if not self._same(path, head):
                    self._download(key, path)
                tag_set = self.s3.get_object_tagging(Bucket=self.bucket, Key=key)["TagSet"]
            except ClientError as error:
                if not _is_missing(error):
                    raise
                self._remove(key, path)
                return
            stat = path.stat()
            self._known[key] = (stat.st_size, stat.st_mtime_ns)
            tags = {tag["Key"]: tag["Value"] for tag in tag_set}
            if tags != self._tags.get(key, {}):
                if tags:
                    self._tags[key] = tags
                else:
                    self._tags.pop(key, None)
                self._write_tags()

    def _path(self, key: str) -> Path | None:
        parts = split_key(key)
        if parts is None:
            return None
        folder = self.root / parts[0]
        path = folder / parts[1]
        # A folder that is a symlink out of DIR is not followed.
        if folder.exists() and folder.resolve().parent != self.root:
            log.warning("data dir: %s leads out of %s; not written back", folder, self.root)
            return None
        return path

    def _same(self, path: Path, head: Any) -> bool:
        if not path.is_file() or path.stat().st_size != int(head["ContentLength"]):
            return False
        etag = str(head.get("ETag", "")).strip('"')
        if etag and "-" not in etag:
            return _file_md5(path) == etag
        stored = (head.get("Metadata") or {}).get(SHA256_METADATA)
        return stored is not None and file_sha256(path) == stored

    def _download(self, key: str, path: Path) -> None:
        path.parent.mkdir(exist_ok=True)
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            body = self.s3.get_object(Bucket=self.bucket, Key=key)["Body"]
            with temporary.open("wb") as file:
                for chunk in iter(lambda: body.read(_CHUNK), b""):
                    file.write(chunk)
            temporary.replace(path)
        finally:
            temporary.unlink(missing_ok=True)
        log.info("data dir: wrote %s", key)

    def _remove(self, key: str, path: Path) -> None:
        if path.is_file():
            path.unlink()
            log.info("data dir: removed %s", key)
        with contextlib.suppress(OSError):
            path.parent.rmdir()  # only when empty
        self._forget(key)

    def _forget(self, key: str) -> None:
        self._known.pop(key, None)
        if self._tags.pop(key, None) is not None:
            self._write_tags()

    # -- the tags sidecar --------------------------------------------------------------------
    def _read_tags(self) -> dict[str, dict[str, str]]:
        path = self.root / TAGS_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as error:
            log.warning("data dir: %s unreadable (%s); tags start empty", path, error)
            return {}
        if not isinstance(data, dict):
            return {}
        return {
            str(key): {str(k): str(v) for k, v in tags.items()}
            for key, tags in data.items()
            if isinstance(tags, dict) and tags and split_key(str(key)) is not None
        }

    def _write_tags(self) -> None:
        path = self.root / TAGS_FILE
        temporary = path.with_name(f"{TAGS_FILE}.{secrets.token_hex(4)}.tmp")
        text = json.dumps(self._tags, indent=2, sort_keys=True, ensure_ascii=False)
        temporary.write_text(text + "\n", encoding="utf-8")
        temporary.replace(path)


class Watcher:
    """Calls :meth:`DataDir.scan` every second in a daemon thread."""

    def __init__(self, data: DataDir, interval: float = 1.0):
        self.data = data
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="datadir-watcher", daemon=True)

    def start(self) -> None:
        """Start watching."""
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop watching (waits for a scan under way)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.data.scan()
            except Exception:
                log.exception("data dir: scan failed")
