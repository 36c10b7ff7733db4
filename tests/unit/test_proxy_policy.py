"""Issue 23: upstream pages read, filtered and rendered (pure)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from handlers.names import NormalizedName
from handlers.proxy import render
from handlers.proxy.model import UnreadablePage, UpstreamFile, UpstreamProject, parse_html, parse_json
from handlers.proxy.policy import Policy, parse_upload_time

NOW = datetime(2025, 6, 1, tzinfo=UTC)
BASE = "https://up.example/simple/demo/"


def file(version: str, when: str | None) -> UpstreamFile:
    name = f"demo-{version}-py3-none-any.whl"
    return UpstreamFile(name, f"https://files.example/{name}", {"sha256": "ab" * 32}, upload_time=when)


PROJECT = UpstreamProject(
    files=(
        file("1.0", "2025-01-01T00:00:00Z"),
        file("1.1", "2025-05-30T00:00:00.000000Z"),
        file("2.0", None),
    ),
    versions=("1.0", "1.1", "2.0", "3.0"),
)


def test_the_minimum_age_keeps_old_files_and_their_versions() -> None:
    kept = Policy(min_release_age_days=7).apply(PROJECT, NOW)
    assert [f.filename for f in kept.files] == ["demo-1.0-py3-none-any.whl"]
    assert kept.versions == ("1.0",)


def test_the_boundary_is_inclusive_and_zero_is_off() -> None:
    assert len(Policy(min_release_age_days=2).apply(PROJECT, NOW).files) == 2  # exactly 2 days old
    assert Policy().apply(PROJECT, NOW) is PROJECT  # versions as the upstream gave them, 3.0 included


def test_html_pages_get_versions_from_their_files() -> None:
    html = UpstreamProject(files=PROJECT.files)
    assert Policy().apply(html, NOW).versions == ("1.0", "1.1", "2.0")


def test_quarantine_and_unsafe_filenames() -> None:
    assert Policy().apply(UpstreamProject(PROJECT.files, status="quarantined"), NOW).files == ()
    odd = UpstreamProject((UpstreamFile("../x.whl", "https://x/"),), versions=())
    assert Policy().apply(odd, NOW).files == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-01-01T00:00:00Z", datetime(2025, 1, 1, tzinfo=UTC)),
        ("2025-01-01T00:00:00", datetime(2025, 1, 1, tzinfo=UTC)),  # naive: UTC
        ("yesterday", None),
        (None, None),
    ],
)
def test_upload_times(text: str | None, expected: datetime | None) -> None:
    assert parse_upload_time(text) == expected


def test_json_pages_keep_what_the_upstream_said() -> None:
    body = json.dumps(
        {
            "meta": {"api-version": "1.4"},
            "versions": ["1.0"],
            "project-status": {"status": "deprecated", "reason": "old"},
            "files": [
                {"filename": "demo-1.0.tar.gz", "url": "../../f/demo-1.0.tar.gz",
                 "hashes": {"sha256": "cd" * 32}, "core-metadata": True, "yanked": "bad",
                 "upload-time": "2025-01-01T00:00:00.1Z", "size": 3}
            ],
        }
    ).encode()  # fmt: skip
    project = parse_json(body, BASE)
    entry = json.loads(render.project_json(NormalizedName("demo"), project))["files"][0]
    assert entry == {
        "filename": "demo-1.0.tar.gz",
        "url": "https://up.example/f/demo-1.0.tar.gz",
        "hashes": {"sha256": "cd" * 32},
        "core-metadata": True,
        "yanked": "bad",
        "size": 3,
        "upload-time": "2025-01-01T00:00:00.1Z",
    }  # no dist-info-metadata, no requires-python: the upstream gave none
    html = render.project_html(NormalizedName("demo"), project).decode()
    assert 'data-core-metadata="true"' in html and "data-dist-info-metadata" not in html
    assert 'content="deprecated"' in html


@pytest.mark.parametrize("body", [b"[]", b"{}", b'{"meta": {"api-version": "2.0"}, "files": []}', b"\xff"])
def test_unreadable_json_pages(body: bytes) -> None:
    with pytest.raises(UnreadablePage):
        parse_json(body, BASE)


def test_html_pages_and_escaping() -> None:
    body = (
        b'<a href="/f/demo-1.0.tar.gz#sha256=' + b"ab" * 32 + b'" data-requires-python="&gt;=3.8" '
        b'data-yanked="" data-dist-info-metadata="sha256=12">demo-1.0.tar.gz</a>'
    )
    project = parse_html(body, BASE)
    (only,) = project.files
    assert only.url == "https://up.example/f/demo-1.0.tar.gz" and only.hashes == {"sha256": "ab" * 32}
    assert only.requires_python == ">=3.8" and only.yanked is True
    assert only.dist_info_metadata == {"sha256": "12"} and only.core_metadata is None
    html = render.project_html(NormalizedName("demo"), project).decode()
    assert 'data-requires-python="&gt;=3.8"' in html and 'data-yanked=""' in html
    hostile = UpstreamProject((UpstreamFile('a"><script>.whl', 'https://x/"><script>'),))
    assert "<script>" not in render.project_html(NormalizedName("demo"), hostile).decode()
