"""What an upload must be (``handlers.archives.distributions``): filenames, twins, core metadata fields.

``packaging`` parses; these tables hold the index's own rules on top of it (names that normalize to a
project, one release file per version and tag, field-by-field metadata checks).
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from packaging.utils import parse_sdist_filename, parse_wheel_filename
from packaging.version import Version

from handlers.archives.distributions import (
    Refused,
    check_metadata_fields,
    check_wheel_dist_info,
    find_twin,
    parse_filename,
)
from handlers.names import is_safe_filename

# Real-world filenames, odd ones included.
VALID_FILENAMES = [
    ("requests-2.32.3-py3-none-any.whl", "requests", "2.32.3"),
    (
        "zope.interface-6.4.post2-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "zope-interface",
        "6.4.post2",
    ),
    ("Django-5.0.6-py3-none-any.whl", "django", "5.0.6"),
    ("typing_extensions-4.12.2-py3-none-any.whl", "typing-extensions", "4.12.2"),
    ("numpy-2.0.0-cp311-cp311-win_amd64.whl", "numpy", "2.0.0"),
    ("pip-24.1-1-py3-none-any.whl", "pip", "24.1"),  # build tag
    ("foo_bar-1.0-2b-py2.py3-none-any.whl", "foo-bar", "1.0"),  # build tag with letters
    ("pkg-1.0+local.7-py3-none-any.whl", "pkg", "1.0+local.7"),  # local version
    ("pkg-1!2.0-py3-none-any.whl", "pkg", "1!2.0"),  # epoch
    ("pkg-1.0.dev3-py3-none-any.whl", "pkg", "1.0.dev3"),
    ("pkg-2.0rc1-py3-none-any.whl", "pkg", "2.0rc1"),
    ("requests-2.32.3.tar.gz", "requests", "2.32.3"),
    ("foo-bar-1.0.tar.gz", "foo-bar", "1.0"),  # pre-PEP 625 sdist: dashes in the name
    ("foo_bar-1.0.tar.gz", "foo-bar", "1.0"),  # PEP 625
    ("Foo.Bar-1.0b2.zip", "foo-bar", "1.0b2"),
    ("pkg-1.0.post1.tar.gz", "pkg", "1.0.post1"),
]

INVALID_FILENAMES = [
    "requests-2.32.3.whl",  # too few parts
    "a-b-c-d-e-f-g.whl",  # too many parts
    "foo__bar-1.0-py3-none-any.whl",  # double underscore in a wheel name
    "foo-notaversion-py3-none-any.whl",  # version
    "foo-1.0-x1-py3-none-any.whl",  # build tag must start with a digit
    "foo-1.0.exe",  # not an archive we serve
    "foo.tar.gz",  # no version
    "../foo-1.0.tar.gz",  # path traversal
    "foo/bar-1.0.tar.gz",
    "foo\\bar-1.0.tar.gz",
    "foo%2fbar-1.0.tar.gz",
    "föo-1.0.tar.gz",  # non-ASCII
    "foo-1.0.tar.gz\x00",
    ".foo-1.0.tar.gz",  # hidden
    "foo-1.0.egg",  # listed when found, never uploaded
    "-1.0.tar.gz",  # empty name
    "orphan.-1.0-py3-none-any.whl",  # name part normalizes to "orphan-": a folder no page lists
    "orphan_-1.0-py3-none-any.whl",
    "orphan.-1.0.tar.gz",
    "foo-1.0.tar.bz2",  # listed when found, never uploaded
]


@pytest.mark.parametrize(("filename", "project", "version"), VALID_FILENAMES)
def test_parse_valid_filenames_like_packaging(filename: str, project: str, version: str) -> None:
    parsed = parse_filename(filename)
    assert parsed.project == project
    assert parsed.version == Version(version)
    if filename.endswith(".whl"):
        name, oracle_version, _, _ = parse_wheel_filename(filename)
        assert parsed.filetype == "bdist_wheel"
    else:
        name, oracle_version = parse_sdist_filename(filename)
        assert parsed.filetype == "sdist"
    assert str(parsed.project) == str(name)
    assert parsed.version == oracle_version


@pytest.mark.parametrize("filename", INVALID_FILENAMES)
def test_invalid_filenames_are_refused(filename: str) -> None:
    with pytest.raises(Refused):
        parse_filename(filename)


@given(st.text(max_size=40))
def test_filename_parser_never_raises_anything_else(text: str) -> None:
    try:
        parsed = parse_filename(text)
    except Refused:
        return
    assert is_safe_filename(parsed.filename)


PUBLISHED = ["victim-1.0-py3-none-any.whl", "victim-1.0.tar.gz"]


@pytest.mark.parametrize(
    "newcomer",
    [
        "Victim-1.0-py3-none-any.whl",  # another spelling of the name
        "VICTIM-1.0-py3-none-any.whl",
        "victim-1.0.0-py3-none-any.whl",  # PEP 440: 1.0 == 1.0.0 == v1.0 == 01.0
        "victim-v1.0-py3-none-any.whl",
        "victim-01.0-py3-none-any.whl",
        "victim-1.0-py2.py3-none-any.whl",  # expands to py3-none-any, which is published
        "victim-1.0.zip",  # one sdist per release, whatever its archive format
        "Victim-1.0.0.tar.gz",
    ],
)
def test_a_twin_of_a_published_file_is_found(newcomer: str) -> None:
    twin = find_twin(parse_filename(newcomer), PUBLISHED)
    assert twin in PUBLISHED


@pytest.mark.parametrize(
    "newcomer",
    [
        "victim-1.0-py3-none-any.whl",  # the very same name: decided by its bytes, not here
        "victim-1.0-1-py3-none-any.whl",  # a build tag: the wheel spec's way to fix a broken build
        "victim-1.0-py2-none-any.whl",  # no tag in common
        "victim-1.0-cp312-cp312-manylinux_2_17_x86_64.whl",
        "victim-1.0.1-py3-none-any.whl",  # another version
        "victim-1.0.post1.tar.gz",
        "other-1.0-py3-none-any.whl",  # another project
    ],
)
def test_files_that_are_not_twins_pass(newcomer: str) -> None:
    assert find_twin(parse_filename(newcomer), PUBLISHED) is None


def test_legacy_published_files_never_block_an_upload() -> None:
    assert find_twin(parse_filename("victim-1.0.tar.gz"), ["victim-1.0-py2.7.egg", "weird.tgz"]) is None


BASE = {"metadata-version": ["2.1"], "name": ["x"], "version": ["1"]}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"requires-dist": ["foo >= 1 ;; bad"]}, "Requires-Dist"),
        ({"requires-dist": ["not a name!"]}, "Requires-Dist"),
        ({"requires-python": [">=3.8,<<4"]}, "Requires-Python"),
        ({"provides-extra": ["Foo.Bar", "foo-bar"]}, "collides"),
        ({"provides-extra": ["-bad"]}, "Provides-Extra"),
        ({"metadata-version": ["3.0"]}, "Metadata-Version"),
        ({"metadata-version": []}, "Metadata-Version"),
        ({"dynamic": ["Version"]}, "Dynamic"),
        ({"dynamic": ["name"]}, "Dynamic"),
    ],
)
def test_malformed_fields_are_refused(fields: dict[str, list[str]], message: str) -> None:
    with pytest.raises(Refused, match=message):
        check_metadata_fields({**BASE, **fields})


@pytest.mark.parametrize("version", ["1.0", "1.1", "1.2", "2.0", "2.1", "2.2", "2.3", "2.4", "2.5"])
def test_every_metadata_version_is_accepted(version: str) -> None:
    check_metadata_fields({**BASE, "metadata-version": [version]})


def test_fields_newer_than_the_declared_version_are_accepted() -> None:
    # Real files: License-Expression and License-File under Metadata-Version 2.1 (Django, attrs).
    check_metadata_fields(
        {
            **BASE,
            "license-expression": ["MIT"],
            "license-file": ["LICENSE"],
            "requires-dist": ["asgiref>=3.7; python_version >= '3.10'", "tzdata; sys_platform == 'win32'"],
            "provides-extra": ["argon2", "bcrypt"],
            "dynamic": ["Requires-Dist"],
        }
    )


def test_a_wheel_holds_a_dist_info_that_matches_its_name() -> None:
    dist = parse_filename("Foo.Bar-1.0-py3-none-any.whl")
    check_wheel_dist_info(dist, "foo_bar-1.0.dist-info", {"METADATA", "WHEEL", "RECORD"})
    check_wheel_dist_info(dist, "Foo.Bar-1.0.0.dist-info", {"METADATA", "WHEEL", "RECORD", "x"})
    with pytest.raises(Refused, match="does not match"):
        check_wheel_dist_info(dist, "other-1.0.dist-info", {"METADATA", "WHEEL", "RECORD"})
    with pytest.raises(Refused, match="does not match"):
        check_wheel_dist_info(dist, "foo_bar-2.0.dist-info", {"METADATA", "WHEEL", "RECORD"})
    with pytest.raises(Refused, match="RECORD"):
        check_wheel_dist_info(dist, "foo_bar-1.0.dist-info", {"METADATA", "WHEEL"})
