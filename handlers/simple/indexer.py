"""Keeping the generated pages current: for changed keys, for one project, for the whole bucket.

State-based, so events may come twice, late or out of order: a change only says *which key to look
at*; what the page says is what S3 holds when the key is read. Each attempt reads the page first,
then the objects, and writes the page conditionally (``If-Match`` its ETag, ``If-None-Match: *`` when
new); a lost race is retried from the top. So the last successful write always reflects a read of S3
made after every earlier write, and two reindexes of one project at once lose nothing.

Cost of one upload event (S3 requests): root GET, page GET (only for a known project), the file's GET
(one, whole or its tail), the ``.metadata`` PUT (wheels), the page PUT, and for a new project the root
PUT and ``index.html`` PUT: 5 for a known project, 6 for a new one. The web view adds the version's
view PUT and the latest view PUT, and the root PUT when the project's newest version or summary
changed (the root carries ``/project/``; its ``index.html`` copy is written only when the list of
projects changes): 8 for both; one more GET (another version's ``.metadata``) only when the newest
version is not the one uploaded, which then leaves the root as it is.
"""

from __future__ import annotations

import hashlib
import logging
import random
import re
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import replace
from typing import TypeVar

from handlers import layout
from handlers.archives import core_metadata
from handlers.aws.notifications import Change, Kind
from handlers.aws.storage import ListedObject, OpenedObject, PreconditionFailed, Storage
from handlers.controls.registry import Registry
from handlers.controls.rules import ACTIVE, ProjectStatus
from handlers.layout import package_key
from handlers.names import NormalizedName, is_valid_project_name, normalize
from handlers.simple.catalog import Catalog, Page, Root
from handlers.simple.model import FileFacts, format_upload_time
from handlers.simple.viewer import Entry, Viewer

log = logging.getLogger(__name__)
_T = TypeVar("_T")

MAX_ATTEMPTS = 10
REBUILD_THREADS = 16
#: Object metadata an upload may set so that large sdists need not be read for Requires-Python.
REQUIRES_PYTHON_METADATA = "requires-python"
_HEX64 = re.compile(r"[0-9a-f]{64}")


def _provenance_of(metadata: Mapping[str, str]) -> str | None:
    """The provenance sha256 an upload recorded on the file, when it is well formed."""
    value = metadata.get(layout.PROVENANCE_METADATA)
    return value if value is not None and _HEX64.fullmatch(value) else None


#: Told ``(done, total)`` as the projects of a rebuild done in place finish.
Progress = Callable[[int, int], None]
#: Hands each project of a rebuild on, with the folders (spellings) that hold its files.
FanOut = Callable[[list[tuple[NormalizedName, list[str]]]], None]


class Indexer:
    """Writes generated data for one bucket; every S3 request goes through :class:`Storage`."""

    def __init__(self, storage: Storage, *, sleep: Callable[[float], None] = time.sleep):
        self.storage = storage
        self.catalog = Catalog(storage)
        self.registry = Registry(storage)
        self.viewer = Viewer(storage)
        self._sleep = sleep

    # -- events -------------------------------------------------------------------------------
    def apply_changes(self, project: NormalizedName, changes: Iterable[Change]) -> None:
        """Bring ``project``'s page in line with S3 for the changed keys (all of this project)."""
        by_key: dict[str, Change] = {}
        for change in changes:
            earlier = by_key.get(change.key)
            by_key[change.key] = change if earlier is None else earlier.merged_with(change)
        root = self.catalog.read_root()
        attempts = 0
        # What the last attempt settled on, for the web view: the files, the status, and the core
        # metadata read on the way (by version), so no view needs another read of those files.
        settled: dict[str, FileFacts] | None = None
        status = ACTIVE
        read: dict[str, bytes] = {}

        def attempt() -> bool:
            nonlocal attempts, settled, status
            attempts += 1
            settled = None
            # A project the root does not list has, nearly always, no page: the first attempt skips
            # the GET and creates the page with If-None-Match, which fails if it exists after all.
            skip_read = attempts == 1 and not root.damaged and project not in root.projects
            page = Page() if skip_read else self.catalog.read_page(project)
            if page.damaged:
                # The page cannot say what was listed: rebuild it from every folder of the project.
                folders = self.catalog.folders_of(project)
                status = self.registry.status(project)
                settled = self._reindex_from(project, self.list_project(folders), page, status)
                return True
            if not page.status.status.offers_files:
                # Quarantined: nothing is listed; setting it active again relists all. An earlier
                # attempt may have stored a wheel's .metadata before losing the race to the quarantine.
                self._drop_metadata(project, by_key)
                return True
            files = dict(page.files)
            for key, change in by_key.items():
                facts = self._observe(project, change, files.get(key), read)
                if facts is None:
                    files.pop(key, None)
                else:
                    files[key] = facts
            if page.etag is None and not files:
                return False  # nothing to list for a project we never knew
            if files != page.files or page.etag is None:
                self.catalog.write_page(project, files, page.etag, page.status)
                settled, status = files, page.status  # views change only with the page
            return True

        if not self._retry(attempt) or settled is None:
            return
        touched = {v for key in by_key if (v := _version_of(key))}
        entry = self.viewer.write_event(project, settled, status, touched, read)
        if root.damaged or project not in root.projects or root.latest.get(project) != entry:
            self._list_in_root(project, root, entry)

    def _observe(
        self,
        project: NormalizedName,
        change: Change,
        current: FileFacts | None,
        read: dict[str, bytes] | None = None,
    ) -> FileFacts | None:
        """The facts of ``change.key`` as S3 holds it now (None: gone or not a package)."""
        if current is not None and change.kind is Kind.CREATED and change.etag == current.etag:
            return current  # a duplicate event of a file already indexed
        if current is not None and change.kind is Kind.TAGS:
            tags = self.storage.tags(change.key)
            return None if tags is None else replace(current, yanked=tags.get(layout.YANK_TAG))
        return self._read_facts(project, change.key, change.size, current, read)

    def _read_facts(
        self,
        project: NormalizedName,
        key: str,
        size: int | None,
        current: FileFacts | None,
        read: dict[str, bytes] | None = None,
    ) -> FileFacts | None:
        parts = package_key(key)
        if parts is None:
            return None
        opened = self.storage.open(key, size)
        if opened is None:
            return None
        with opened:
            return self._facts_of(project, parts[1], opened, current, {} if read is None else read)

    def _facts_of(
        self,
        project: NormalizedName,
        filename: str,
        opened: OpenedObject,
        current: FileFacts | None,
        read: dict[str, bytes],
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
                read.setdefault(_version_of(filename) or "", metadata_bytes)
                self.storage.put(
                    layout.metadata_key(project, filename),
                    metadata_bytes,
                    content_type="text/plain; charset=utf-8",
                )
        elif opened.complete:
            pkg_info = self._sdist_metadata(opened, filename)
            if pkg_info is not None:
                read.setdefault(_version_of(filename) or "", pkg_info)
                if requires_python is None:
                    requires_python = _requires_python(pkg_info)
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
            # Set at upload with verified attestations: learned from the GET already made, no HEAD.
            provenance_sha256=_provenance_of(info.metadata),
        )

    def _wheel_metadata(
        self, opened: OpenedObject, project: NormalizedName
    ) -> tuple[bytes, str | None] | None:
        try:
            data = core_metadata.read_wheel_metadata(opened.file, project)
            return data, core_metadata.parse(data).requires_python
        except core_metadata.InvalidDistribution as error:
            # Listed with its hash and no metadata; never stops the rest of the project.
            log.warning("no core metadata for %s: %s", opened.info.key, error)
            return None

    def _sdist_metadata(self, opened: OpenedObject, filename: str) -> bytes | None:
        try:
            data = core_metadata.read_sdist_metadata(opened.file, filename)
            if data is not None:
                core_metadata.parse(data)  # only readable metadata is kept
            return data
        except core_metadata.InvalidDistribution as error:
            log.warning("no PKG-INFO for %s: %s", opened.info.key, error)
            return None
        finally:
            opened.file.seek(0)

    # -- one project, from a listing ----------------------------------------------------------
    def reindex_project(
        self,
        project: NormalizedName,
        listed: Iterable[ListedObject],
        *,
        list_in_root: bool = True,
        status: ProjectStatus | None = None,
    ) -> Entry | None:
        """Rebuild one project's page from its listed objects (reusing facts of unchanged files).

        ``list_in_root=False`` when the caller writes the root itself (a rebuild done in place);
        ``status`` when the caller read it already (else one GET). Returns the project's entry for
        the web view's ``/project/`` (newest version and summary).
        """
        objects = [obj for obj in listed if package_key(obj.key) is not None]
        known = self.registry.status(project) if status is None else status
        files = self._retry(
            lambda: self._reindex_from(project, objects, self.catalog.read_page(project), known)
        )
        entry = self.viewer.write_all(project, files, known)
        if list_in_root:
            root = self.catalog.read_root()
            if root.damaged or project not in root.projects or root.latest.get(project) != entry:
                self._list_in_root(project, root, entry)
        return entry

    def _reindex_from(
        self, project: NormalizedName, listed: Iterable[ListedObject], page: Page, status: ProjectStatus
    ) -> dict[str, FileFacts]:
        """Write the page from ``listed``; returns the files it lists (none when quarantined)."""
        if page.damaged:
            log.warning("rebuilding the damaged page of %s from its package files", project)
        if not status.status.offers_files:
            if page.status != status or page.etag is None:
                self.catalog.write_page(project, {}, page.write_etag, status)
            self._drop_metadata(project)
            return {}
        files: dict[str, FileFacts] = {}
        for obj in listed:
            if package_key(obj.key) is None:
                continue
            current = page.files.get(obj.key)
            if current is not None and current.etag == obj.etag:
                facts = self._observe(project, Change(obj.key, Kind.TAGS), current)
            else:
                facts = self._read_facts(project, obj.key, obj.size, None)
            if facts is not None:
                files[obj.key] = facts
        if files != page.files or page.etag is None or page.status != status:
            self.catalog.write_page(project, files, page.write_etag, status)
        return files

    def _drop_metadata(self, project: NormalizedName, changed: Iterable[str] | None = None) -> None:
        """Delete ``project``'s ``.metadata`` objects: those of the ``changed`` wheels, else all (one
        listing). The API serves them without a status lookup: only a project offering files has any."""
        if changed is None:
            keys = [obj.key for obj in self.storage.list(layout.metadata_prefix(project))]
        else:
            wheels = [parts[1] for parts in map(package_key, changed) if parts and parts[1].endswith(".whl")]
            keys = [layout.metadata_key(project, filename) for filename in wheels]
        for key in keys:
            self.storage.delete(key)

    # -- a status change ------------------------------------------------------------------------
    def apply_status(self, project: NormalizedName) -> None:
        """Show ``project``'s status on its page: a quarantined page lists nothing, any other is
        relisted from its folders (what was hidden comes back). A project with no files yet still
        gets its page, so a status set ahead of the first upload holds."""
        status = self.registry.status(project)
        objects = self.list_project(self.catalog.folders_of(project))
        files = self._retry(
            lambda: self._reindex_from(project, objects, self.catalog.read_page(project), status)
        )
        entry = self.viewer.write_all(project, files, status)
        if any(package_key(obj.key) for obj in objects):
            root = self.catalog.read_root()
            if root.damaged or project not in root.projects or root.latest.get(project) != entry:
                self._list_in_root(project, root, entry)

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
        entries: dict[NormalizedName, Entry | None] = {}
        if fan_out is not None:
            fan_out([(name, sorted(folders[name])) for name in projects])
        else:
            statuses = self.registry.statuses()  # one listing, not a GET per project
            with ThreadPoolExecutor(REBUILD_THREADS) as pool:
                jobs = {
                    pool.submit(
                        self.reindex_project,
                        n,
                        listing[n],
                        list_in_root=False,
                        status=statuses.get(n, ACTIVE),
                    ): n
                    for n in projects
                }
                for done, job in enumerate(as_completed(jobs), 1):
                    entries[jobs[job]] = job.result()
                    if progress is not None:
                        progress(done, len(jobs))
        # Projects with a page or a root entry but no folder in the listing: gone, or created by an
        # upload since the listing began. Only those with no file left are dropped.
        paged = {
            NormalizedName(o.key[len(layout.PROJECTS_PREFIX) :])
            for o in self.storage.list(layout.PROJECTS_PREFIX)
        }
        candidates = (paged | set(self.catalog.read_root().projects)) - set(listing)
        dropped = {name for name in candidates if not self._has_files(name)}
        for name in sorted(dropped & paged):
            self.storage.delete(layout.project_page_key(name))

        def write_root() -> None:
            # Merged with the root as it is now, so a project an event added meanwhile stays.
            current = self.catalog.read_root()
            projects = sorted((set(current.projects) - dropped) | set(listing))
            latest = {**current.latest, **{n: e for n, e in entries.items() if e is not None}}
            for name in [n for n, e in entries.items() if e is None]:
                latest.pop(name, None)
            self.catalog.write_root(projects, current.write_etag, latest)

        self._retry(write_root)
        return len(projects)

    def _has_files(self, project: NormalizedName) -> bool:
        """True when any file the project's page lists still exists."""
        return any(self.storage.exists(key) for key in self.catalog.published_files(project))

    # -- the root ----------------------------------------------------------------------------------
    def _list_in_root(self, project: NormalizedName, root: Root, entry: Entry | None) -> None:
        """List ``project`` in the root, with ``entry`` (newest version, summary) for ``/project/``."""
        known = [root]  # the first attempt reuses the root read at the start of the event

        def attempt() -> None:
            current = known.pop() if known else self.catalog.read_root()
            if current.damaged:
                self._repair_root(current)
            elif project not in current.projects or current.latest.get(project) != entry:
                latest = {n: e for n, e in current.latest.items() if n != project}
                if entry is not None:
                    latest[project] = entry
                new = project not in current.projects
                projects = sorted({*current.projects, project})
                self.catalog.write_root(projects, current.etag, latest, compat=new)

        self._retry(attempt)

    def _repair_root(self, damaged: Root) -> None:
        """Write an unreadable root again from a listing of the bucket's folders (bounded by them)."""
        log.warning("rebuilding the damaged root from a listing of the bucket")
        projects = {normalize(f) for f in self.storage.folders() if is_valid_project_name(f)}
        self.catalog.write_root(sorted(projects), damaged.write_etag)

    def _retry(self, attempt: Callable[[], _T]) -> _T:
        for number in range(MAX_ATTEMPTS):
            try:
                return attempt()
            except PreconditionFailed:
                # Someone else wrote first: back off a little (with jitter) and start over.
                self._sleep(random.uniform(0, 0.05 * 2**number))  # noqa: S311
        raise RuntimeError(f"gave up after {MAX_ATTEMPTS} conflicting writes")


def _version_of(key: str) -> str | None:
    """The version a package key's filename carries (None when it has none)."""
    from handlers.names import version_of

    return version_of(key.rsplit("/", 1)[-1])


def _requires_python(data: bytes) -> str | None:
    try:
        return core_metadata.parse(data).requires_python
    except core_metadata.InvalidDistribution:
        return None
