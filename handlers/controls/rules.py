"""Operators' controls over what the index offers: project status (PEP 792) and reserved namespaces (pure).

A status says what installers and uploaders may do with a project:

==============  ================================  =================
status          installers                        uploads
==============  ================================  =================
``active``      everything (the default)          allowed
``deprecated``  everything, with the marker       allowed
``archived``    everything                        refused
``quarantined`` nothing: no files, file URLs 404  refused
==============  ================================  =================

A reserved namespace is a prefix: a normalized name is inside it when it equals the prefix or starts
with ``prefix-``. A name inside one is never sent to the fallback index, and only a token made for
that namespace (or for that very project) may upload into it.

Both are stored in the bucket under :data:`handlers.layout.OPERATOR_PREFIX`, which only operators
write (the admin CLI); IAM keeps both functions off it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from handlers.names import NormalizedName, is_valid_project_name, normalize

#: Longest status reason kept (it is shown on every page of the project).
MAX_REASON_LENGTH = 500


class Status(Enum):
    """PEP 792 project status markers."""

    ACTIVE = "active"
    ARCHIVED = "archived"
    DEPRECATED = "deprecated"
    QUARANTINED = "quarantined"

    @property
    def offers_files(self) -> bool:
        """False for a quarantined project: its page lists nothing and its files are not served."""
        return self is not Status.QUARANTINED

    @property
    def takes_uploads(self) -> bool:
        """False for archived and quarantined projects."""
        return self in (Status.ACTIVE, Status.DEPRECATED)


class InvalidControl(ValueError):
    """A status or namespace that cannot be stored or read; the message says why."""


@dataclass(frozen=True)
class ProjectStatus:
    """A project's status and the operator's reason (PEP 792 ``project-status``)."""

    status: Status = Status.ACTIVE
    reason: str | None = None

    def __post_init__(self) -> None:
        reason = self.reason
        if reason is not None and (len(reason) > MAX_REASON_LENGTH or not reason.isprintable()):
            raise InvalidControl(f"a reason is up to {MAX_REASON_LENGTH} printable characters")

    def to_json(self) -> bytes:
        """The stored form."""
        return json.dumps({"status": self.status.value, "reason": self.reason}).encode()

    @classmethod
    def from_json(cls, data: bytes) -> ProjectStatus:
        """Read a stored status; :class:`InvalidControl` when it is not one."""
        try:
            raw = json.loads(data)
            return cls(Status(raw["status"]), raw.get("reason") or None)
        except (ValueError, KeyError, TypeError) as error:
            raise InvalidControl(f"not a project status: {error}") from error


ACTIVE = ProjectStatus()


def namespace_of(project: NormalizedName, prefixes: Iterable[str]) -> str | None:
    """The reserved namespace ``project`` is in (the longest matching prefix), else None.

    ``*`` (what an unreadable list reads as) reserves every name: fail closed.

    >>> namespace_of(NormalizedName("acme-billing"), ["acme", "other"])
    'acme'
    >>> namespace_of(NormalizedName("acmeish"), ["acme"]) is None
    True
    """
    inside = [p for p in prefixes if p == "*" or project == p or project.startswith(p + "-")]
    return max(inside, key=len) if inside else None


def check_prefix(prefix: str) -> NormalizedName:
    """A namespace prefix, normalized; :class:`InvalidControl` unless it is a valid project name."""
    if not is_valid_project_name(prefix):
        raise InvalidControl(f"a namespace prefix is a valid project name, not {prefix!r}")
    return normalize(prefix)


def namespaces_to_json(prefixes: Iterable[str]) -> bytes:
    """The stored form of the reserved namespaces."""
    return json.dumps({"namespaces": sorted(set(prefixes))}).encode()


def namespaces_from_json(data: bytes) -> frozenset[str]:
    """Read the stored namespaces; :class:`InvalidControl` when they are not."""
    try:
        raw = json.loads(data)["namespaces"]
        return frozenset(check_prefix(str(p)) for p in raw)
    except (ValueError, KeyError, TypeError) as error:
        raise InvalidControl(f"not a namespace list: {error}") from error
