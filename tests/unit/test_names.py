"""Project names and listed filenames, with ``packaging`` as the oracle (page reads keep their own copy)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
)

from handlers.names import is_valid_project_name, normalize, version_of


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
