"""Content negotiation between PEP 503 HTML and PEP 691 JSON by ``Accept`` (pure).

Tolerant of media-type parameters; ``q=0`` means refused; a malformed entry is ignored (never a 500);
a header that admits none of our formats selects nothing, and the caller answers 406. Without an
``Accept`` header, or with ``*/*``, the answer is ``text/html``, which every client reads.
"""

from __future__ import annotations

import re
from enum import Enum


class Format(Enum):
    """The formats a page is served in; values are the media types of the response."""

    HTML = "text/html"
    HTML_V1 = "application/vnd.pypi.simple.v1+html"
    JSON_V1 = "application/vnd.pypi.simple.v1+json"

    @property
    def is_json(self) -> bool:
        """True for the PEP 691 JSON format."""
        return self is Format.JSON_V1

    @property
    def content_type(self) -> str:
        """The ``Content-Type`` header of a response in this format."""
        return "text/html; charset=utf-8" if self is Format.HTML else self.value


#: Media ranges that name a format exactly. ``latest`` is answered with the concrete version.
_EXACT = {
    "text/html": Format.HTML,
    "application/vnd.pypi.simple.v1+html": Format.HTML_V1,
    "application/vnd.pypi.simple.latest+html": Format.HTML_V1,
    "application/vnd.pypi.simple.v1+json": Format.JSON_V1,
    "application/vnd.pypi.simple.latest+json": Format.JSON_V1,
}
#: Our preference when the client's q-values tie: plain HTML for ``*/*`` (what every client and a
#: browser read), then JSON over the versioned HTML (cheaper for clients to parse).
_PREFERENCE = (Format.HTML, Format.JSON_V1, Format.HTML_V1)
_QVALUE = re.compile(r"0(\.[0-9]{0,3})?|1(\.0{0,3})?")
_TOKEN = re.compile(r"[A-Za-z0-9!#$&^_.+-]+")

#: Specificity of a match: an exact type beats ``type/*``, which beats ``*/*``.
_EXACT_MATCH, _TYPE_MATCH, _ANY_MATCH = 3, 2, 1


def select(accept: str | None) -> Format | None:
    """The format to answer in, or None when ``accept`` admits none of them.

    >>> select("application/vnd.pypi.simple.v1+json, text/html;q=0.01")
    <Format.JSON_V1: 'application/vnd.pypi.simple.v1+json'>
    >>> select(None), select("image/png")
    (<Format.HTML: 'text/html'>, None)
    """
    if accept is None or not accept.strip():
        return Format.HTML
    # For each format: (specificity, q) of the most specific range that matches it.
    best: dict[Format, tuple[int, float]] = {}
    for media_range, quality in _parse(accept):
        for fmt, specificity in _matches(media_range):
            if specificity > best.get(fmt, (0, 0.0))[0]:
                best[fmt] = (specificity, quality)
    ranked = [(best[fmt][1], -_PREFERENCE.index(fmt), fmt) for fmt in best if best[fmt][1] > 0]
    return max(ranked)[2] if ranked else None


def _parse(accept: str) -> list[tuple[str, float]]:
    ranges: list[tuple[str, float]] = []
    for item in accept.split(","):
        media_range, *params = (part.strip() for part in item.split(";"))
        kind, slash, subtype = media_range.lower().partition("/")
        wildcard = subtype == "*" and (kind == "*" or _TOKEN.fullmatch(kind))
        if not slash or not (wildcard or (_TOKEN.fullmatch(kind) and _TOKEN.fullmatch(subtype))):
            continue  # malformed range: ignored, like a client's typo
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                value = value.strip()
                quality = float(value) if _QVALUE.fullmatch(value) else -1.0
        if quality >= 0:
            ranges.append((f"{kind}/{subtype}", quality))
    return ranges


def _matches(media_range: str) -> list[tuple[Format, int]]:
    if media_range == "*/*":
        return [(fmt, _ANY_MATCH) for fmt in Format]
    if media_range in _EXACT:
        return [(_EXACT[media_range], _EXACT_MATCH)]
    kind, _, subtype = media_range.partition("/")
    if subtype == "*":
        return [(fmt, _TYPE_MATCH) for fmt in Format if fmt.value.startswith(kind + "/")]
    return []
