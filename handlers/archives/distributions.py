"""What an upload must be: its filename, its core metadata, its wheel layout, and no twin (pure).

The grammars are `packaging`'s (PEP 440 versions, PEP 425 tags, PEP 508 requirements, PEP 685
extras), pinned in ``handlers/requirements.txt``. Only the upload path imports this module, so page
reads never pay for ``packaging``.

Each function raises :class:`Refused` with one line for the client.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.tags import Tag
from packaging.utils import (
    BuildTag,
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from handlers.names import NormalizedName, is_safe_filename, is_valid_project_name, normalize
from handlers.web.http import quoted as _quote

#: Suffixes an upload may use: wheels and PEP 625 sdists (``.zip`` for older ones).
UPLOAD_SUFFIXES = (".whl", ".tar.gz", ".zip")
#: Core metadata versions an upload may declare (2.0 was never a standard, but real files carry it).
METADATA_VERSIONS = frozenset({"1.0", "1.1", "1.2", "2.0", "2.1", "2.2", "2.3", "2.4", "2.5"})
#: Files every wheel's ``.dist-info`` holds (the wheel specification).
WHEEL_DIST_INFO_FILES = ("METADATA", "WHEEL", "RECORD")


class Refused(ValueError):
    """A distribution that may not be published; the message is one line for the client."""


@dataclass(frozen=True)
class DistName:
    """What a distribution filename says."""

    filename: str
    #: Normalized project name (PEP 503).
    project: NormalizedName
    version: Version
    #: "bdist_wheel" or "sdist", as twine sends in ``filetype``.
    filetype: str
    #: Wheels only: the build tag (empty when none) and the expanded compatibility tags.
    build: BuildTag = ()
    tags: frozenset[Tag] = frozenset()

    def collides_with(self, other: DistName) -> bool:
        """True when both files would be the same release file to an installer.

        Wheels: the same version (PEP 440 equality), the same build tag and a tag triple in common.
        Sdists: the same version, whatever the spelling or archive format (one sdist per release).
        """
        if self.filetype != other.filetype or self.version != other.version:
            return False
        if self.filetype == "sdist":
            return True
        return self.build == other.build and not self.tags.isdisjoint(other.tags)


def parse_filename(filename: str) -> DistName:
    """Parse an upload's filename strictly; the name part must normalize to a valid project name.

    >>> parse_filename("Foo.Bar_baz-1.0-py3-none-any.whl").project
    'foo-bar-baz'
    """
    if not is_safe_filename(filename) or not filename.endswith(UPLOAD_SUFFIXES):
        raise Refused(
            f"Invalid distribution filename {_quote(filename)}: wheels (.whl) and sdists (.tar.gz, .zip) only"
        )
    try:
        if filename.endswith(".whl"):
            name_part = filename.split("-", 1)[0]
            _, version, build, tags = parse_wheel_filename(filename)
            parsed = DistName(filename, normalize(name_part), version, "bdist_wheel", build, tags)
        else:
            stem = filename[: -len(".tar.gz")] if filename.endswith(".tar.gz") else filename[: -len(".zip")]
            name_part = stem.rpartition("-")[0]
            _, version = parse_sdist_filename(filename)
            parsed = DistName(filename, normalize(name_part), version, "sdist")
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion) as error:
        raise Refused(f"Invalid distribution filename {_quote(filename)}: {error}") from error
    # "orphan.-1.0-…" parses, but would go to a folder "orphan-" that no page can ever list.
    if not is_valid_project_name(name_part):
        raise Refused(f"Invalid project name {_quote(name_part)} in {_quote(filename)}")
    return parsed


def same_version(left: str, right: Version) -> bool:
    """True when ``left`` is a PEP 440 version equal to ``right``."""
    try:
        return Version(left) == right
    except InvalidVersion:
        return False


def find_twin(new: DistName, published: Iterable[str]) -> str | None:
    """The published filename that ``new`` would stand in for, if any (never ``new`` itself)."""
    for filename in published:
        if filename == new.filename:
            continue
        try:
            other = parse_filename(filename)
        except Refused:
            continue  # a legacy file in the bucket: no release of today's kind to collide with
        if new.project == other.project and new.collides_with(other):
            return filename
    return None


def check_metadata_fields(fields: dict[str, list[str]]) -> None:
    """Check the fields resolvers read, one by one, as PyPI does.

    Field by field on purpose: real files carry fields newer than the version they declare
    (``License-Expression`` under 2.1), which a whole-document validation refuses.
    """
    versions = fields.get("metadata-version") or []
    if len(versions) != 1 or versions[0] not in METADATA_VERSIONS:
        raise Refused(f"Metadata-Version must be one of {', '.join(sorted(METADATA_VERSIONS))}")
    for value in fields.get("requires-dist", []):
        try:
            Requirement(value)
        except InvalidRequirement as error:
            raise Refused(f"Requires-Dist {_quote(value)} is not a PEP 508 requirement: {error}") from error
    for value in fields.get("requires-python", []):
        check_requires_python(value)
    extras: dict[str, str] = {}
    for value in fields.get("provides-extra", []):
        if not is_valid_project_name(value):
            raise Refused(f"Provides-Extra {_quote(value)} is not a valid extra name")
        key = canonicalize_name(value)
        if key in extras and extras[key] != value:
            raise Refused(f"Provides-Extra {_quote(value)} collides with {_quote(extras[key])} (PEP 685)")
        extras[key] = value
    for value in fields.get("dynamic", []):
        if value.strip().lower() in ("name", "version"):
            raise Refused(f"Dynamic may not name {value.strip()} (core metadata 2.2)")


def check_requires_python(value: str) -> None:
    """``Requires-Python`` (from the metadata or the form) is a PEP 440 specifier set."""
    try:
        SpecifierSet(value)
    except InvalidSpecifier as error:
        raise Refused(f"Requires-Python {_quote(value)} is not a version specifier") from error


def check_wheel_dist_info(dist: DistName, folder: str, files: set[str]) -> None:
    """A wheel's one ``.dist-info`` matches its filename and holds METADATA, WHEEL and RECORD."""
    name_part, _, version_part = folder[: -len(".dist-info")].rpartition("-")
    if normalize(name_part) != dist.project or not same_version(version_part, dist.version):
        raise Refused(f"{_quote(folder)} does not match the filename {_quote(dist.filename)}")
    missing = [name for name in WHEEL_DIST_INFO_FILES if name not in files]
    if missing:
        raise Refused(f"{folder} has no {', '.join(missing)}")
