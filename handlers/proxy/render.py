"""An upstream page after the policy, in both formats of our own pages (pure).

The same shape as :mod:`handlers.simple.render` (PEP 503 HTML with PEP 592/629/658/714/792
attributes, PEP 691 JSON at our API version with PEP 700 fields), every interpolated value escaped,
but each file as the upstream described it: its absolute URL, its hashes, its ``upload-time`` string,
the metadata keys it gave. :func:`stored_page` packs both formats like a generated page, so a cached
upstream page is served by the same code as our own.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

from handlers.names import NormalizedName
from handlers.proxy.model import MetadataValue, UpstreamFile, UpstreamProject
from handlers.simple import pages
from handlers.simple.render import API_VERSION


def project_html(name: NormalizedName, project: UpstreamProject) -> bytes:
    """PEP 503 project page."""
    lines = [
        "<!DOCTYPE html>",
        "<html>",
        "<head>",
        f'<meta name="pypi:repository-version" content="{API_VERSION}">',
    ]
    if project.status:
        lines.append(f'<meta name="pypi:project-status" content="{escape(project.status)}">')
        if project.status_reason:
            lines.append(
                f'<meta name="pypi:project-status-reason" content="{escape(project.status_reason)}">'
            )
    lines += [
        f"<title>Links for {escape(name)}</title>",
        "</head>",
        "<body>",
        f"<h1>Links for {escape(name)}</h1>",
    ]
    for file in project.files:
        attributes = [f'href="{escape(_href(file))}"']
        if file.requires_python is not None:
            attributes.append(f'data-requires-python="{escape(file.requires_python)}"')
        for attribute, value in (
            ("data-dist-info-metadata", file.dist_info_metadata),
            ("data-core-metadata", file.core_metadata),
        ):
            if value is not None and value is not False:
                attributes.append(f'{attribute}="{escape(_metadata_attribute(value))}"')
        if file.yanked is not False:
            reason = file.yanked if isinstance(file.yanked, str) else ""
            attributes.append(f'data-yanked="{escape(reason)}"')
        lines.append(f"<a {' '.join(attributes)}>{escape(file.filename)}</a><br>")
    lines += ["</body>", "</html>", ""]
    return "\n".join(lines).encode("utf-8")


def project_json(name: NormalizedName, project: UpstreamProject) -> bytes:
    """PEP 691 project page; optional keys appear only when the upstream gave them."""
    files = [_json_file(file) for file in project.files]
    page: dict[str, Any] = {"meta": {"api-version": API_VERSION}, "name": name}
    page["versions"] = list(project.versions or ())
    page["files"] = files
    if project.status:
        page["project-status"] = {"status": project.status, "reason": project.status_reason}
    return json.dumps(page, separators=(",", ":")).encode("ascii")


def stored_page(name: NormalizedName, project: UpstreamProject) -> tuple[bytes, dict[str, str]]:
    """Both formats packed as :mod:`handlers.simple.pages` stores a page: body and object metadata."""
    return pages.pack(project_html(name, project), project_json(name, project))


def _json_file(file: UpstreamFile) -> dict[str, Any]:
    entry: dict[str, Any] = {"filename": file.filename, "url": file.url, "hashes": dict(file.hashes)}
    if file.requires_python is not None:
        entry["requires-python"] = file.requires_python
    if file.core_metadata is not None:
        entry["core-metadata"] = _metadata_json(file.core_metadata)
    if file.dist_info_metadata is not None:
        entry["dist-info-metadata"] = _metadata_json(file.dist_info_metadata)
    entry["yanked"] = file.yanked
    if file.size is not None:
        entry["size"] = file.size
    if file.upload_time is not None:
        entry["upload-time"] = file.upload_time
    return entry


def _metadata_json(value: MetadataValue) -> bool | dict[str, str]:
    return value if isinstance(value, bool) else dict(value)


def _metadata_attribute(value: MetadataValue) -> str:
    if isinstance(value, bool):
        return "true"
    algorithm, digest = next(iter(sorted(value.items())), ("", ""))
    return f"{algorithm}={digest}" if algorithm else "true"


def _href(file: UpstreamFile) -> str:
    """The file's URL with the PEP 503 hash fragment (sha256 when given, else the first)."""
    if "#" in file.url or not file.hashes:
        return file.url
    algorithm = "sha256" if "sha256" in file.hashes else sorted(file.hashes)[0]
    return f"{file.url}#{algorithm}={file.hashes[algorithm]}"
