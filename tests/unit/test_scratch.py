"""The live check's scratch wheel and upload form, read back by the handlers' own code."""

from __future__ import annotations

import hashlib
import io
import zipfile

from admin.scratch import multipart, scratch_wheel
from handlers.uploads import publish
from handlers.web.multipart import parse


def test_the_scratch_wheel_passes_the_upload_validation() -> None:
    filename, content = scratch_wheel("serverless-pypi-live-check", "0.0.1700000000123")
    assert filename == "serverless_pypi_live_check-0.0.1700000000123-py3-none-any.whl"
    dist = publish.check_distribution(
        filename,
        io.BytesIO(content),
        name="serverless-pypi-live-check",
        version="0.0.1700000000123",
        filetype="bdist_wheel",
        digests={"sha256_digest": hashlib.sha256(content).hexdigest()},
    )
    assert dist.sha256 == hashlib.sha256(content).hexdigest()
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        record = archive.read("serverless_pypi_live_check-0.0.1700000000123.dist-info/RECORD").decode()
    assert "serverless_pypi_live_check/__init__.py,sha256=" in record


def test_the_form_parses_as_twine_sends_it() -> None:
    body, content_type = multipart(
        {":action": "file_upload", "name": "demo"}, "demo-1.0-py3-none-any.whl", b"\r\nPK"
    )
    form = parse(body, content_type)
    assert form.get(":action") == "file_upload"
    assert form.get("name") == "demo"
    assert form.files["content"].filename == "demo-1.0-py3-none-any.whl"
    assert form.files["content"].content == b"\r\nPK"
