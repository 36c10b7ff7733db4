"""Archives the bounded readers cannot read: a 400 at upload, listed without metadata by the reindexer,
never a 5xx and never a failed batch (issue 20, item 2), plus a bounded fuzz of archive bytes."""

from __future__ import annotations

import base64
import io
import tempfile
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers import api, reindex
from handlers.auth import tokens
from handlers.aws import clients
from handlers.aws.storage import Storage
from testkit import dists
from testkit.forms import CONTENT_TYPE, form_body, twine_fields
from tests.support.events import s3_event, sqs_batch
from tests.support.moto import Index
from tests.support.proxy import body_of, make_wheel, proxy_event

WHEEL = make_wheel("mangled", "1.0")
WHEEL_NAME = "mangled-1.0-py3-none-any.whl"


def _zip_sdist() -> bytes:
    """A ``.zip`` sdist of mangled 1.0, as old setuptools wrote them."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mangled-1.0/PKG-INFO", dists.Meta("mangled", "1.0").text())
        archive.writestr("mangled-1.0/setup.py", "from setuptools import setup\nsetup()\n")
    return buffer.getvalue()


def _tar_sdist() -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        return dists.sdist(Path(tmp), dists.Meta("mangled", "1.0")).read_bytes()


ZIP_SDIST, TAR_SDIST = _zip_sdist(), _tar_sdist()


def version_needed(archive: bytes, version: int) -> bytes:
    """``archive`` with every central directory entry's "version needed to extract" set (80 = 8.0)."""
    data = bytearray(archive)
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        data[at + 6 : at + 8] = version.to_bytes(2, "little")
        at = data.find(b"PK\x01\x02", at + 4)
    return bytes(data)


def negative_offset(archive: bytes) -> bytes:
    """``archive`` whose end record puts the central directory a megabyte further than it is, so
    ``zipfile`` takes every member to start before the file does (a negative seek)."""
    data = bytearray(archive)
    at = data.rfind(b"PK\x05\x06") + 16
    data[at : at + 4] = (int.from_bytes(data[at : at + 4], "little") + 1_000_000).to_bytes(4, "little")
    return bytes(data)


@pytest.fixture
def private(index: Index, monkeypatch: pytest.MonkeyPatch) -> Index:
    monkeypatch.setenv("PUBLIC_READ", "false")
    return index


@pytest.fixture
def uploader(private: Index) -> str:
    return tokens.TokenStore(Storage(clients.s3(), private.bucket)).create("ci", ("upload", "read"))


def upload(index: Index, token: str, filename: str, data: bytes) -> dict[str, Any]:
    fields = twine_fields(filename, data, "mangled", "1.0")
    headers = {
        "Content-Type": CONTENT_TYPE,
        "Authorization": "Basic " + base64.b64encode(f"__token__:{token}".encode()).decode(),
    }
    return api.handler(proxy_event("POST", "/", headers, form_body(fields, (filename, data))), None)


def packages(index: Index) -> list[str]:
    listing = index.s3.list_objects_v2(Bucket=index.bucket, Prefix="mangled/").get("Contents", [])
    return [obj["Key"] for obj in listing]


@pytest.mark.parametrize(
    ("filename", "data", "kind"),
    [
        (WHEEL_NAME, version_needed(WHEEL, 80), "wheel"),
        (WHEEL_NAME, negative_offset(WHEEL), "wheel"),
        ("mangled-1.0.zip", version_needed(ZIP_SDIST, 80), "sdist"),
        ("mangled-1.0.zip", negative_offset(ZIP_SDIST), "sdist"),
    ],
    ids=["wheel-version-8.0", "wheel-negative-offset", "zip-sdist-version-8.0", "zip-sdist-negative-offset"],
)
def test_unreadable_archives_are_400_and_store_nothing(
    private: Index, uploader: str, filename: str, data: bytes, kind: str
) -> None:
    response = upload(private, uploader, filename, data)
    assert response["statusCode"] == 400
    assert body_of(response).decode().startswith(f"Not a valid {kind}: ")
    assert packages(private) == []


def test_the_reindexer_lists_unreadable_archives_without_metadata(index: Index) -> None:
    broken = {
        "mangled/mangled-1.0-py3-none-any.whl": version_needed(WHEEL, 80),
        "mangled/mangled-1.0-1-py3-none-any.whl": negative_offset(WHEEL),
        "mangled/mangled-1.0.zip": version_needed(ZIP_SDIST, 80),
    }
    events = [s3_event("created", index.bucket, key, size=len(data)) for key, data in broken.items()]
    for key, data in broken.items():
        index.put(key, data)
    assert reindex.handler(sqs_batch(*events), None) == {"batchItemFailures": []}
    page = index.get("/mangled/", accept="application/vnd.pypi.simple.v1+json")
    files = {f["filename"]: f for f in _json(page)["files"]}
    assert sorted(files) == sorted(key.split("/")[1] for key in broken)
    assert not any(f.get("core-metadata") for f in files.values())
    assert reindex.handler({"rebuild": True}, None) == {"ok": True}


def _json(response: dict[str, Any]) -> Any:
    import json

    return json.loads(body_of(response))


#: Where a byte changes: anywhere, or (as often) in the last fifth, where a zip's central directory is.
_WHERE = st.one_of(st.floats(0, 1, exclude_max=True), st.floats(0.8, 1, exclude_max=True))
ORIGINALS = {WHEEL_NAME: WHEEL, "mangled-1.0.zip": ZIP_SDIST, "mangled-1.0.tar.gz": TAR_SDIST}


def test_fuzzed_archive_bytes_never_answer_5xx(private: Index, uploader: str) -> None:
    """Up to 4 changed bytes of a valid wheel, ``.zip`` or ``.tar.gz`` sdist, maybe cut short, through
    the whole upload path: a 200 or a 400, never anything else (300 examples, the same every run)."""
    outcomes: Counter[str] = Counter()

    @settings(max_examples=300, deadline=None, derandomize=True, database=None)
    @given(
        filename=st.sampled_from(sorted(ORIGINALS)),
        flips=st.lists(st.tuples(_WHERE, st.integers(0, 255)), min_size=1, max_size=4),
        cut=st.one_of(st.none(), st.floats(0.5, 1)),
    )
    def fuzz(filename: str, flips: list[tuple[float, int]], cut: float | None) -> None:
        data = bytearray(ORIGINALS[filename])
        for where, value in flips:
            data[int(where * len(data))] = value
        if cut is not None:
            data = data[: int(cut * len(data))]
        response = upload(private, uploader, filename, bytes(data))
        assert response["statusCode"] in (200, 400), body_of(response)
        unreadable = body_of(response).startswith(b"Not a valid")
        kind = filename.removeprefix("mangled-1.0").lstrip("-")
        outcomes[f"{kind} {response['statusCode']}{' unreadable' if unreadable else ''}"] += 1

    fuzz()
    print("fuzz outcomes:", dict(sorted(outcomes.items())))
    # The fuzz reached the readers: each kind was refused as unreadable at least once.
    assert {key.split()[0] for key in outcomes if key.endswith(" unreadable")} == {
        "py3-none-any.whl",
        ".zip",
        ".tar.gz",
    }
