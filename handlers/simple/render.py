"""Pages in both formats: PEP 503/629 HTML and PEP 691 JSON (api-version 1.1, PEP 700 fields) (pure).

One function per format and page kind; :mod:`handlers.simple.pages` packs both formats of a page into the
one object a read serves, picking the member by :class:`~handlers.web.negotiation.Format`. Every
interpolated value is escaped. Links are relative, so the index works under a stage path, a custom
domain and a base-path mapping. Pages are rendered by the reindexer, never while serving a request.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from html import escape
from typing import Any
from urllib.parse import quote

from handlers.controls.rules import ACTIVE
from handlers.names import NormalizedName
from handlers.simple.model import FileFacts, ProjectDetail, yanked_value

#: 1.4: PEP 792's project status (with PEP 700's fields of 1.1).
API_VERSION = "1.4"
_META_VERSION = f'<meta name="pypi:repository-version" content="{API_VERSION}">'


def file_url(project: NormalizedName, facts: FileFacts) -> str:
    """Relative URL of a file, from its project page.

    Files in the normalized folder link as ``<filename>``; files in another spelling of the folder
    as ``../<folder>/<filename>``, so a download redirect never needs an S3 request to find the key.
    """
    filename = quote(facts.filename, safe="+!")
    if facts.folder == project:
        return filename
    return f"../{quote(facts.folder)}/{filename}"


def provenance_url(project: str, facts: FileFacts) -> str | None:
    """PEP 740 ``provenance``: the Integrity API's URL for the file, relative to its project page
    (``/simple/<project>/`` -> ``/integrity/...`` at the host's root), None for a file without.

    >>> facts = FileFacts("a-1.0.tar.gz", "a/a-1.0.tar.gz", "e", 1, "0" * 64, "t", provenance_sha256="1" * 64)
    >>> provenance_url("a", facts)
    '../../integrity/a/1.0/a-1.0.tar.gz/provenance'
    """
    version = facts.version
    if facts.provenance_sha256 is None or version is None:
        return None
    return f"../../integrity/{quote(project)}/{quote(version)}/{quote(facts.filename, safe='+!')}/provenance"


def project_html(detail: ProjectDetail) -> bytes:
    """PEP 503 project page with PEP 592/629/658/714 attributes."""
    name = escape(detail.name)
    lines = [
        "<!DOCTYPE html>",
        "<html>",
        "<head>",
        _META_VERSION,
        *_status_meta(detail),
        f"<title>Links for {name}</title>",
        "</head>",
        "<body>",
        f"<h1>Links for {name}</h1>",
    ]
    for facts in detail.files:
        attributes = [f'href="{escape(file_url(detail.name, facts))}#sha256={facts.sha256}"']
        if facts.requires_python is not None:
            attributes.append(f'data-requires-python="{escape(facts.requires_python)}"')
        if facts.metadata_sha256 is not None:
            digest = f"sha256={facts.metadata_sha256}"
            attributes.append(f'data-dist-info-metadata="{digest}"')
            attributes.append(f'data-core-metadata="{digest}"')
        if facts.yanked is not None:
            attributes.append(f'data-yanked="{escape(facts.yanked)}"')
        provenance = provenance_url(detail.name, facts)
        if provenance is not None:
            attributes.append(f'data-provenance="{escape(provenance)}"')
        lines.append(f"<a {' '.join(attributes)}>{escape(facts.filename)}</a><br>")
    lines += ["</body>", "</html>", ""]
    return "\n".join(lines).encode("utf-8")


def project_json(detail: ProjectDetail) -> bytes:
    """PEP 691 project page (api-version 1.1 with PEP 700's versions, size and upload-time).

    Keys starting with ``_`` are private to this server (PEP 691 reserves them so): they let the
    reindexer read its own page back as state.
    """
    files: list[dict[str, Any]] = []
    for facts in detail.files:
        metadata: bool | dict[str, str] = (
            {"sha256": facts.metadata_sha256} if facts.metadata_sha256 is not None else False
        )
        entry: dict[str, Any] = {
            "filename": facts.filename,
            "url": file_url(detail.name, facts),
            "hashes": {"sha256": facts.sha256},
            "requires-python": facts.requires_python,
            "core-metadata": metadata,
            "dist-info-metadata": metadata,
            "yanked": yanked_value(facts.yanked),
            "size": facts.size,
            "upload-time": facts.upload_time,
            "provenance": provenance_url(detail.name, facts),
            "_key": facts.key,
            "_etag": facts.etag,
        }
        if facts.provenance_sha256 is not None:
            entry["_provenance"] = facts.provenance_sha256
        files.append(entry)
    page: dict[str, Any] = {
        "meta": {"api-version": API_VERSION},
        "name": detail.name,
        "versions": detail.versions,
        "files": files,
    }
    if detail.status != ACTIVE:
        page["project-status"] = {"status": detail.status.status.value, "reason": detail.status.reason}
    return _dump(page)


def _status_meta(detail: ProjectDetail) -> list[str]:
    """PEP 792's markers; ``active`` without a reason is left implicit."""
    if detail.status == ACTIVE:
        return []
    lines = [f'<meta name="pypi:project-status" content="{detail.status.status.value}">']
    if detail.status.reason:
        lines.append(f'<meta name="pypi:project-status-reason" content="{escape(detail.status.reason)}">')
    return lines


def root_html(projects: Iterable[NormalizedName]) -> bytes:
    """PEP 503 root index: one link per project, relative."""
    lines = [
        "<!DOCTYPE html>",
        "<html>",
        "<head>",
        _META_VERSION,
        "<title>Simple index</title>",
        "</head>",
        "<body>",
    ]
    lines += [f'<a href="{escape(quote(name))}/">{escape(name)}</a><br>' for name in projects]
    lines += ["</body>", "</html>", ""]
    return "\n".join(lines).encode("utf-8")


def root_json(projects: Iterable[NormalizedName]) -> bytes:
    """PEP 691 root index."""
    return _dump({"meta": {"api-version": API_VERSION}, "projects": [{"name": name} for name in projects]})


def _dump(document: dict[str, Any]) -> bytes:
    return json.dumps(document, separators=(",", ":"), sort_keys=False).encode("ascii")
