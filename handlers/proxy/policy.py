"""What the proxy lets through from upstream: names (deny and allow lists) and files (a minimum
release age) (pure).

With an age set, a file is listed only when its ``upload-time`` is at least that old; a file without
one (an HTML upstream gives none) is left out, and the page stays, empty if need be: never a 404, so a
client sees "no matching version" rather than a name that vanished. PEP 700 ``versions`` then lists
only versions that keep a file. An upstream ``quarantined`` status (PEP 792) serves no files.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from handlers.names import NormalizedName, is_safe_filename, version_of
from handlers.proxy.model import UpstreamFile, UpstreamProject

_DAY = 24 * 3600


@dataclass(frozen=True)
class Policy:
    """The operator's rules for upstream pages."""

    #: Days a file must have been public upstream; 0 = off.
    min_release_age_days: int = 0
    #: Names never served from upstream.
    deny: frozenset[NormalizedName] = frozenset()
    #: When not None, the only names served from upstream.
    allow: frozenset[NormalizedName] | None = None

    def refusal(self, name: NormalizedName) -> str | None:
        """Why ``name`` is not served from upstream, or None when it may be.

        >>> Policy(deny=frozenset({"evil"})).refusal("evil")
        'evil is held back by the fallback policy: the name is denied'
        >>> Policy(allow=frozenset({"requests"})).refusal("reqeusts")
        'reqeusts is held back by the fallback policy: the name is not on the allow list'
        """
        if name in self.deny:
            return f"{name} is held back by the fallback policy: the name is denied"
        if self.allow is not None and name not in self.allow:
            return f"{name} is held back by the fallback policy: the name is not on the allow list"
        return None

    @property
    def fingerprint(self) -> str:
        """What a cached page was filtered with (the name lists are checked before any read)."""
        return f"min-age-days={self.min_release_age_days}"

    def apply(self, project: UpstreamProject, now: datetime) -> UpstreamProject:
        """``project`` with only the files this policy lets through, and their versions."""
        files: Iterable[UpstreamFile] = (f for f in project.files if is_safe_filename(f.filename))
        if project.status == "quarantined":
            files = ()
        elif self.min_release_age_days > 0:
            cutoff = now - timedelta(seconds=self.min_release_age_days * _DAY)
            files = (f for f in files if _uploaded_before(f, cutoff))
        kept = tuple(files)
        if len(kept) == len(project.files) and project.versions is not None:
            return project  # nothing left out: the upstream's versions stand as given
        return dataclasses.replace(project, files=kept, versions=_versions_kept(project, kept))


def _uploaded_before(file: UpstreamFile, cutoff: datetime) -> bool:
    moment = parse_upload_time(file.upload_time)
    return moment is not None and moment <= cutoff


def parse_upload_time(text: str | None) -> datetime | None:
    """PEP 700 ``upload-time`` as an aware datetime, None when absent or unreadable.

    >>> parse_upload_time("2024-01-02T03:04:05.123456Z")
    datetime.datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=datetime.timezone.utc)
    """
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _versions_kept(project: UpstreamProject, kept: tuple[UpstreamFile, ...]) -> tuple[str, ...]:
    """The upstream's ``versions`` that still have a file (or, without that list, the files' own)."""
    from packaging.utils import canonicalize_version
    from packaging.version import InvalidVersion, Version

    own = {v for f in kept if (v := version_of(f.filename))}
    if project.versions is None:

        def order(version: str) -> tuple[int, Version | str]:
            try:
                return (0, Version(version))
            except InvalidVersion:
                return (1, version)

        return tuple(sorted(own, key=order))
    found = {canonicalize_version(v) for v in own}
    return tuple(v for v in project.versions if canonicalize_version(v) in found)
