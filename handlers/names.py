"""Project names and distribution filenames: normalization, validation, parsing (pure).

The Lambda runtime has no ``packaging``, so this keeps a small copy of its rules (PEP 503
normalization, PEP 427/491 wheel names, PEP 625 sdist names, PEP 440 versions); the tests use
``packaging`` as the oracle. Every check that guards a path runs before normalization: normalizing is
never the only safety check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NewType

NormalizedName = NewType("NormalizedName", str)

#: Longest project name or filename accepted in a path (S3 keys allow 1,024 bytes in all).
MAX_NAME_LENGTH = 200
MAX_FILENAME_LENGTH = 255

# PEP 508 names: ASCII letters and digits, with '.', '_' and '-' inside (not at either end).
_PROJECT_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")
_SEPARATOR_RUN = re.compile(r"[-_.]+")
# What a distribution filename may contain: the characters of names, versions (incl. '+' for local
# versions and '!' for epochs) and tags. No '/', '\\', '%', NUL or non-ASCII ever passes.
_FILENAME_CHARS = re.compile(r"[A-Za-z0-9._+!-]+")

# PEP 440, Appendix B (the canonical pattern), compiled verbose and case-insensitive.
_VERSION = re.compile(
    r"""
    v?
    (?:(?P<epoch>[0-9]+)!)?
    (?P<release>[0-9]+(?:\.[0-9]+)*)
    (?P<pre>[-_.]?(?:a|b|c|rc|alpha|beta|pre|preview)[-_.]?[0-9]*)?
    (?P<post>(?:-[0-9]+)|(?:[-_.]?(?:post|rev|r)[-_.]?[0-9]*))?
    (?P<dev>[-_.]?dev[-_.]?[0-9]*)?
    (?:\+(?P<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?
    """,
    re.VERBOSE | re.IGNORECASE,
)
_BUILD_TAG = re.compile(r"[0-9][A-Za-z0-9_.]*")
_TAG = re.compile(r"[A-Za-z0-9_.]+")
_WHEEL_NAME_PART = re.compile(r"[A-Za-z0-9._]+")

#: Archive suffixes pip and uv install from, longest first; what the index lists.
DIST_SUFFIXES = (
    ".tar.gz",
    ".tar.bz2",
    ".tar.xz",
    ".tar.lz",
    ".tar.lzma",
    ".whl",
    ".zip",
    ".tgz",
    ".tbz",
    ".txz",
    ".tlz",
    ".tar",
    ".egg",
)

#: Suffixes an upload may use: wheels and PEP 625 sdists (``.zip`` for older ones).
UPLOAD_SUFFIXES = (".whl", ".tar.gz", ".zip")


class InvalidFilename(ValueError):
    """A distribution filename that cannot be parsed; the message names the failing part."""


def normalize(name: str) -> NormalizedName:
    """Normalize a project name as PEP 503 says.

    >>> normalize("Foo.Bar_baz")
    'foo-bar-baz'
    >>> normalize("ZOPE.interface")
    'zope-interface'
    """
    return NormalizedName(_SEPARATOR_RUN.sub("-", name).lower())


def is_valid_project_name(name: str) -> bool:
    """True for a PEP 508 project name of sane length (ASCII only).

    >>> is_valid_project_name("Foo.Bar_baz"), is_valid_project_name("../etc")
    (True, False)
    """
    return len(name) <= MAX_NAME_LENGTH and _PROJECT_NAME.fullmatch(name) is not None


def is_valid_version(version: str) -> bool:
    """True for a PEP 440 version (the forms ``packaging.version.Version`` accepts)."""
    return _VERSION.fullmatch(version.strip()) is not None


def is_safe_filename(filename: str) -> bool:
    """True for a filename the index may list and serve: known archive suffix, safe characters.

    Lenient on purpose (legacy ``.egg`` or ``.tar.bz2`` files in an old bucket are still served),
    strict where it matters: no path separators, no ``%``, no leading dot, ASCII only.

    >>> is_safe_filename("foo-1.0.tar.gz"), is_safe_filename("../x.whl"), is_safe_filename(".whl")
    (True, False, False)
    """
    return (
        len(filename) <= MAX_FILENAME_LENGTH
        and _FILENAME_CHARS.fullmatch(filename) is not None
        and filename[0].isalnum()
        and ".." not in filename
        and any(filename.endswith(suffix) for suffix in DIST_SUFFIXES)
    )


@dataclass(frozen=True)
class DistFilename:
    """What a distribution filename says (PEP 427 wheels, PEP 625 sdists)."""

    filename: str
    #: Normalized project name (PEP 503).
    project: NormalizedName
    #: The version as written in the filename (PEP 440).
    version: str
    #: "bdist_wheel" or "sdist", as twine sends in ``filetype``.
    filetype: str


def parse_filename(filename: str) -> DistFilename:
    """Parse a wheel or sdist filename strictly, as ``packaging.utils`` does.

    >>> parse_filename("Foo.Bar_baz-1.0-py3-none-any.whl").project
    'foo-bar-baz'
    >>> parse_filename("foo-bar-2.0rc1.tar.gz").version
    '2.0rc1'
    """
    if not is_safe_filename(filename):
        raise InvalidFilename(f"invalid distribution filename: {filename!r}")
    if filename.endswith(".whl"):
        return _parse_wheel(filename)
    for suffix in (".tar.gz", ".zip"):
        if filename.endswith(suffix):
            return _parse_sdist(filename, suffix)
    raise InvalidFilename(f"not a wheel or sdist (.whl, .tar.gz, .zip): {filename!r}")


def _parse_wheel(filename: str) -> DistFilename:
    parts = filename[: -len(".whl")].split("-")
    if len(parts) not in (5, 6):
        raise InvalidFilename(f"a wheel name has 5 or 6 dash-separated parts: {filename!r}")
    name_part, version = parts[0], parts[1]
    if "__" in name_part or _WHEEL_NAME_PART.fullmatch(name_part) is None:
        raise InvalidFilename(f"invalid project name in wheel filename: {filename!r}")
    if not is_valid_version(version):
        raise InvalidFilename(f"invalid version {version!r} in wheel filename: {filename!r}")
    if len(parts) == 6 and _BUILD_TAG.fullmatch(parts[2]) is None:
        raise InvalidFilename(f"a build tag starts with a digit: {filename!r}")
    if any(_TAG.fullmatch(tag) is None for tag in parts[-3:]):
        raise InvalidFilename(f"invalid compatibility tag in wheel filename: {filename!r}")
    return DistFilename(filename, normalize(name_part), version, "bdist_wheel")


def _parse_sdist(filename: str, suffix: str) -> DistFilename:
    name_part, dash, version = filename[: -len(suffix)].rpartition("-")
    if not dash or not is_valid_project_name(name_part):
        raise InvalidFilename(f"invalid project name in sdist filename: {filename!r}")
    if not is_valid_version(version):
        raise InvalidFilename(f"invalid version {version!r} in sdist filename: {filename!r}")
    return DistFilename(filename, normalize(name_part), version, "sdist")


def version_of(filename: str) -> str | None:
    """The version a listed file carries, or None when its name does not parse (legacy files)."""
    try:
        return parse_filename(filename).version
    except InvalidFilename:
        return _legacy_version(filename)


def _legacy_version(filename: str) -> str | None:
    # Eggs and old sdist archives: "name-version[-pyX.Y...].suffix"; list them without a version
    # unless the part after the last dash of the stem (before any python tag) is a PEP 440 version.
    for suffix in DIST_SUFFIXES:
        if filename.endswith(suffix):
            stem = filename[: -len(suffix)]
            parts = stem.split("-")
            if len(parts) >= 2:
                candidate = parts[1] if suffix == ".egg" else parts[-1]
                if is_valid_version(candidate):
                    return candidate
    return None


_PRE_LETTERS = {
    "a": "a",
    "alpha": "a",
    "b": "b",
    "beta": "b",
    "c": "rc",
    "rc": "rc",
    "pre": "rc",
    "preview": "rc",
}
_LETTERS_AND_NUMBER = re.compile(r"[-_.]?([a-z]+)?[-_.]?([0-9]*)")


def canonical_version(version: str) -> str:
    """A PEP 440 version in a form where equal versions compare equal as strings.

    Like ``packaging.utils.canonicalize_version``: ``1.0`` and ``1.0.0`` are the same version.

    >>> canonical_version("V1.0.0-ALPHA.1"), canonical_version("1.0")
    ('1a1', '1')
    """
    match = _VERSION.fullmatch(version.strip())
    if match is None:
        raise ValueError(f"not a PEP 440 version: {version!r}")
    release = [int(part) for part in match["release"].split(".")]
    while len(release) > 1 and release[-1] == 0:
        release.pop()
    text = ".".join(map(str, release))
    if match["epoch"] and int(match["epoch"]):
        text = f"{int(match['epoch'])}!{text}"
    if match["pre"]:
        letters, number = _letters_and_number(match["pre"])
        text += f"{_PRE_LETTERS[letters]}{number}"
    if match["post"]:
        text += f".post{_letters_and_number(match['post'])[1]}"
    if match["dev"]:
        text += f".dev{_letters_and_number(match['dev'])[1]}"
    if match["local"]:
        parts = re.split(r"[-_.]", match["local"].lower())
        text += "+" + ".".join(str(int(part)) if part.isdigit() else part for part in parts)
    return text


def _letters_and_number(part: str) -> tuple[str, int]:
    match = _LETTERS_AND_NUMBER.fullmatch(part.lower())
    assert match is not None  # the version pattern already matched this part
    return match[1] or "", int(match[2] or 0)
