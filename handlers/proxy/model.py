"""An upstream project page as the upstream gives it: PEP 691 JSON or PEP 503 HTML, read (pure).

Values the proxy passes on are kept as the upstream spelled them (``upload-time`` the same string,
``hashes``, ``requires-python``, ``core-metadata`` and ``dist-info-metadata`` each only when given,
``yanked``); file URLs are made absolute against the page's own URL, so they keep pointing upstream.
Anything unreadable raises :class:`UnreadablePage`: to the proxy, an upstream that failed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

#: A ``core-metadata`` / ``dist-info-metadata`` value (PEP 658/714): True, or hashes of the file.
MetadataValue = bool | Mapping[str, str]


class UnreadablePage(ValueError):
    """An upstream page that is neither PEP 691 JSON nor PEP 503 HTML we can read."""


@dataclass(frozen=True)
class UpstreamFile:
    """One file of an upstream page; None means the upstream did not give that key."""

    #: PEP 691 ``filename``.
    filename: str
    #: PEP 691 ``url``, absolute (the upstream's own file).
    url: str
    #: PEP 691 ``hashes``: algorithm -> hex digest, possibly empty.
    hashes: Mapping[str, str] = field(default_factory=dict)
    #: PEP 691 ``requires-python``.
    requires_python: str | None = None
    #: PEP 714 ``core-metadata``.
    core_metadata: MetadataValue | None = None
    #: PEP 658 ``dist-info-metadata`` (the older spelling, still read by older pips).
    dist_info_metadata: MetadataValue | None = None
    #: PEP 592 ``yanked``: False, True or the reason.
    yanked: bool | str = False
    #: PEP 700 ``size``.
    size: int | None = None
    #: PEP 700 ``upload-time``, the upstream's string.
    upload_time: str | None = None


@dataclass(frozen=True)
class UpstreamProject:
    """An upstream project page."""

    files: tuple[UpstreamFile, ...] = ()
    #: PEP 700 ``versions``, when the upstream lists them (JSON only).
    versions: tuple[str, ...] | None = None
    #: PEP 792 ``project-status``: the status and its reason, when the upstream says one.
    status: str | None = None
    status_reason: str | None = None


def parse_json(body: bytes, page_url: str) -> UpstreamProject:
    """A PEP 691 project page (api-version 1.x)."""
    try:
        document = json.loads(body)
        major = str(document["meta"]["api-version"]).split(".")[0]
        entries = document["files"]
    except (ValueError, KeyError, TypeError) as error:
        raise UnreadablePage(f"not a PEP 691 project page: {error}") from error
    if major != "1" or not isinstance(entries, list):
        raise UnreadablePage("not a PEP 691 project page of api-version 1.x")
    files = tuple(_json_file(entry, page_url) for entry in entries)
    versions = document.get("versions")
    status = document.get("project-status")
    return UpstreamProject(
        files=files,
        versions=tuple(str(v) for v in versions) if isinstance(versions, list) else None,
        status=str(status.get("status")) if isinstance(status, dict) and status.get("status") else None,
        status_reason=_text_or_none(status.get("reason")) if isinstance(status, dict) else None,
    )


def _json_file(entry: Any, page_url: str) -> UpstreamFile:
    if not isinstance(entry, dict) or not isinstance(entry.get("filename"), str):
        raise UnreadablePage("a files entry without a filename")
    if not isinstance(entry.get("url"), str):
        raise UnreadablePage(f"{entry['filename'][:100]!r} has no url")
    hashes = entry.get("hashes", {})
    if not isinstance(hashes, dict) or not all(isinstance(v, str) for v in hashes.values()):
        raise UnreadablePage(f"{entry['filename'][:100]!r} has bad hashes")
    yanked = entry.get("yanked", False)
    size = entry.get("size")
    return UpstreamFile(
        filename=entry["filename"],
        url=urljoin(page_url, entry["url"]),
        hashes={str(k): v for k, v in hashes.items()},
        requires_python=_text_or_none(entry.get("requires-python")),
        core_metadata=_metadata_value(entry.get("core-metadata")),
        dist_info_metadata=_metadata_value(entry.get("dist-info-metadata")),
        yanked=yanked if isinstance(yanked, bool | str) else bool(yanked),
        size=size if isinstance(size, int) and not isinstance(size, bool) else None,
        upload_time=_text_or_none(entry.get("upload-time")),
    )


def _text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _metadata_value(value: object) -> MetadataValue | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
        return {str(k): v for k, v in value.items()}
    return None


def parse_html(body: bytes, page_url: str) -> UpstreamProject:
    """A PEP 503 project page (with PEP 592/629/658/714/792 attributes)."""
    parser = _Anchors()
    try:
        parser.feed(body.decode("utf-8"))
        parser.close()
    except UnicodeDecodeError as error:
        raise UnreadablePage(f"an HTML page that is not UTF-8: {error}") from error
    files = tuple(_html_file(attrs, text, page_url) for attrs, text in parser.anchors)
    return UpstreamProject(files=files, status=parser.meta.get("pypi:project-status"),
                           status_reason=parser.meta.get("pypi:project-status-reason"))  # fmt: skip


def _html_file(attrs: Mapping[str, str | None], text: str, page_url: str) -> UpstreamFile:
    href = attrs.get("href")
    if not href:
        raise UnreadablePage("an anchor without an href")
    url, _, fragment = urljoin(page_url, href).partition("#")
    algorithm, _, digest = fragment.partition("=")
    filename = text.strip() or unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    yanked: bool | str = False
    if "data-yanked" in attrs:
        yanked = attrs["data-yanked"] or True
    return UpstreamFile(
        filename=filename,
        url=url,
        hashes={algorithm: digest} if algorithm and digest else {},
        requires_python=attrs.get("data-requires-python"),
        core_metadata=_html_metadata(attrs, "data-core-metadata"),
        dist_info_metadata=_html_metadata(attrs, "data-dist-info-metadata"),
        yanked=yanked,
    )


def _html_metadata(attrs: Mapping[str, str | None], name: str) -> MetadataValue | None:
    if name not in attrs:
        return None
    value = attrs[name] or "true"
    algorithm, sep, digest = value.partition("=")
    return {algorithm: digest} if sep else True


class _Anchors(HTMLParser):
    """The ``<a>`` elements of a page with their text, and its ``<meta name content>`` pairs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.anchors: list[tuple[dict[str, str | None], str]] = []
        self.meta: dict[str, str] = {}
        self._open: dict[str, str | None] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._open, self._text = dict(attrs), []
        elif tag == "meta":
            found = dict(attrs)
            if found.get("name") and found.get("content") is not None:
                self.meta[str(found["name"])] = str(found["content"])

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._open is not None:
            self.anchors.append((self._open, "".join(self._text)))
            self._open = None
