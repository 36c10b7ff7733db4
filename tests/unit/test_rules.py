"""Small rules a change could break without any other test noticing (each once went unnoticed)."""

from __future__ import annotations

import pytest

from handlers.aws.notifications import Change, Kind
from handlers.config import Settings
from handlers.names import NormalizedName
from handlers.simple.catalog import listed_files
from handlers.simple.model import FileFacts
from handlers.web.http import NotFound, Request

SHA = "a" * 64


def facts(key: str, sha: str = SHA) -> FileFacts:
    return FileFacts(
        filename=key.split("/")[1], key=key, etag="e", size=1, sha256=sha, upload_time="2026-01-01T00:00:00Z"
    )


def test_the_normalized_folder_wins_when_two_hold_one_filename() -> None:
    files = {
        "Foo.Bar/foo_bar-1.0.tar.gz": facts("Foo.Bar/foo_bar-1.0.tar.gz", "b" * 64),
        "foo-bar/foo_bar-1.0.tar.gz": facts("foo-bar/foo_bar-1.0.tar.gz", "c" * 64),
        "Foo_Bar/foo_bar-2.0.tar.gz": facts("Foo_Bar/foo_bar-2.0.tar.gz"),
    }
    shown = listed_files(NormalizedName("foo-bar"), files)
    assert [f.key for f in shown] == ["foo-bar/foo_bar-1.0.tar.gz", "Foo_Bar/foo_bar-2.0.tar.gz"]
    # Without the normalized folder, the first key in byte order wins: the same page every time.
    del files["foo-bar/foo_bar-1.0.tar.gz"]
    files["Foo_Bar/foo_bar-1.0.tar.gz"] = facts("Foo_Bar/foo_bar-1.0.tar.gz", "d" * 64)
    assert listed_files(NormalizedName("foo-bar"), files)[0].key == "Foo.Bar/foo_bar-1.0.tar.gz"


@pytest.mark.parametrize(
    ("first", "second", "merged"),
    [
        # Two tag changes: the later one says all there is to read (the tags).
        (Change("k", Kind.TAGS), Change("k", Kind.TAGS, "e2", 5), Change("k", Kind.TAGS, "e2", 5)),
        # Anything else may have changed the bytes: read the key in full, whatever the events said.
        (Change("k", Kind.CREATED, "e1", 3), Change("k", Kind.TAGS), Change("k", Kind.UNKNOWN, None, 3)),
        (
            Change("k", Kind.CREATED, "e1", 3),
            Change("k", Kind.CREATED, "e2", 7),
            Change("k", Kind.UNKNOWN, None, 7),
        ),
        (Change("k", Kind.DELETED), Change("k", Kind.CREATED, "e2", 7), Change("k", Kind.UNKNOWN, None, 7)),
        (Change("k", Kind.TAGS), Change("k", Kind.DELETED), Change("k", Kind.UNKNOWN, None, None)),
    ],
)
def test_two_changes_of_one_key_merge_into_what_must_be_read(
    first: Change, second: Change, merged: Change
) -> None:
    assert first.merged_with(second) == merged


@pytest.mark.parametrize("path", ["/a/b/", "/a/b/c", "/a/b/c/"])
def test_paths_deeper_than_a_file_are_not_found(path: str) -> None:
    from handlers import app

    class NoStorage:  # a deeper path is refused before any S3 request
        def __getattr__(self, name: str) -> object:
            raise AssertionError(f"S3 was asked ({name}) for {path}")

    with pytest.raises(NotFound):
        app.route(Request("GET", path), Settings(bucket="b"), NoStorage())  # type: ignore[arg-type]
