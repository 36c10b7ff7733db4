"""The generated pages in the bucket: read them, write them conditionally (storage level).

Every reader of a page or of the root goes through here, so "unreadable" means the same everywhere:
a damaged object reads as :attr:`Page.damaged` (or :attr:`Root.damaged`), never as an exception, and
never as an empty page that could be written back over real data. Only the reindexer writes (IAM
says so too); the API and the admin CLI read.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

from handlers import layout
from handlers.aws.storage import ListingTruncated, Storage
from handlers.controls.rules import ACTIVE, ProjectStatus
from handlers.names import NormalizedName, normalize
from handlers.simple import pages
from handlers.simple.model import FileFacts, ProjectDetail

log = logging.getLogger(__name__)


class _Stored:
    """What a generated object read from S3 shares: readable, missing, or damaged (with its ETag)."""

    etag: str | None
    damaged_etag: str | None

    @property
    def damaged(self) -> bool:
        """True when the stored object cannot be read."""
        return self.damaged_etag is not None

    @property
    def write_etag(self) -> str | None:
        """The ETag a new version is written against (None: create it)."""
        return self.etag or self.damaged_etag


@dataclass(frozen=True)
class Page(_Stored):
    """A project's page as stored: its files by S3 key, and the ETag to write it back against."""

    files: dict[str, FileFacts] = field(default_factory=dict)
    #: None: there is no page (or it is damaged and must be created again over ``damaged_etag``).
    etag: str | None = None
    #: The status the page shows (PEP 792); a quarantined page lists no files.
    status: ProjectStatus = ACTIVE
    #: The page exists but cannot be read; its ETag, so a repair writes over exactly that object.
    damaged_etag: str | None = None

    @property
    def exists(self) -> bool:
        """True when an object is stored under the page's key, readable or not."""
        return self.etag is not None or self.damaged_etag is not None


@dataclass(frozen=True)
class Root(_Stored):
    """The root as stored: the projects it lists."""

    projects: list[NormalizedName] = field(default_factory=list)
    etag: str | None = None
    damaged_etag: str | None = None
    #: For the web view's ``/project/``: each project's newest version not yanked, and its summary.
    latest: dict[NormalizedName, tuple[str, str]] = field(default_factory=dict)


class Catalog:
    """Generated pages of one bucket, through :class:`Storage`."""

    def __init__(self, storage: Storage):
        self.storage = storage

    def read_page(self, project: NormalizedName) -> Page:
        """A project's page; a damaged one is logged and read as damaged, with no files."""
        stored = self.storage.get(layout.project_page_key(project))
        if stored is None:
            return Page()
        try:
            read = pages.read_project(stored.body, stored.metadata)
        except pages.DamagedPage as error:
            log.error("the page of %s is damaged (%s); a reindex writes it again", project, error)
            return Page(damaged_etag=stored.etag)
        return Page(read.files, stored.etag, read.status)

    def published_files(self, project: NormalizedName) -> dict[str, FileFacts]:
        """The files a project's page lists, by S3 key (empty when it has no readable page)."""
        return self.read_page(project).files

    def holds_files(self, project: NormalizedName) -> bool | None:
        """Whether any folder spelling ``project`` exists in the bucket, at any bucket size.

        Asked before a client is sent to the fallback index, so that a name the bucket holds is never
        resolved elsewhere, however late its reindex is. First one listing of each range where the
        spellings sort (two requests at most); a range of over 1,000 folders is then searched by
        :func:`held_by_prefixes` instead, a request per live spelling prefix. None only when even
        that passes :data:`MAX_MISS_REQUESTS` (the caller fails closed).
        """
        try:
            return bool(self.folders_of(project, max_requests_per_range=1))
        except ListingTruncated:
            pass
        try:
            return held_by_prefixes(self.storage, project, MAX_MISS_REQUESTS)
        except ListingTruncated:
            return None

    def folders_of(self, project: NormalizedName, *, max_requests_per_range: int | None = None) -> list[str]:
        """Every folder of the bucket that spells ``project``, found by listing only where such
        folders sort (:func:`spelling_ranges`), never the whole bucket."""
        found: list[str] = []
        for prefix, low, high in spelling_ranges(project):
            for folder in self.storage.folders_after(prefix, low, max_requests=max_requests_per_range):
                if folder + "/" > high:
                    break
                if normalize(folder) == project:
                    found.append(folder)
        return found

    def write_page(
        self,
        project: NormalizedName,
        files: Mapping[str, FileFacts],
        etag: str | None,
        status: ProjectStatus = ACTIVE,
    ) -> None:
        """Render and store a page of ``files`` (by key), conditional on ``etag`` (None: create).

        A quarantined project's page lists none of them.
        """
        shown = listed_files(project, files) if status.status.offers_files else ()
        detail = ProjectDetail(project, shown, status)
        body, meta = pages.project_page(detail)
        self.storage.put(
            layout.project_page_key(project),
            body,
            content_type="application/octet-stream",
            metadata=meta,
            if_match=etag,
            if_none_match=etag is None,
        )
        log.info("indexed %s: %d files", project, len(detail.files))

    def read_root(self) -> Root:
        """The root; a damaged one is logged and read as damaged, listing nothing."""
        stored = self.storage.get(layout.ROOT_PAGE_KEY)
        if stored is None:
            return Root()
        try:
            projects = pages.read_root(stored.body, stored.metadata)
            latest = pages.read_root_state(stored.body, stored.metadata)
            return Root(projects, stored.etag, latest=latest)
        except pages.DamagedPage as error:
            log.error("the root is damaged (%s); it is rebuilt from a listing of the bucket", error)
            return Root(damaged_etag=stored.etag)

    def write_root(
        self,
        projects: list[NormalizedName],
        etag: str | None,
        latest: Mapping[NormalizedName, tuple[str, str]] | None = None,
        *,
        compat: bool = True,
    ) -> None:
        """Store the root listing ``projects``, conditional on ``etag``, then its ``index.html`` copy
        (``compat=False``: the list is unchanged, only the web view's ``latest`` entries changed).

        ``latest`` (each project's newest version and summary) is kept for ``/project/``, which is
        rendered here into the same object.
        """
        import json

        from handlers.simple import render  # only the reindexer renders: page reads never load it
        from handlers.views import render as views

        kept = {name: latest[name] for name in projects if latest and name in latest}
        state = json.dumps({"projects": kept}, sort_keys=True, separators=(",", ":")).encode()
        listed = [views.Listed(name, *kept.get(name, ("", ""))) for name in projects]
        html = render.root_html(projects)
        body, meta = pages.pack_root(html, render.root_json(projects), state, views.list_view(listed))
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
        if compat:
            self.storage.put(layout.COMPAT_ROOT_KEY, html, content_type="text/html; charset=utf-8")


#: Most requests the prefix search of :meth:`Catalog.holds_files` makes before it fails closed; a miss
#: costs two per character whose spelling prefixes exist, so this covers any name a real bucket crowds.
MAX_MISS_REQUESTS = 64
_SEPARATORS = "-_."


def held_by_prefixes(storage: Storage, project: NormalizedName, budget: int) -> bool:
    """Whether a folder spelling ``project`` exists, by growing only the spelling prefixes the bucket
    holds keys under, a character at a time: each case of a letter, each of ``-_.`` (and runs of them)
    for a ``-``. A prefix no key starts with ends its branch, so the cost follows the spellings the
    bucket holds, never the number of its folders. Raises :class:`ListingTruncated` past ``budget``.
    """
    requests = 0

    def holds(prefix: str) -> bool:
        nonlocal requests
        if requests >= budget:
            raise ListingTruncated(prefix)
        requests += 1
        return storage.has_prefix(prefix)

    # (spelling so far, characters of the name it spells, whether it ends in a run of separators)
    pending: list[tuple[str, int, bool]] = [("", 0, False)]
    while pending:
        prefix, done, in_run = pending.pop()
        nexts: list[tuple[str, int, bool]] = []
        if in_run:  # a run of separators may go on: "foo_-bar" spells foo-bar too
            nexts += [(prefix + c, done, True) for c in _SEPARATORS]
        if done == len(project):
            if holds(prefix + "/"):
                return True
        elif project[done] == "-":
            nexts += [(prefix + c, done + 1, True) for c in _SEPARATORS]
        else:
            cases = dict.fromkeys(project[done] + project[done].upper())
            nexts += [(prefix + c, done + 1, False) for c in cases]
        pending.extend(state for state in nexts if holds(state[0]))
    return False


def spelling_ranges(project: NormalizedName) -> list[tuple[str, str, str]]:
    """Where the folders spelling ``project`` sort in a bucket listing: ``(prefix, low, high)``.

    A folder may spell a project in any case, with any of ``-._`` between its parts; S3 lists keys
    in byte order, case-sensitively. Each spelling starts with one case of the first character, then
    some case of the rest of the first part: between that part in upper case (``low``) and in lower
    case followed by what sorts after every name character (``high``).

    >>> spelling_ranges(NormalizedName("held-odd-name"))
    [('h', 'hELD', 'held_~'), ('H', 'HELD', 'Held_~')]
    """
    first, rest = project[0], project[1:]
    part, separator, _ = rest.partition("-")
    end = "_~" if separator else "/"
    return [(c, c + part.upper(), c + part + end) for c in dict.fromkeys([first, first.upper()])]


def listed_files(project: NormalizedName, files: Mapping[str, FileFacts]) -> tuple[FileFacts, ...]:
    """The files a page shows: one per filename, sorted by it.

    Two folders of one project may hold the same filename: the normalized folder wins, else the first
    key in order.
    """
    chosen: dict[str, FileFacts] = {}
    for key in sorted(files, key=lambda k: (files[k].folder != project, k)):
        chosen.setdefault(files[key].filename, files[key])
    return tuple(sorted(chosen.values(), key=lambda f: f.filename))
