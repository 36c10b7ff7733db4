"""A view's HTML: a project (its newest version or one version), the list of projects, a 404 (pure).

Every value is escaped; the README arrives as HTML readme_renderer already sanitized. No inline
script or style anywhere: one stylesheet, one script, one icon, linked relatively so a view works
under any base path (``/project/`` on the dev server and on the custom domain).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from handlers.controls.rules import ProjectStatus

_SITE = "serverless-pypi"


class FileLike(Protocol):
    """What a view shows of a file (``handlers.simple.model.FileFacts`` is one)."""

    @property
    def filename(self) -> str: ...
    @property
    def size(self) -> int: ...
    @property
    def sha256(self) -> str: ...
    @property
    def upload_time(self) -> str: ...
    @property
    def requires_python(self) -> str | None: ...
    @property
    def yanked(self) -> str | None: ...
    @property
    def version(self) -> str | None: ...


@dataclass(frozen=True)
class Described:
    """What a version's core metadata says, ready to show."""

    #: ``Summary``.
    summary: str = ""
    #: The description, rendered and sanitized (empty: none).
    readme_html: str = ""


@dataclass(frozen=True)
class Release:
    """One version in a project's history."""

    version: str
    #: The earliest upload time of its files (ISO 8601).
    uploaded: str
    #: None when any file is not yanked; else the reason of the first ("" for none given).
    yanked: str | None


@dataclass(frozen=True)
class Listed:
    """One project on ``/project/``: its newest version that is not yanked, and its summary."""

    name: str
    version: str = ""
    summary: str = ""


def releases(files: Iterable[FileLike], order: Sequence[str]) -> list[Release]:
    """The versions of ``files``, in ``order`` (newest first), each with its date and yank state."""
    by_version: dict[str, list[FileLike]] = {}
    for f in files:
        if f.version:
            by_version.setdefault(f.version, []).append(f)
    found = []
    for version in order:
        group = by_version.get(version)
        if group:
            yanked = None if any(f.yanked is None for f in group) else group[0].yanked
            found.append(Release(version, min(f.upload_time for f in group), yanked))
    return found


def _e(value: str) -> str:
    return html.escape(value, quote=True)


def _document(title: str, depth: int, body: str) -> bytes:
    """A whole page; ``depth`` is how far below ``/project/`` it sits (for the relative links)."""
    up = "../" * depth
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title>"
        f'<link rel="stylesheet" href="{up}_static/site.css">'
        f'<link rel="icon" href="{up}_static/favicon.svg" type="image/svg+xml">'
        f'<script src="{up}_static/site.js" defer></script></head>\n<body>'
        f'<header><a href="{up}">All projects</a> · {_SITE}</header>\n<main>{body}</main>\n</body></html>\n'
    ).encode()


def _size(size: int) -> str:
    """Bytes for people: ``1.5 MB``, ``812 bytes``."""
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{size} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")


def _day(moment: str) -> str:
    return moment[:10]


def project_view(
    project: str,
    version: str | None,
    files: Sequence[FileLike],
    history: Sequence[Release],
    status: ProjectStatus,
    described: Described,
    *,
    latest: bool,
) -> bytes:
    """A project's view: its newest version that is not yanked (``latest``) or one version.

    ``files`` are the version's files, ``history`` every version newest first. A quarantined project
    (or one without a version to show) gets its status and no files.
    """
    depth = 1 if latest else 2
    up = "../" * depth
    offers = status.status.offers_files
    title = f"{project} {version}" if version and offers else project
    parts = [f'<h1 id="name">{_e(project)}']
    if version and offers:
        parts.append(f' <span class="version" id="version">{_e(version)}</span>')
    parts.append("</h1>")
    if described.summary and offers:
        parts.append(f'<p class="summary" id="summary">{_e(described.summary)}</p>')
    if status.status.value != "active":
        reason = f": {status.reason}" if status.reason else ""
        parts.append(
            f'<p class="notice" id="status">Project status: <strong>{_e(status.status.value)}</strong>'
            f"{_e(reason)}</p>"
        )
    release = next((r for r in history if r.version == version), None)
    if release is not None and release.yanked is not None and offers:
        reason = f" Reason: {release.yanked}" if release.yanked else ""
        parts.append(f'<p class="notice yanked" id="yanked">This version was yanked.{_e(reason)}</p>')
    if offers and version:
        parts.append(_install(project, version))
        requires = next((f.requires_python for f in files if f.requires_python), None)
        if requires:
            parts.append(f'<p class="meta" id="requires-python">Requires: Python {_e(requires)}</p>')
    parts.append(f'<p class="meta"><a href="{up}../simple/{_e(project)}/">Simple API page</a></p>')
    if offers and described.readme_html:
        parts.append(
            '<section id="description"><h2>Description</h2>'
            f'<div class="readme">{described.readme_html}</div></section>'
        )
    if offers and files:
        parts.append(_files(files))
    if offers and history:
        parts.append(_history(project, history, up))
    return _document(f"{title} · {_SITE}", depth, "".join(parts))


def _install(project: str, version: str) -> str:
    spec = _e(f"{project}=={version}")
    url = '<span class="index-url">/simple/</span>'
    return (
        '<section class="install" id="install"><h2>Install</h2>'
        f'<pre><code id="install-pip">pip install --index-url {url} {spec}</code></pre>'
        f'<pre><code id="install-uv">uv pip install --index-url {url} {spec}</code></pre></section>'
    )


def _files(files: Sequence[FileLike]) -> str:
    rows = []
    for f in files:
        yanked = ' <span class="yanked">yanked</span>' if f.yanked is not None else ""
        rows.append(
            f'<li><strong class="filename">{_e(f.filename)}</strong>{yanked}<br>'
            f'<span class="meta">{_e(_size(f.size))} · uploaded <time datetime="{_e(f.upload_time)}">'
            f"{_e(_day(f.upload_time))}</time></span><br>"
            f'<span class="meta">sha256 </span><code class="sha256">{_e(f.sha256)}</code></li>'
        )
    return f'<section id="files"><h2>Files</h2><ul class="files">{"".join(rows)}</ul></section>'


def _history(project: str, history: Sequence[Release], up: str) -> str:
    rows = []
    for r in history:
        yanked = ' <span class="yanked">yanked</span>' if r.yanked is not None else ""
        rows.append(
            f'<li><a href="{up}{_e(project)}/{_e(r.version)}/">{_e(r.version)}</a>{yanked} '
            f'<span class="meta"><time datetime="{_e(r.uploaded)}">{_e(_day(r.uploaded))}</time></span></li>'
        )
    return f'<section id="history"><h2>Release history</h2><ul class="history">{"".join(rows)}</ul></section>'


def list_view(projects: Iterable[Listed]) -> bytes:
    """``/project/``: every project, its newest version and summary, and the filter."""
    rows = []
    for p in projects:
        version = f' <span class="version">{_e(p.version)}</span>' if p.version else ""
        summary = f'<br><span class="meta">{_e(p.summary)}</span>' if p.summary else ""
        rows.append(
            f'<li data-name="{_e(p.name)}"><a href="{_e(p.name)}/">{_e(p.name)}</a>{version}{summary}</li>'
        )
    body = (
        '<h1>Projects</h1><p><input type="search" id="filter" placeholder="Filter projects by name"'
        ' aria-label="Filter projects by name" autocomplete="off"></p>'
        f'<p class="count" id="count">{len(rows)} projects</p>'
        f'<ul class="projects" id="projects">{"".join(rows)}</ul>'
    )
    return _document(f"Projects · {_SITE}", 0, body)


def not_found_view(what: str, depth: int) -> bytes:
    """The 404 page: ``what`` is not here (never sent to another index)."""
    body = f'<h1>Not found</h1><p id="not-found">{_e(what)} is not in this index.</p>'
    return _document(f"Not found · {_SITE}", depth, body)
