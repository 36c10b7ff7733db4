"""Content negotiation: real clients' Accept headers, q-values, and bad input."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pypi_simple import (
    ACCEPT_ANY,
    ACCEPT_HTML_ONLY,
    ACCEPT_HTML_PREFERRED,
    ACCEPT_JSON_ONLY,
    ACCEPT_JSON_PREFERRED,
)

from handlers.web.negotiation import Format, select

PIP = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01"
UV = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, Format.HTML),
        ("", Format.HTML),
        ("*/*", Format.HTML),
        ("text/html", Format.HTML),
        ("text/html; charset=utf-8", Format.HTML),
        (PIP, Format.JSON_V1),
        (UV, Format.JSON_V1),
        (ACCEPT_JSON_ONLY, Format.JSON_V1),
        (ACCEPT_JSON_PREFERRED, Format.JSON_V1),
        (ACCEPT_HTML_ONLY, Format.HTML_V1),
        (ACCEPT_HTML_PREFERRED, Format.HTML_V1),
        (ACCEPT_ANY, Format.JSON_V1),
        ("application/vnd.pypi.simple.latest+json", Format.JSON_V1),
        ("application/vnd.pypi.simple.latest+html", Format.HTML_V1),
        ("application/*", Format.JSON_V1),
        ("text/html;q=0, */*;q=0.1", Format.JSON_V1),  # q=0 refuses that type only
        ("application/vnd.pypi.simple.v1+json;q=0.5, text/html;q=0.9", Format.HTML),
        ("TEXT/HTML", Format.HTML),
        ("text/html;q=abc, application/vnd.pypi.simple.v1+json", Format.JSON_V1),  # bad q ignored
    ],
)
def test_select(accept: str | None, expected: Format) -> None:
    assert select(accept) is expected


@pytest.mark.parametrize(
    "accept",
    ["image/png", "application/json", "text/html;q=0", "*/*;q=0", ";;;", "garbage", "text/html;q=2"],
)
def test_nothing_acceptable(accept: str) -> None:
    assert select(accept) is None


@given(st.text(max_size=200))
def test_any_header_selects_a_format_or_none(accept: str) -> None:
    chosen = select(accept)  # never raises, whatever the header
    if chosen is not None and accept.strip():
        # Only what the header admits: the format's own type (or its "latest" alias) or a wildcard.
        main_type = chosen.value.split("/")[0]
        admitted = (chosen.value, chosen.value.replace(".v1+", ".latest+"), "*/*", f"{main_type}/*")
        lowered = accept.lower()
        assert any(media in lowered for media in admitted), (accept, chosen)


def test_content_types() -> None:
    assert Format.HTML.content_type == "text/html; charset=utf-8"
    assert Format.JSON_V1.content_type == "application/vnd.pypi.simple.v1+json"
