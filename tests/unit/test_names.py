"""Names and filenames, with ``packaging`` as the oracle (the Lambda keeps its own small copy)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from handlers.names import (
    InvalidFilename,
    is_safe_filename,
    is_valid_project_name,
    is_valid_version,
    normalize,
    parse_filename,
    version_of,
)

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
]


@pytest.mark.parametrize(("filename", "project", "version"), VALID_FILENAMES)
def test_parse_valid_filenames_like_packaging(filename: str, project: str, version: str) -> None:
    parsed = parse_filename(filename)
    assert parsed.project == project
    assert parsed.version == version
    if filename.endswith(".whl"):
        name, oracle_version, _, _ = parse_wheel_filename(filename)
        assert parsed.filetype == "bdist_wheel"
    else:
        name, oracle_version = parse_sdist_filename(filename)
        assert parsed.filetype == "sdist"
    assert str(parsed.project) == str(name)
    assert Version(parsed.version) == oracle_version


@pytest.mark.parametrize("filename", INVALID_FILENAMES)
def test_invalid_filenames_are_refused(filename: str) -> None:
    with pytest.raises(InvalidFilename):
        parse_filename(filename)


@pytest.mark.parametrize(
    ("name", "normalized"),
    [
        ("Foo.Bar_baz", "foo-bar-baz"),
        ("ZOPE.interface", "zope-interface"),
        ("a__b--c..d", "a-b-c-d"),
        ("x", "x"),
    ],
)
def test_normalize(name: str, normalized: str) -> None:
    assert str(normalize(name)) == normalized == str(canonicalize_name(name))


@given(st.text(alphabet="abcXYZ019._-", min_size=1, max_size=30))
def test_normalize_agrees_with_packaging(name: str) -> None:
    assert str(normalize(name)) == str(canonicalize_name(name))


@given(st.text(max_size=40))
def test_filename_parser_never_raises_anything_else(text: str) -> None:
    try:
        parsed = parse_filename(text)
    except InvalidFilename:
        return
    assert is_safe_filename(parsed.filename)


@given(
    st.from_regex(
        r"[0-9]{1,3}(\.[0-9]{1,3}){0,3}((a|b|rc)[0-9])?(\.post[0-9])?(\.dev[0-9])?(\+[a-z0-9]{1,4})?",
        fullmatch=True,
    )
)
def test_versions_agree_with_packaging(version: str) -> None:
    assert is_valid_version(version)
    Version(version)


@pytest.mark.parametrize("version", ["1.0-", "one", "1..0", "1.0+", "1.0+local_", ""])
def test_invalid_versions(version: str) -> None:
    assert not is_valid_version(version)
    with pytest.raises(InvalidVersion):
        Version(version)


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("requests", True),
        ("Foo.Bar_baz", True),
        ("a", True),
        ("-a", False),
        ("a-", False),
        ("a/b", False),
        ("", False),
        ("ä", False),
    ],
)
def test_project_names(name: str, valid: bool) -> None:
    assert is_valid_project_name(name) is valid


def test_legacy_files_are_listed_with_a_version_when_one_can_be_read() -> None:
    assert version_of("foo-1.0-py2.7.egg") == "1.0"
    assert version_of("foo-1.0.tar.bz2") == "1.0"
    assert version_of("weird.tgz") is None
    with pytest.raises((InvalidWheelFilename, InvalidSdistFilename)):
        parse_sdist_filename("weird.tgz")
