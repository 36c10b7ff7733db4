"""The multipart parser on real shapes and on arbitrary bytes: a form or MalformedForm, never else."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.web.multipart import MAX_PARTS, Form, MalformedForm, boundary_of, parse

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
        assert_well_formed(parse(body, CT), body)


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
    body = b"".join(pieces)
    with contextlib.suppress(MalformedForm):
        assert_well_formed(parse(body, CT), body)


def assert_well_formed(form: Form, body: bytes) -> None:
    """What any form the parser accepts must be: named parts, taken from the body, within bounds."""
    assert len(form.fields) + len(form.files) <= MAX_PARTS
    for name, values in form.fields.items():
        assert name and values
        for value in values:
            assert value.encode() in body
    for name, part in form.files.items():
        assert name and part.content in body
    assert b"--" + boundary_of(CT).encode() + b"--" in body  # only a body with its closing delimiter
