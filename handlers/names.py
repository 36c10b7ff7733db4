"""Project names and listed filenames: normalization and the checks that guard paths (pure).

Page reads keep this small copy of ``packaging``'s name rules (PEP 503 normalization, PEP 508 names),
one regex each, so their cold start stays light; the tests hold it against ``packaging``. Uploads
parse filenames with ``packaging`` itself (:mod:`handlers.archives.distributions`). Every check that guards a
path runs before normalization: normalizing is never the only safety check.
"""

from __future__ import annotations

import re
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


def version_of(filename: str) -> str | None:
    """The version a listed file carries (PEP 700 ``versions``), or None when its name has none.

    Wheels and sdists are parsed by ``packaging`` (imported here: the reindexer renders versions,
    page reads never do); eggs and old archives by their last dash-separated part.

    >>> version_of("foo-1.0-py3-none-any.whl"), version_of("foo-2.0rc1.tar.gz"), version_of("foo.tar.gz")
    ('1.0', '2.0rc1', None)
    """
    from packaging.utils import (
        InvalidSdistFilename,
        InvalidWheelFilename,
        parse_sdist_filename,
        parse_wheel_filename,
    )
    from packaging.version import InvalidVersion, Version

    try:
        if filename.endswith(".whl"):
            parse_wheel_filename(filename)
            return filename.split("-")[1]
        if filename.endswith((".tar.gz", ".zip")):
            parse_sdist_filename(filename)
            return filename.rsplit("-", 1)[1].removesuffix(".tar.gz").removesuffix(".zip")
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
        pass
    # Eggs and old sdist archives: "name-version[-pyX.Y...].suffix".
    for suffix in DIST_SUFFIXES:
        if filename.endswith(suffix):
            parts = filename[: -len(suffix)].split("-")
            if len(parts) >= 2:
                candidate = parts[1] if suffix == ".egg" else parts[-1]
                try:
                    Version(candidate)
                except InvalidVersion:
                    return None
                return candidate
    return None
