"""The multipart parser on real shapes and on arbitrary bytes: a form or MalformedForm, never else."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.multipart import MalformedForm, boundary_of, parse

CT = "multipart/form-data; boundary=xYz"


def test_fields_and_file() -> None:
    body = (
        b'--xYz\r\nContent-Disposition: form-data; name="name"\r\n\r\ndemo\r\n'
        b'--xYz\r\nContent-Disposition: form-data; name="content"; filename="d-1.0.tar.gz"\r\n'
        b"\r\n\x00\r\n\xff\r\n"
        b"--xYz--\r\n"
    )
    form = parse(body, CT)
    assert form.get("name") == "demo"
    assert form.files["content"].filename == "d-1.0.tar.gz"
    assert form.files["content"].content == b"\x00\r\n\xff"  # CRLF inside binary content is kept


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "text/plain",
        "multipart/form-data",
        "multipart/form-data; boundary=",
        'multipart/form-data; boundary="a b "',
    ],
)
def test_bad_content_types(content_type: str | None) -> None:
    with pytest.raises(MalformedForm):
        boundary_of(content_type)


def test_quoted_boundary() -> None:
    assert boundary_of('multipart/form-data; charset=utf-8; boundary="a:b"') == "a:b"


@settings(max_examples=300)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_parse_or_refuse(body: bytes) -> None:
    with contextlib.suppress(MalformedForm):
        parse(body, CT)


@settings(max_examples=300)
@given(
    st.lists(
        st.sampled_from(
            [
                b"--xYz",
                b"\r\n",
                b"--",
                b'Content-Disposition: form-data; name="a"',
                b'filename="f"',
                b";",
                b"x",
                b"\xff",
            ]
        ),
        max_size=30,
    )
)
def test_near_miss_structures_parse_or_refuse(pieces: list[bytes]) -> None:
    with contextlib.suppress(MalformedForm):
        parse(b"".join(pieces), CT)
