"""``multipart/form-data`` bodies (RFC 7578), as twine and ``uv publish`` send them (pure).

Small and strict on structure, lenient on what clients vary: part order, a file part without its own
Content-Type (uv), LF-only line ends inside headers. Any malformed body raises :class:`MalformedForm`
(a 400), never anything else: the tests feed it arbitrary bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_PARTS = 200
_BOUNDARY = re.compile(r"[0-9A-Za-z'()+_,\-./:=? ]{1,70}")
_PARAM = re.compile(r';\s*([A-Za-z0-9_*-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))')


class MalformedForm(ValueError):
    """The body is not the multipart form it claims to be."""


@dataclass(frozen=True)
class FilePart:
    """An uploaded file: the client's filename and the bytes."""

    filename: str
    content: bytes


@dataclass
class Form:
    """Fields (every value of each name, in order) and file parts by field name."""

    fields: dict[str, list[str]] = field(default_factory=dict)
    files: dict[str, FilePart] = field(default_factory=dict)

    def get(self, name: str) -> str | None:
        """The first non-empty value of a field (uv sends empty fields that mean absent)."""
        for value in self.fields.get(name, []):
            if value.strip():
                return value.strip()
        return None


def boundary_of(content_type: str | None) -> str:
    """The boundary of a ``multipart/form-data`` Content-Type, or :class:`MalformedForm`."""
    if not content_type:
        raise MalformedForm("missing Content-Type: expected multipart/form-data")
    media_type, _, params = content_type.partition(";")
    if media_type.strip().lower() != "multipart/form-data":
        raise MalformedForm("expected multipart/form-data")
    for match in _PARAM.finditer(";" + params):
        if match[1].lower() == "boundary":
            boundary = match[2] if match[2] is not None else match[3]
            if boundary and _BOUNDARY.fullmatch(boundary) and not boundary.endswith(" "):
                return boundary
    raise MalformedForm("multipart/form-data without a valid boundary")


def parse(body: bytes, content_type: str | None) -> Form:
    """Parse a form body; raises :class:`MalformedForm` on anything malformed."""
    delimiter = b"--" + boundary_of(content_type).encode("ascii")
    chunks = body.split(delimiter)
    if len(chunks) < 3 or not chunks[-1].startswith(b"--"):
        raise MalformedForm("multipart body without its closing boundary")
    if len(chunks) - 2 > MAX_PARTS:
        raise MalformedForm("too many parts")
    form = Form()
    for chunk in chunks[1:-1]:
        if not chunk.startswith(b"\r\n") or not chunk.endswith(b"\r\n"):
            raise MalformedForm("a part is not framed by CRLF")
        head, separator, content = chunk[2:-2].partition(b"\r\n\r\n")
        if not separator:
            # A part with no headers and no content has only the blank line.
            raise MalformedForm("a part without headers")
        name, filename = _disposition(head)
        if filename is not None:
            form.files.setdefault(name, FilePart(filename, content))
        else:
            try:
                form.fields.setdefault(name, []).append(content.decode("utf-8"))
            except UnicodeDecodeError as error:
                raise MalformedForm(f"field {name!r} is not UTF-8") from error
    return form


def _disposition(head: bytes) -> tuple[str, str | None]:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as error:
        raise MalformedForm("part headers are not UTF-8") from error
    for line in re.split(r"\r?\n", text):
        header, colon, value = line.partition(":")
        if colon and header.strip().lower() == "content-disposition":
            kind, _, params = value.partition(";")
            if kind.strip().lower() != "form-data":
                raise MalformedForm("a part that is not form-data")
            found = {
                m[1].lower(): (m[2].replace('\\"', '"').replace("\\\\", "\\") if m[2] is not None else m[3])
                for m in _PARAM.finditer(";" + params)
            }
            if not found.get("name"):
                raise MalformedForm("a part without a name")
            return found["name"], found.get("filename")
    raise MalformedForm("a part without Content-Disposition")
