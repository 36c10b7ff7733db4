"""Keeping the generated pages current: for changed keys, for one project, for the whole bucket.

State-based, so events may come twice, late or out of order: a change only says *which key to look
at*; what the page says is what S3 holds when the key is read. Each attempt reads the page first,
then the objects, and writes the page conditionally (``If-Match`` its ETag, ``If-None-Match: *`` when
new); a lost race is retried from the top. So the last successful write always reflects a read of S3
made after every earlier write, and two reindexes of one project at once lose nothing.

Cost of one upload event (S3 requests): root GET, page GET (only for a known project), the file's GET
(one, whole or its tail), the ``.metadata`` PUT (wheels), the page PUT, and for a new project the root
PUT and ``index.html`` PUT: 5 for a known project, 6 for a new one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace
from enum import Enum
from typing import TypeVar

from handlers import layout, metadata, pages, render
from handlers.model import FileFacts, ProjectDetail, file_from_json, format_upload_time
from handlers.names import NormalizedName, is_safe_filename, is_valid_project_name, normalize
from handlers.storage import ListedObject, OpenedObject, PreconditionFailed, Storage

log = logging.getLogger(__name__)
_T = TypeVar("_T")

MAX_ATTEMPTS = 10
REBUILD_THREADS = 16
#: Object metadata an upload may set so that large sdists need not be read for Requires-Python.
REQUIRES_PYTHON_METADATA = "requires-python"


#: Told ``(done, total)`` as the projects of a rebuild done in place finish.
Progress = Callable[[int, int], None]
#: Hands each project of a rebuild on, with the folders (spellings) that hold its files.
FanOut = Callable[[list[tuple[NormalizedName, list[str]]]], None]


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


def package_key(key: str) -> tuple[str, str] | None:
    """``(folder, filename)`` when ``key`` is a package file the index lists, else None."""
    if layout.is_generated(key) or key.count("/") != 1:
        return None
    folder, filename = key.split("/")
    if not is_valid_project_name(folder) or not is_safe_filename(filename):
        return None
    return folder, filename


@dataclass(frozen=True)
class _Page:
    files: dict[str, FileFacts]  # by S3 key
    etag: str | None  # None: the page does not exist yet


@dataclass(frozen=True)
class _Root:
    projects: list[NormalizedName]
    etag: str | None


class Indexer:
    """Writes generated data for one bucket; every S3 request goes through :class:`Storage`."""

    def __init__(self, storage: Storage, *, sleep: Callable[[float], None] = time.sleep):
        self.storage = storage
        self._sleep = sleep

    # -- events -------------------------------------------------------------------------------
    def apply(self, project: NormalizedName, changes: Iterable[Change]) -> None:
        """Bring ``project``'s page in line with S3 for the changed keys (all of this project)."""
        by_key: dict[str, Change] = {}
        for change in changes:
            earlier = by_key.get(change.key)
            by_key[change.key] = change if earlier is None else _merge(earlier, change)
        root = self._read_root()
        attempts = 0

        def attempt() -> bool:
            nonlocal attempts
            attempts += 1
            # A project the root does not list has, nearly always, no page: the first attempt skips
            # the GET and creates the page with If-None-Match, which fails if it exists after all.
            skip_read = attempts == 1 and project not in root.projects
            page = _Page({}, None) if skip_read else self._read_page(project)
            files = dict(page.files)
            for key, change in by_key.items():
                facts = self._observe(project, change, files.get(key))
                if facts is None:
                    files.pop(key, None)
                else:
                    files[key] = facts
            if page.etag is None and not files:
                return False  # nothing to list for a project we never knew
            if files != page.files or page.etag is None:
                self.write_page(project, files, page.etag)
            return True

        if self._retry(attempt) and project not in root.projects:
            self._list_in_root(project, root)

    def _observe(
        self, project: NormalizedName, change: Change, current: FileFacts | None
    ) -> FileFacts | None:
        """The facts of ``change.key`` as S3 holds it now (None: gone or not a package)."""
        if current is not None and change.kind is Kind.CREATED and change.etag == current.etag:
            return current  # a duplicate event of a file already indexed
        if current is not None and change.kind is Kind.TAGS:
            tags = self.storage.tags(change.key)
            return None if tags is None else replace(current, yanked=tags.get(layout.YANK_TAG))
        return self._read_facts(project, change.key, change.size, current)

    def _read_facts(
        self, project: NormalizedName, key: str, size: int | None, current: FileFacts | None
    ) -> FileFacts | None:
        parts = package_key(key)
        if parts is None:
            return None
        opened = self.storage.open(key, size)
        if opened is None:
            return None
        with opened:
            return self._facts_of(project, parts[1], opened, current)

    def _facts_of(
        self, project: NormalizedName, filename: str, opened: OpenedObject, current: FileFacts | None
    ) -> FileFacts | None:
        info = opened.info
        tags = self.storage.tags(info.key) if info.tag_count else {}
        if tags is None:
            return None
        yanked = tags.get(layout.YANK_TAG)
        if current is not None and current.etag == info.etag:
            return replace(current, yanked=yanked)
        requires_python = info.metadata.get(REQUIRES_PYTHON_METADATA) or None
        metadata_sha256 = None
        if filename.endswith(".whl"):
            core = self._wheel_metadata(opened, project)
            if core is not None:
                metadata_bytes, requires_python = core
                metadata_sha256 = hashlib.sha256(metadata_bytes).hexdigest()
                self.storage.put(
                    layout.metadata_key(project, filename),
                    metadata_bytes,
                    content_type="text/plain; charset=utf-8",
                )
        elif opened.complete and requires_python is None:
            requires_python = self._sdist_requires_python(opened, filename)
        return FileFacts(
            filename=filename,
            key=info.key,
            etag=info.etag,
            size=info.size,
            sha256=opened.sha256(),
            upload_time=format_upload_time(info.last_modified),
            requires_python=requires_python,
            metadata_sha256=metadata_sha256,
            yanked=yanked,
        )

    def _wheel_metadata(
        self, opened: OpenedObject, project: NormalizedName
    ) -> tuple[bytes, str | None] | None:
        try:
            data = metadata.read_wheel_metadata(opened.file, project)
            return data, metadata.parse_core_metadata(data).requires_python
        except metadata.InvalidDistribution as error:
            # Listed with its hash and no metadata; never stops the rest of the project.
            log.warning("no core metadata for %s: %s", opened.info.key, error)
            return None

    def _sdist_requires_python(self, opened: OpenedObject, filename: str) -> str | None:
        try:
            data = metadata.read_sdist_metadata(opened.file, filename)
            return metadata.parse_core_metadata(data).requires_python if data else None
        except metadata.InvalidDistribution as error:
            log.warning("no PKG-INFO for %s: %s", opened.info.key, error)
            return None
        finally:
            opened.file.seek(0)

    # -- one project, from a listing ----------------------------------------------------------
    def reindex_project(
        self, project: NormalizedName, listed: Iterable[ListedObject], *, list_in_root: bool = True
    ) -> None:
        """Rebuild one project's page from its listed objects (reusing facts of unchanged files).

        ``list_in_root=False`` when the caller writes the root itself (a rebuild done in place).
        """
        objects = [obj for obj in listed if package_key(obj.key) is not None]

        def attempt() -> None:
            page = self._read_page(project)
            files: dict[str, FileFacts] = {}
            for obj in objects:
                current = page.files.get(obj.key)
                if current is not None and current.etag == obj.etag:
                    facts = self._observe(project, Change(obj.key, Kind.TAGS), current)
                else:
                    facts = self._read_facts(project, obj.key, obj.size, None)
                if facts is not None:
                    files[obj.key] = facts
            if files != page.files or page.etag is None:
                self.write_page(project, files, page.etag)

        self._retry(attempt)
        if list_in_root:
            root = self._read_root()
            if project not in root.projects:
                self._list_in_root(project, root)

    def list_project(self, folders: Iterable[str]) -> list[ListedObject]:
        """The objects in the given folders (the spellings of one project): bounded by it."""
        return [obj for folder in folders for obj in self.storage.list(folder + "/")]

    # -- the whole bucket ---------------------------------------------------------------------
    def rebuild(self, fan_out: FanOut | None = None, progress: Progress | None = None) -> int:
        """Rebuild every page and the root from a listing of the bucket; returns the project count.

        With ``fan_out`` each project is handed on (one queue message each, so that a bucket of any
        size finishes within Lambda's limits); without it projects are indexed here, in threads,
        calling ``progress(done, total)`` as each finishes. Pages of projects that no longer have a
        folder are deleted.
        """
        listing: dict[NormalizedName, list[ListedObject]] = {}
        folders: dict[NormalizedName, set[str]] = {}
        for obj in self.storage.list():
            parts = package_key(obj.key)
            if parts is not None:
                name = normalize(parts[0])
                listing.setdefault(name, []).append(obj)
                folders.setdefault(name, set()).add(parts[0])
        projects = sorted(listing)
        if fan_out is not None:
            fan_out([(name, sorted(folders[name])) for name in projects])
        else:
            with ThreadPoolExecutor(REBUILD_THREADS) as pool:
                jobs = [
                    pool.submit(self.reindex_project, n, listing[n], list_in_root=False) for n in projects
                ]
                for done, job in enumerate(as_completed(jobs), 1):
                    job.result()
                    if progress is not None:
                        progress(done, len(jobs))
        # Projects with a page or a root entry but no folder in the listing: gone, or created by an
        # upload since the listing began. Only those with no file left are dropped.
        paged = {
            NormalizedName(o.key[len(layout.PROJECTS_PREFIX) :])
            for o in self.storage.list(layout.PROJECTS_PREFIX)
        }
        candidates = (paged | set(self._read_root().projects)) - set(listing)
        dropped = {name for name in candidates if not self._has_files(name)}
        for name in sorted(dropped & paged):
            self.storage.delete(layout.project_page_key(name))

        def write_root() -> None:
            # Merged with the root as it is now, so a project an event added meanwhile stays.
            current = self._read_root()
            self._write_root(sorted((set(current.projects) - dropped) | set(listing)), current.etag)

        self._retry(write_root)
        return len(projects)

    def _has_files(self, project: NormalizedName) -> bool:
        """True when any file the project's page lists still exists."""
        return any(self.storage.exists(key) for key in published_files(self.storage, project))

    # -- generated objects ---------------------------------------------------------------------
    def _read_page(self, project: NormalizedName) -> _Page:
        stored = self.storage.get(layout.project_page_key(project))
        if stored is None:
            return _Page({}, None)
        return _Page(_files_of(stored.body, stored.metadata), stored.etag)

    def write_page(self, project: NormalizedName, files: Mapping[str, FileFacts], etag: str | None) -> None:
        """Render and store a page of ``files`` (by key), conditional on the page's ``etag``."""
        detail = ProjectDetail(project, _listed_files(project, files))
        body, meta = pages.pack(render.project_html(detail), render.project_json(detail))
        self.storage.put(
            layout.project_page_key(project),
            body,
            content_type="application/octet-stream",
            metadata=meta,
            if_match=etag,
            if_none_match=etag is None,
        )
        log.info("indexed %s: %d files", project, len(detail.files))

    def _read_root(self) -> _Root:
        stored = self.storage.get(layout.ROOT_PAGE_KEY)
        if stored is None:
            return _Root([], None)
        document = json.loads(pages.unpack_json(stored.body, dict(stored.metadata)))
        return _Root([NormalizedName(p["name"]) for p in document["projects"]], stored.etag)

    def _list_in_root(self, project: NormalizedName, root: _Root) -> None:
        known = [root]  # the first attempt reuses the root read at the start of the event

        def attempt() -> None:
            current = known.pop() if known else self._read_root()
            if project not in current.projects:
                self._write_root(sorted({*current.projects, project}), current.etag)

        self._retry(attempt)

    def _write_root(self, projects: list[NormalizedName], etag: str | None) -> None:
        html = render.root_html(projects)
        body, meta = pages.pack(html, render.root_json(projects))
        self.storage.put(
            layout.ROOT_PAGE_KEY,
            body,
            content_type="application/octet-stream",
            metadata=meta,
            if_match=etag,
            if_none_match=etag is None,
        )
        # The original module's root page, for tools that read the bucket directly. Written after
        # the root it copies; two racing writers may leave it one change behind until the next.
        self.storage.put(layout.COMPAT_ROOT_KEY, html, content_type="text/html; charset=utf-8")

    def _retry(self, attempt: Callable[[], _T]) -> _T:
        for number in range(MAX_ATTEMPTS):
            try:
                return attempt()
            except PreconditionFailed:
                # Someone else wrote first: back off a little (with jitter) and start over.
                self._sleep(random.uniform(0, 0.05 * 2**number))  # noqa: S311
        raise RuntimeError(f"gave up after {MAX_ATTEMPTS} conflicting writes")


def published_files(storage: Storage, project: NormalizedName) -> dict[str, FileFacts]:
    """The files a project's page lists, by S3 key (empty when it has no page)."""
    stored = storage.get(layout.project_page_key(project))
    return {} if stored is None else _files_of(stored.body, stored.metadata)


def _files_of(body: bytes, metadata: Mapping[str, str]) -> dict[str, FileFacts]:
    document = json.loads(pages.unpack_json(body, dict(metadata)))
    return {facts.key: facts for facts in map(file_from_json, document["files"])}


def _listed_files(project: NormalizedName, files: Mapping[str, FileFacts]) -> tuple[FileFacts, ...]:
    # One entry per filename: two folders of one project may hold the same name; the normalized
    # folder wins, else the first key in order.
    chosen: dict[str, FileFacts] = {}
    for key in sorted(files, key=lambda k: (files[k].folder != project, k)):
        chosen.setdefault(files[key].filename, files[key])
    return tuple(sorted(chosen.values(), key=lambda f: f.filename))


def _merge(first: Change, second: Change) -> Change:
    if first.kind is Kind.TAGS and second.kind is Kind.TAGS:
        return second
    # Anything but tags alone may have changed the content: read the key in full.
    return Change(first.key, Kind.UNKNOWN, None, second.size or first.size)
