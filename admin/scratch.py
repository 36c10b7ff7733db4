"""The scratch wheel the live check publishes, and twine's upload form for it (pure)."""

from __future__ import annotations

import base64
import hashlib
import io
import secrets
import zipfile

from handlers.names import normalize


def scratch_wheel(project: str, version: str) -> tuple[str, bytes]:
    """A tiny valid wheel (one module, METADATA, WHEEL, RECORD): its filename and bytes."""
    dist = normalize(project).replace("-", "_")
    info = f"{dist}-{version}.dist-info"
    members = {
        f"{dist}/__init__.py": b'"""Published and removed by python -m admin check."""\n',
        f"{info}/METADATA": (
            f"Metadata-Version: 2.1\nName: {project}\nVersion: {version}\n"
            "Summary: serverless-pypi live check (removed right away)\n"
        ).encode(),
        f"{info}/WHEEL": (
            b"Wheel-Version: 1.0\nGenerator: serverless-pypi-check\nRoot-Is-Purelib: true\n"
            b"Tag: py3-none-any\n"
        ),
    }
    record = []
    for name, content in members.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(content).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(content)}")
    record.append(f"{info}/RECORD,,")
    members[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return f"{dist}-{version}-py3-none-any.whl", buffer.getvalue()


def multipart(fields: dict[str, str], filename: str, content: bytes) -> tuple[bytes, str]:
    """twine's legacy upload form: the fields, then the file as ``content``."""
    boundary = secrets.token_hex(16)
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="content"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
