"""Which projects offered their files on a page this function instance served moments ago (pure).

A stored page carries its project's status (object metadata, no parsing), so a download redirect
right after a page read needs no S3 request of its own: pip and uv read a page, then ask for files
from it within a second. Only "offers files" is remembered, for :data:`MEMORY_SECONDS`; a page that
shows a quarantine forgets the project, so lifting a quarantine is never delayed by this memory and
anything not remembered is looked up in the registry (one GET).

How long a quarantine may take to hide files: the reindexer rewrites the page when the status record
changes (an event away), and a page read before that is trusted for :data:`MEMORY_SECONDS` more.
Per process, like a Lambda instance's warm state; nothing is shared between instances.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable

#: How long a page's word that its project offers files is trusted for a redirect.
MEMORY_SECONDS = 2.0
#: Projects remembered at most; the oldest go first (a burst of pages never grows memory unbounded).
MAX_REMEMBERED = 4096
#: The instance's clock (tests replace it): monotonic, so a changed wall clock changes nothing.
clock: Callable[[], float] = time.monotonic
_seen: dict[tuple[str, str], float] = {}
_lock = threading.Lock()


@functools.cache
def _offering() -> frozenset[str]:
    """The statuses whose projects offer files (imported on the first page read, not at cold start)."""
    from handlers.controls.rules import Status

    return frozenset(s.value for s in Status if s.offers_files)


def page_read(bucket: str, project: str, status: str | None) -> None:
    """Note that ``project``'s page was just served with ``status`` (None: a page written before
    pages carried it, which proves nothing)."""
    key = (bucket, project)
    with _lock:
        _seen.pop(key, None)
        if status not in _offering():  # quarantined, unknown, or a page from before pages said
            return
        _seen[key] = clock()
        if len(_seen) > MAX_REMEMBERED:  # dicts keep insertion order: the first is the oldest
            del _seen[next(iter(_seen))]


def offers_files(bucket: str, project: str) -> bool:
    """True when a page read in the last :data:`MEMORY_SECONDS` showed ``project`` offering files."""
    with _lock:
        seen = _seen.get((bucket, project))
    return seen is not None and 0 <= clock() - seen <= MEMORY_SECONDS


def forget() -> None:
    """Forget every project (tests; a new instance starts empty)."""
    with _lock:
        _seen.clear()
