"""Writes the web view's pages for the reindexer (storage level): a project's views, by version.

An event renders only what it touched: the view of each version it changed, and the project's
latest view (its newest version not yanked), from the core metadata the event already read; only
when the newest version is another one does it read that version's stored ``.metadata`` (one GET).
The root's entry for ``/project/`` (newest version, summary) is returned for the caller to keep.
Rebuilds and status changes render every version (:meth:`Viewer.write_all`).
"""

from __future__ import annotations

import gzip
import logging
from collections.abc import Iterable, Mapping

from handlers import layout
from handlers.archives import core_metadata
from handlers.aws.storage import Storage
from handlers.controls.rules import ProjectStatus
from handlers.names import NormalizedName
from handlers.simple.catalog import listed_files
from handlers.simple.model import FileFacts
from handlers.views import render

log = logging.getLogger(__name__)
#: A root entry: the newest version not yanked, and its summary (cut to this length).
Entry = tuple[str, str]
MAX_SUMMARY = 200


class Viewer:
    """Renders and stores one project's views; every S3 request goes through :class:`Storage`."""

    def __init__(self, storage: Storage):
        self.storage = storage

    def write_event(
        self,
        project: NormalizedName,
        files: Mapping[str, FileFacts],
        status: ProjectStatus,
        touched: Iterable[str],
        metadata: Mapping[str, bytes],
    ) -> Entry | None:
        """Views after an event: each ``touched`` version's and the latest. ``metadata`` holds the
        core metadata the event read, by version."""
        shown = listed_files(project, files)
        order = versions_newest_first(shown)
        newest = newest_version(shown, order)
        described: dict[str, render.Described] = {}
        for version in dict.fromkeys(touched):
            if version in order:
                described[version] = self._described(project, version, shown, metadata)
                self._put(project, version, shown, order, status, described[version], latest=False)
            else:  # no file of it is left
                self.storage.delete(layout.view_key(project, version))
        if newest is not None and newest not in described:
            described[newest] = self._described(project, newest, shown, metadata)
        latest = described.get(newest or "", render.Described())
        self._put(project, newest, shown, order, status, latest, latest=True)
        return None if newest is None else (newest, latest.summary[:MAX_SUMMARY])

    def write_all(
        self, project: NormalizedName, files: Mapping[str, FileFacts], status: ProjectStatus
    ) -> Entry | None:
        """Every view of the project (a rebuild or a status change): one ``.metadata`` GET a version.
        A quarantined project's views, old versions' included, show its status and no files."""
        shown = listed_files(project, files) if status.status.offers_files else ()
        order = versions_newest_first(shown)
        stale = {obj.key for obj in self.storage.list(layout.VIEWS_PREFIX + project + "/")} - {
            layout.view_key(project)
        }
        entry = None
        for version in order:
            described = self._described(project, version, shown, {})
            self._put(project, version, shown, order, status, described, latest=False)
            stale.discard(layout.view_key(project, version))
            if version == newest_version(shown, order):
                self._put(project, version, shown, order, status, described, latest=True)
                entry = (version, described.summary[:MAX_SUMMARY])
        if entry is None:
            self._put(project, None, shown, order, status, render.Described(), latest=True)
        for key in sorted(stale):
            version = key.rsplit("/", 1)[1]
            if status.status.offers_files:
                self.storage.delete(key)
            else:
                self._put(project, version, (), [], status, render.Described(), latest=False)
        return entry if status.status.offers_files else None

    def _put(
        self,
        project: NormalizedName,
        version: str | None,
        shown: tuple[FileFacts, ...],
        order: list[str],
        status: ProjectStatus,
        described: render.Described,
        *,
        latest: bool,
    ) -> None:
        files = [f for f in shown if version is not None and f.version == version]
        history = render.releases(shown, order)
        html = render.project_view(project, version, files, history, status, described, latest=latest)
        self.storage.put(
            layout.view_key(project, None if latest else version),
            gzip.compress(html, compresslevel=9, mtime=0),
            content_type="application/octet-stream",
        )

    def _described(
        self,
        project: NormalizedName,
        version: str,
        shown: tuple[FileFacts, ...],
        metadata: Mapping[str, bytes],
    ) -> render.Described:
        data = metadata.get(version)
        if data is None:  # not read by this event: a wheel's stored .metadata, if any (one GET)
            wheel = next((f for f in shown if f.version == version and f.metadata_sha256), None)
            stored = self.storage.get(layout.metadata_key(project, wheel.filename)) if wheel else None
            data = stored.body if stored is not None else None
        if data is None:
            return render.Described()
        return describe(data)


def describe(data: bytes) -> render.Described:
    """A version's summary and rendered README, from its core metadata (nothing when unreadable)."""
    from handlers.views import readme

    try:
        parsed = core_metadata.parse(data)
    except core_metadata.InvalidDistribution as error:
        log.warning("core metadata not shown: %s", error)
        return render.Described()
    html = readme.render(core_metadata.description(data), parsed.description_content_type)
    return render.Described(summary=parsed.summary or "", readme_html=html)


def versions_newest_first(files: Iterable[FileFacts]) -> list[str]:
    """Every version of ``files``, newest first (PEP 440 order; unparsable versions last)."""
    from packaging.version import InvalidVersion, Version

    def key(version: str) -> tuple[int, Version | str]:
        try:
            return (1, Version(version))
        except InvalidVersion:
            return (0, version)

    versions = {f.version for f in files if f.version}
    return sorted(versions, key=key, reverse=True)


def newest_version(files: Iterable[FileFacts], order: list[str]) -> str | None:
    """The newest version with a file that is not yanked (PyPI's choice for ``/project/NAME/``)."""
    live = {f.version for f in files if f.yanked is None}
    return next((v for v in order if v in live), None)
