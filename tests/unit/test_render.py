"""Rendered pages read back by pypi-simple (a client written by others): HTML and JSON agree."""

from __future__ import annotations

import json

import pytest
from pypi_simple import IndexPage, ProjectPage

from handlers.names import NormalizedName
from handlers.simple import pages
from handlers.simple.model import FileFacts, ProjectDetail
from handlers.simple.render import file_url, project_html, project_json, root_html, root_json

BASE = "https://pypi.example.com/simple/foo-bar/"
SHA = "a" * 64
META = "b" * 64


def facts(filename: str, folder: str = "foo-bar", **kwargs: object) -> FileFacts:
    defaults: dict[str, object] = {
        "etag": "0123abcd",
        "size": 1234,
        "sha256": SHA,
        "upload_time": "2024-01-02T03:04:05.000000Z",
    }
    defaults.update(kwargs)
    return FileFacts(filename=filename, key=f"{folder}/{filename}", **defaults)  # type: ignore[arg-type]


DETAIL = ProjectDetail(
    NormalizedName("foo-bar"),
    (
        facts("Foo.Bar-0.9.tar.gz", folder="Foo.Bar", requires_python=">=3.8,<4", yanked=""),
        facts("foo_bar-1.0+local-py3-none-any.whl", metadata_sha256=META, requires_python='<3.14,>"3.9"&'),
        facts("foo_bar-1.1-py3-none-any.whl", yanked="broken: <b>use</b> 1.2 & more"),
    ),
)


def parsed_pages() -> tuple[ProjectPage, ProjectPage]:
    html = ProjectPage.from_html("foo-bar", project_html(DETAIL).decode(), base_url=BASE)
    js = ProjectPage.from_json_data(json.loads(project_json(DETAIL)), base_url=BASE)
    return html, js


def test_html_and_json_agree_through_pypi_simple() -> None:
    html, js = parsed_pages()
    assert html.repository_version == js.repository_version == "1.4"
    assert len(html.packages) == len(js.packages) == 3
    for from_html, from_json in zip(html.packages, js.packages, strict=True):
        assert from_html.filename == from_json.filename
        assert from_html.url == from_json.url
        assert from_html.digests == from_json.digests == {"sha256": SHA}
        assert from_html.requires_python == from_json.requires_python
        assert from_html.is_yanked == from_json.is_yanked
        assert (from_html.yanked_reason or None) == (from_json.yanked_reason or None)
        assert bool(from_html.has_metadata) == bool(from_json.has_metadata)  # HTML says None for "no"
    assert js.versions == ["0.9", "1.0+local", "1.1"]
    assert [p.size for p in js.packages] == [1234] * 3


def test_values_round_trip_unharmed_by_escaping() -> None:
    html, _ = parsed_pages()
    by_name = {p.filename: p for p in html.packages}
    assert by_name["foo_bar-1.0+local-py3-none-any.whl"].requires_python == '<3.14,>"3.9"&'
    assert by_name["foo_bar-1.1-py3-none-any.whl"].yanked_reason == "broken: <b>use</b> 1.2 & more"
    assert by_name["Foo.Bar-0.9.tar.gz"].is_yanked
    assert by_name["foo_bar-1.0+local-py3-none-any.whl"].metadata_digests == {"sha256": META}
    text = project_html(DETAIL).decode()
    assert "<b>" not in text and '"3.9"' not in text


def test_links_are_relative_and_point_at_the_real_folder() -> None:
    html, _ = parsed_pages()
    urls = [p.url for p in html.packages]
    assert urls[0] == "https://pypi.example.com/simple/Foo.Bar/Foo.Bar-0.9.tar.gz"
    assert urls[1] == "https://pypi.example.com/simple/foo-bar/foo_bar-1.0+local-py3-none-any.whl"
    assert file_url(DETAIL.name, DETAIL.files[1]) == "foo_bar-1.0+local-py3-none-any.whl"


def test_root_pages_agree() -> None:
    names = [NormalizedName("a"), NormalizedName("foo-bar")]
    html = IndexPage.from_html(root_html(names).decode())
    js = IndexPage.from_json_data(json.loads(root_json(names)))
    assert html.projects == js.projects == ["a", "foo-bar"]
    assert html.repository_version == js.repository_version == "1.4"


def test_stored_page_packs_both_formats() -> None:
    body, meta = pages.pack(b"<html>", b'{"x":1}')
    assert pages.inflate(pages.member(body, meta, json=True)) == b'{"x":1}'
    import gzip

    assert gzip.decompress(pages.member(body, meta, json=False)) == b"<html>"
    assert pages.pack(b"<html>", b'{"x":1}') == (body, meta)  # deterministic
    with pytest.raises(ValueError, match="html-length"):
        pages.member(body, {}, json=True)


def test_facts_refuse_unsafe_names() -> None:
    with pytest.raises(ValueError, match="unsafe"):
        facts("../x.whl")
    with pytest.raises(ValueError, match="sha256"):
        facts("x-1.0.tar.gz", sha256="nothex")
