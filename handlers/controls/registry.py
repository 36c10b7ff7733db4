"""The operators' controls in the bucket: project statuses and reserved namespaces (storage level).

Written by the admin CLI only; read by the API (a download's status check, a miss's or an upload's
namespace check) and the reindexer (a page carries its project's status). Namespaces are one small
object, cached per warm function for :data:`NAMESPACE_CACHE_SECONDS`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from handlers import layout
from handlers.aws.storage import PreconditionFailed, Storage
from handlers.controls.rules import (
    ACTIVE,
    InvalidControl,
    ProjectStatus,
    Status,
    check_prefix,
    namespaces_from_json,
    namespaces_to_json,
)
from handlers.names import NormalizedName

log = logging.getLogger(__name__)

NAMESPACE_CACHE_SECONDS = 60.0
#: What an unreadable status object means: fail closed, nothing is served until an operator fixes it.
UNREADABLE = ProjectStatus(Status.QUARANTINED, "status record unreadable; an operator must set it again")

# Shared by every Registry of the process (a Lambda instance lives across many invocations).
_namespaces: dict[str, tuple[float, frozenset[str]]] = {}
_lock = threading.Lock()


class Registry:
    """Statuses and namespaces of one bucket."""

    def __init__(self, storage: Storage, *, clock: Callable[[], float] = time.monotonic):
        self.storage = storage
        self._clock = clock

    # -- statuses ------------------------------------------------------------------------------
    def status(self, project: NormalizedName) -> ProjectStatus:
        """A project's status: one GET; no record means active."""
        stored = self.storage.get(layout.status_key(project))
        if stored is None:
            return ACTIVE
        try:
            return ProjectStatus.from_json(stored.body)
        except InvalidControl as error:
            log.error("the status of %s is unreadable (%s): served as quarantined", project, error)
            return UNREADABLE

    def statuses(self) -> dict[NormalizedName, ProjectStatus]:
        """Every project with a status other than active (a rebuild reads them at once)."""
        found = {}
        for obj in self.storage.list(layout.STATUS_PREFIX):
            project = layout.status_project(obj.key)
            if project is not None:
                found[NormalizedName(project)] = self.status(NormalizedName(project))
        return found

    def set_status(self, project: NormalizedName, status: ProjectStatus) -> None:
        """Store a status (``active`` with no reason removes the record). The event this raises
        brings the pages in line."""
        key = layout.status_key(project)
        if status == ACTIVE:
            self.storage.delete(key)
        else:
            self.storage.put(key, status.to_json(), content_type="application/json")

    # -- namespaces ----------------------------------------------------------------------------
    def namespaces(self) -> frozenset[str]:
        """The reserved namespace prefixes, cached for :data:`NAMESPACE_CACHE_SECONDS`."""
        now = self._clock()
        with _lock:
            cached = _namespaces.get(self.storage.bucket)
        if cached is not None and now - cached[0] <= NAMESPACE_CACHE_SECONDS:
            return cached[1]
        prefixes = self.stored_namespaces()
        with _lock:
            _namespaces[self.storage.bucket] = (now, prefixes)
        return prefixes

    def stored_namespaces(self) -> frozenset[str]:
        """The reserved prefixes as stored now (no cache)."""
        return self._read_namespaces()[0]

    def _read_namespaces(self) -> tuple[frozenset[str], str | None]:
        stored = self.storage.get(layout.NAMESPACES_KEY)
        if stored is None:
            return frozenset(), None
        try:
            return namespaces_from_json(stored.body), stored.etag
        except InvalidControl:
            # Fail closed: a damaged list must not open every reserved name to the fallback.
            log.error("the reserved namespaces are unreadable: every miss is refused until fixed")
            return frozenset({"*"}), stored.etag

    def change_namespaces(self, add: str | None = None, remove: str | None = None) -> frozenset[str]:
        """Add or remove a prefix, conditionally on the list read (two operators lose nothing)."""
        for _ in range(10):
            current, etag = self._read_namespaces()
            current = current - {"*"}
            updated = set(current)
            if add is not None:
                updated.add(check_prefix(add))
            if remove is not None:
                updated.discard(check_prefix(remove))
            try:
                self.storage.put(
                    layout.NAMESPACES_KEY,
                    namespaces_to_json(updated),
                    content_type="application/json",
                    if_match=etag,
                    if_none_match=etag is None,
                )
            except PreconditionFailed:
                continue
            with _lock:
                _namespaces.pop(self.storage.bucket, None)
            return frozenset(updated)
        raise RuntimeError("the namespace list kept changing; try again")
