"""Uploads of spellings of one release racing each other: exactly one file per release (issue 20,
item 1), and a claim whose file never landed blocks other spellings only."""

from __future__ import annotations

import base64
import io
import json
import tarfile
import threading
import zipfile
from typing import Any

import pytest

from handlers import api, layout, reindex
from handlers.archives.distributions import parse_filename
from handlers.auth import tokens
from handlers.aws import clients
from handlers.aws.storage import Storage
from handlers.uploads import claims
from testkit import dists
from testkit.forms import CONTENT_TYPE, form_body, twine_fields
from tests.support.events import s3_event
from tests.support.moto import Index
from tests.support.proxy import body_of, make_wheel, proxy_event

NAMES = ("race_pkg", "RACE.PKG", "Race-Pkg", "race.pkg", "RACE_PKG")


def sdist(name: str, version: str, suffix: str) -> bytes:
    """A valid sdist whose folder and metadata spell name and version as its filename does."""
    pkg_info = dists.Meta(name, version).text().encode()
    buffer = io.BytesIO()
    if suffix == ".zip":
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr(f"{name}-{version}/PKG-INFO", pkg_info)
        return buffer.getvalue()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        info = tarfile.TarInfo(f"{name}-{version}/PKG-INFO")
        info.size = len(pkg_info)
        archive.addfile(info, io.BytesIO(pkg_info))
    return buffer.getvalue()


def spellings(release: int) -> list[tuple[str, bytes, str, str]]:
    """20 spellings of the sdist of release ``release``: 5 names, 4 version forms, both formats."""
    versions = (f"{release}.0", f"{release}.0.0", f"0!{release}.0", f"{release}")
    out = []
    for n, (name, version) in enumerate((name, version) for name in NAMES for version in versions):
        suffix = ".zip" if n % 3 == 0 else ".tar.gz"
        out.append((f"{name}-{version}{suffix}", sdist(name, version, suffix), name, version))
    return out


@pytest.fixture
def uploader(index: Index) -> str:
    return tokens.TokenStore(Storage(clients.s3(), index.bucket)).create("ci", ("upload", "read"))


def post(index: Index, token: str, filename: str, data: bytes, name: str, version: str) -> dict[str, Any]:
    headers = {
        "Content-Type": CONTENT_TYPE,
        "Authorization": "Basic " + base64.b64encode(f"__token__:{token}".encode()).decode(),
    }
    body = form_body(twine_fields(filename, data, name, version), (filename, data))
    return api.handler(proxy_event("POST", "/", headers, body), None)


def race(index: Index, token: str, uploads: list[tuple[str, bytes, str, str]]) -> list[dict[str, Any]]:
    barrier = threading.Barrier(len(uploads))
    results: list[dict[str, Any]] = []

    def run(upload: tuple[str, bytes, str, str]) -> None:
        barrier.wait()
        results.append(post(index, token, *upload))

    threads = [threading.Thread(target=run, args=(upload,)) for upload in uploads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def stored(index: Index, prefix: str = "race-pkg/") -> list[str]:
    listing = index.s3.list_objects_v2(Bucket=index.bucket, Prefix=prefix).get("Contents", [])
    return sorted(obj["Key"].split("/", 1)[1] for obj in listing)


def test_twenty_concurrent_spellings_publish_one_file_per_release(index: Index, uploader: str) -> None:
    files_per_release = []
    for release in (1, 2, 3):
        results = race(index, uploader, spellings(release))
        statuses = sorted(r["statusCode"] for r in results)
        assert statuses == [200] + [400] * 19, statuses
        refusals = [body_of(r).decode() for r in results if r["statusCode"] == 400]
        assert all(r.startswith("File already exists: ") and "it would replace" in r for r in refusals)
        files_per_release.append(len([f for f in stored(index) if f"-{release}" in f or f"!{release}" in f]))
    print("files per release over 3 rounds of 20 concurrent spellings:", files_per_release)
    assert files_per_release == [1, 1, 1]
    # The page lists exactly those files once the events are in.
    keys = [f"race-pkg/{name}" for name in stored(index)]
    for key in keys:
        reindex.handler(s3_event("created", index.bucket, key), None)
    page = json.loads(body_of(index.get("/race-pkg/", accept="application/vnd.pypi.simple.v1+json")))
    assert sorted(f["filename"] for f in page["files"]) == stored(index)


def test_concurrent_wheel_spellings_sharing_a_tag_publish_one(index: Index, uploader: str) -> None:
    uploads = []
    for name, version in [
        ("race_pkg", "1.0"),
        ("RACE_PKG", "1.0.0"),
        ("Race_Pkg", "0!1.0"),
        ("race_pkg", "1"),
    ]:
        wheel = make_wheel(name, version)
        uploads.append((f"{name}-{version}-py3-none-any.whl", wheel, name, version))
    statuses = sorted(r["statusCode"] for r in race(index, uploader, uploads))
    assert statuses == [200] + [400] * (len(uploads) - 1)
    assert len(stored(index)) == 1


def test_a_claim_whose_file_never_landed_lets_that_file_in_and_no_other(index: Index, uploader: str) -> None:
    filename, data, name, version = spellings(1)[0]
    storage = Storage(clients.s3(), index.bucket)
    # The function died between the claim and the write: the claim is there, the file is not.
    claims.claim(storage, parse_filename(filename), "0" * 64)
    assert stored(index) == []
    other = spellings(1)[1]
    refused = post(index, uploader, *other)
    assert refused["statusCode"] == 400
    assert (
        body_of(refused).decode().startswith(f"File already exists: {other[0]} (it would replace {filename})")
    )
    assert post(index, uploader, filename, data, name, version)["statusCode"] == 200
    assert stored(index) == [filename]
    # Claims are no packages and raise no events: the reindexer never sees them.
    claim_keys = index.s3.list_objects_v2(Bucket=index.bucket, Prefix=layout.CLAIMS_PREFIX)["Contents"]
    assert [c["Key"] for c in claim_keys] == [
        "/".join([layout.CLAIMS_PREFIX.rstrip("/"), "race-pkg", "1", "sdist"])
    ]
    assert all(
        layout.package_key(c["Key"]) is None and not layout.raises_events(c["Key"]) for c in claim_keys
    )
