"""Upload forms shaped like twine's and ``uv publish``'s (``multipart/form-data``)."""

from __future__ import annotations

import hashlib

BOUNDARY = "----serverless-pypi-test"
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"


def form_body(
    fields: list[tuple[str, str]], file: tuple[str, bytes] | None, *, file_type: bool = True
) -> bytes:
    """A multipart body; ``file_type=False`` leaves out the file part's Content-Type, as uv does."""
    lines: list[bytes] = []
    for name, value in fields:
        disposition = f'Content-Disposition: form-data; name="{name}"'
        lines += [f"--{BOUNDARY}".encode(), disposition.encode(), b"", value.encode()]
    if file is not None:
        disposition = f'Content-Disposition: form-data; name="content"; filename="{file[0]}"'
        lines += [f"--{BOUNDARY}".encode(), disposition.encode()]
        if file_type:
            lines.append(b"Content-Type: application/octet-stream")
        lines += [b"", file[1]]
    lines.append(f"--{BOUNDARY}--".encode())
    return b"\r\n".join(lines) + b"\r\n"


def twine_fields(
    filename: str, content: bytes, name: str, version: str, extra: dict[str, str] | None = None
) -> list[tuple[str, str]]:
    """The fields twine sends for a file (``extra`` overrides or adds fields)."""
    fields = [
        (":action", "file_upload"),
        ("protocol_version", "1"),
        ("metadata_version", "2.1"),
        ("name", name),
        ("version", version),
        ("filetype", "bdist_wheel" if filename.endswith(".whl") else "sdist"),
        ("pyversion", "py3"),
        ("sha256_digest", hashlib.sha256(content).hexdigest()),
        ("md5_digest", hashlib.md5(content, usedforsecurity=False).hexdigest()),
        ("blake2_256_digest", hashlib.blake2b(content, digest_size=32).hexdigest()),
    ]
    overrides = dict(extra or {})
    return [(k, overrides.pop(k, v)) for k, v in fields] + list(overrides.items())
