"""Issue 10: no release can be replaced, no upload can exhaust a function, no held name falls back.

Each test drives ``handlers.api.handler`` (or the reindexer, or the admin CLI) against moto, as an
attacker with an upload token or an operator with bucket access would.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import tracemalloc
from collections.abc import Callable
from typing import Any

import pytest

from admin.cli import main as admin
from handlers import api, layout, reindex
from handlers.auth import tokens
from handlers.aws.storage import Storage
from testkit import hostile
from testkit.forms import form_body, twine_fields
from tests.support.moto import Index
from tests.support.proxy import body_of, headers_of, make_wheel, proxy_event

JSON = "application/vnd.pypi.simple.v1+json"


@pytest.fixture
def token(index: Index) -> str:
    from handlers.aws import clients

    return tokens.TokenStore(Storage(clients.s3(), index.bucket)).create("ci", ("upload", "read"))


def post_file(
    index: Index, token: str, filename: str, content: bytes, form: dict[str, str] | None = None
) -> dict[str, Any]:
    name = filename.split("-")[0]
    version = filename.split("-")[1].removesuffix(".tar.gz").removesuffix(".zip")
    body = form_body(twine_fields(filename, content, name, version, form), (filename, content))
    headers = {"Content-Type": "multipart/form-data; boundary=----serverless-pypi-test"}
    headers["Authorization"] = "Basic " + base64.b64encode(f"__token__:{token}".encode()).decode()
    return api.handler(proxy_event("POST", "/", headers, body), None)


def package_keys(index: Index) -> list[str]:
    listing = index.s3.list_objects_v2(Bucket=index.bucket).get("Contents", [])
    return sorted(o["Key"] for o in listing if not layout.is_generated(o["Key"]))


# -- 1. a published release is never replaced by another spelling ------------------------------------
@pytest.mark.parametrize(
    "spelling",
    [
        "Victim-1.0-py3-none-any.whl",
        "VICTIM-1.0-py3-none-any.whl",
        "victim-1.0.0-py3-none-any.whl",
        "victim-v1.0-py3-none-any.whl",
        "victim-01.0-py3-none-any.whl",
        "victim-1.0-py2.py3-none-any.whl",
    ],
)
def test_another_spelling_of_a_published_wheel_is_refused(index: Index, token: str, spelling: str) -> None:
    assert (
        post_file(index, token, "victim-1.0-py3-none-any.whl", make_wheel("victim", "1.0"))["statusCode"]
        == 200
    )
    impostor = make_wheel("victim", spelling.split("-")[1], summary="evil")
    response = post_file(index, token, spelling, impostor)
    assert response["statusCode"] == 400
    message = body_of(response).decode()
    assert message.startswith("File already exists") and "victim-1.0-py3-none-any.whl" in message
    assert package_keys(index) == ["victim/victim-1.0-py3-none-any.whl"]


def test_one_sdist_per_release_whatever_its_spelling(index: Index, token: str) -> None:
    from testkit import dists

    def sdist(name: str, version: str) -> bytes:
        import tempfile
        from pathlib import Path

        with tempfile.TemporaryDirectory() as tmp:
            return dists.sdist(Path(tmp), dists.Meta(name, version)).read_bytes()

    assert post_file(index, token, "victim-1.0.tar.gz", sdist("victim", "1.0"))["statusCode"] == 200
    response = post_file(index, token, "Victim-1.0.0.tar.gz", sdist("victim", "1.0.0"))
    assert response["statusCode"] == 400 and b"victim-1.0.tar.gz" in body_of(response)
    assert package_keys(index) == ["victim/victim-1.0.tar.gz"]


def test_a_build_tag_and_an_identical_reupload_stay_allowed(index: Index, token: str) -> None:
    wheel = make_wheel("victim", "1.0")
    assert post_file(index, token, "victim-1.0-py3-none-any.whl", wheel)["statusCode"] == 200
    assert post_file(index, token, "victim-1.0-py3-none-any.whl", wheel)["statusCode"] == 200
    rebuilt = make_wheel("victim", "1.0", summary="fixed build")
    assert post_file(index, token, "victim-1.0-1-py3-none-any.whl", rebuilt)["statusCode"] == 200


def test_a_twin_the_page_does_not_show_yet_is_refused(index: Index, token: str) -> None:
    # Put by hand a moment ago: no page yet, only the normalized folder's listing knows it.
    index.put("victim/victim-1.0-py3-none-any.whl", make_wheel("victim", "1.0"))
    response = post_file(
        index, token, "Victim-1.0-py3-none-any.whl", make_wheel("victim", "1.0", summary="x")
    )
    assert response["statusCode"] == 400 and b"File already exists" in body_of(response)


def test_files_already_in_the_bucket_are_never_hidden(index: Index) -> None:
    # Twins put by hand (a migration) are both listed: the rule decides uploads only.
    index.put("victim/victim-1.0-py3-none-any.whl", make_wheel("victim", "1.0"))
    index.put("Victim/Victim-1.0-py3-none-any.whl", make_wheel("victim", "1.0", summary="x"))
    reindex.handler({"rebuild": True}, None)
    files = [f["filename"] for f in json.loads(body_of(index.get("/victim/", accept=JSON)))["files"]]
    assert files == ["Victim-1.0-py3-none-any.whl", "victim-1.0-py3-none-any.whl"]


def test_the_admin_upload_applies_the_same_rule(
    index: Index, s3_endpoint: str, tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    first, twin = tmp_path / "victim-1.0-py3-none-any.whl", tmp_path / "victim-1.0.0-py3-none-any.whl"
    first.write_bytes(make_wheel("victim", "1.0"))
    twin.write_bytes(make_wheel("victim", "1.0.0", summary="x"))
    base = ["--bucket", index.bucket, "--endpoint-url", s3_endpoint, "upload"]
    assert admin([*base, str(first)]) == 0
    assert admin([*base, str(twin)]) == 1
    assert "File already exists" in capsys.readouterr().err
    assert package_keys(index) == ["victim/victim-1.0-py3-none-any.whl"]


# -- 2. names that can never be listed ---------------------------------------------------------------
@pytest.mark.parametrize("filename", ["orphan.-1.0-py3-none-any.whl", "orphan_-1.0-py3-none-any.whl"])
def test_names_that_normalize_to_no_project_are_refused(index: Index, token: str, filename: str) -> None:
    response = post_file(index, token, filename, make_wheel("orphan", "1.0"), {"name": "orphan"})
    assert response["statusCode"] == 400 and b"Invalid project name" in body_of(response)
    assert package_keys(index) == []


# -- 3. every check within a fixed budget -------------------------------------------------------------
HOSTILE: dict[str, tuple[str, Callable[[], bytes], str]] = {
    "16 MiB METADATA line": (
        "ll-1.0-py3-none-any.whl",
        lambda: hostile.wheel_with_metadata("ll", "1.0", hostile.long_line_metadata("ll", "1.0", 16 << 20)),
        "KiB",
    ),
    "150,000 header lines": (
        "hh-1.0-py3-none-any.whl",
        lambda: hostile.wheel_with_metadata(
            "hh", "1.0", hostile.many_headers_metadata("hh", "1.0", 150_000).replace(b"Classifier: a", b"a:")
        ),
        "header",
    ),
    "sdist inflating to 128 MiB before PKG-INFO": (
        "bomb-1.0.tar.gz",
        lambda: hostile.sdist_bomb("bomb", "1.0", 128 << 20),
        "64 MiB",
    ),
    "60,000 zip entries": (
        "ee-1.0-py3-none-any.whl",
        lambda: hostile.wheel_with_many_entries("ee", "1.0", 60_000),
        "central directory",
    ),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_uploads_are_refused_within_a_memory_budget(index: Index, token: str, case: str) -> None:
    filename, make, limit = HOSTILE[case]
    content = make()
    tracemalloc.start()
    try:
        response = post_file(index, token, filename, content)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response["statusCode"] == 400, body_of(response)
    assert limit in body_of(response).decode()
    # The request itself costs a few copies of its body (base64, the form); the check adds little.
    assert peak < 6 * len(content) + (32 << 20), f"{case}: peak {peak >> 20} MiB"
    assert package_keys(index) == []


def test_real_shapes_still_pass(index: Index, token: str) -> None:
    readme = hostile.wheel_with_metadata(
        "rr", "1.0", hostile.long_description_metadata("rr", "1.0", 600 << 10)
    )
    assert post_file(index, token, "rr-1.0-py3-none-any.whl", readme)["statusCode"] == 200
    last = hostile.sdist_pkg_info_last("pl", "1.0", files=500, file_size=5000)  # 2.5 MB before PKG-INFO
    assert post_file(index, token, "pl-1.0.tar.gz", last)["statusCode"] == 200


def test_the_reindexer_lists_a_bomb_without_metadata(index: Index) -> None:
    index.put("bomb/bomb-1.0.tar.gz", hostile.sdist_bomb("bomb", "1.0", 128 << 20))
    bad = hostile.wheel_with_metadata("ll", "1.0", hostile.long_line_metadata("ll", "1.0", 16 << 20))
    index.put("ll/ll-1.0-py3-none-any.whl", bad)
    assert reindex.handler({"rebuild": True}, None) == {"ok": True}
    for project in ("bomb", "ll"):
        [entry] = json.loads(body_of(index.get(f"/{project}/", accept=JSON)))["files"]
        assert entry["core-metadata"] is False and entry["requires-python"] is None


# -- 4. 4xx, never 5xx; short refusals ----------------------------------------------------------------
def test_control_characters_in_single_line_fields_are_400(index: Index, token: str) -> None:
    wheel = make_wheel("ctl", "1.0")
    response = post_file(index, token, "ctl-1.0-py3-none-any.whl", wheel, {"requires_python": ">=3\r\nX: y"})
    assert response["statusCode"] == 400 and b"control character" in body_of(response)
    readme = {"description": "# Title\r\n\n\tcode\n", "license": "MIT\nline two"}
    assert post_file(index, token, "ctl-1.0-py3-none-any.whl", wheel, readme)["statusCode"] == 200


def test_an_sdist_without_pkg_info_has_its_form_requires_python_checked(index: Index, token: str) -> None:
    import tarfile

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        info = tarfile.TarInfo("np-1.0/setup.py")
        archive.addfile(info, io.BytesIO(b""))
    response = post_file(index, token, "np-1.0.tar.gz", buffer.getvalue(), {"requires_python": ">=3,,<<"})
    assert response["statusCode"] == 400 and b"Requires-Python" in body_of(response)


@pytest.mark.parametrize("field", ["name", "version"])
def test_refusals_quote_at_most_a_hundred_characters(index: Index, token: str, field: str) -> None:
    response = post_file(
        index, token, "q-1.0-py3-none-any.whl", make_wheel("q", "1.0"), {field: "é" * 3_000_000}
    )
    assert response["statusCode"] == 400
    assert len(body_of(response)) < 400


def test_a_large_metadata_file_is_redirected_to_s3(index: Index) -> None:
    index.put(".pypi/metadata/big/big-1.0-py3-none-any.whl.metadata", b"x" * (2 << 20))
    response = index.get("/big/big-1.0-py3-none-any.whl.metadata")
    assert response["statusCode"] == 302
    assert ".pypi/metadata/big/big-1.0-py3-none-any.whl.metadata" in headers_of(response)["Location"]


# -- 5. unreadable generated data -------------------------------------------------------------------
def damage_page(index: Index, project: str) -> None:
    index.put(layout.project_page_key(project), b"garbage", Metadata={"html-length": "3"})


@pytest.mark.parametrize("encoding", ["gzip", "identity"])
def test_a_damaged_page_is_a_503_not_a_502(index: Index, encoding: str) -> None:
    index.put("dmg/dmg-1.0-py3-none-any.whl", make_wheel("dmg", "1.0"))
    reindex.handler({"rebuild": True}, None)
    damage_page(index, "dmg")
    response = index.get("/dmg/", Accept_Encoding=encoding)
    assert response["statusCode"] == 503 and "Retry-After" in headers_of(response)
    # Damaged inside a gzip member that looks right: only inflating finds it.
    body = b"\x1f\x8b\x08" + b"\x00" * 20
    index.put(layout.project_page_key("dmg"), body + body, Metadata={"html-length": str(len(body))})
    assert index.get("/dmg/", Accept_Encoding="identity")["statusCode"] == 503


def test_an_upload_to_a_damaged_project_is_a_503_and_stores_nothing(index: Index, token: str) -> None:
    index.put("dmg/dmg-1.0-py3-none-any.whl", make_wheel("dmg", "1.0"))
    reindex.handler({"rebuild": True}, None)
    damage_page(index, "dmg")
    response = post_file(index, token, "dmg-2.0-py3-none-any.whl", make_wheel("dmg", "2.0"))
    assert response["statusCode"] == 503
    assert package_keys(index) == ["dmg/dmg-1.0-py3-none-any.whl"]


def test_an_event_repairs_a_damaged_page_from_the_package_files(index: Index) -> None:
    from tests.support.events import s3_event

    index.put("Dmg/dmg-0.9-py3-none-any.whl", make_wheel("dmg", "0.9"))
    reindex.handler({"rebuild": True}, None)
    damage_page(index, "dmg")
    etag = index.put("dmg/dmg-1.0-py3-none-any.whl", make_wheel("dmg", "1.0"))
    reindex.handler(s3_event("created", index.bucket, "dmg/dmg-1.0-py3-none-any.whl", etag=etag), None)
    files = [f["filename"] for f in json.loads(body_of(index.get("/dmg/", accept=JSON)))["files"]]
    assert files == ["dmg-0.9-py3-none-any.whl", "dmg-1.0-py3-none-any.whl"]


def test_a_damaged_root_is_rebuilt_from_a_listing(index: Index) -> None:
    from tests.support.events import s3_event

    index.put("one/one-1.0-py3-none-any.whl", make_wheel("one", "1.0"))
    reindex.handler({"rebuild": True}, None)
    index.put(layout.ROOT_PAGE_KEY, b"garbage", Metadata={"html-length": "3"})
    etag = index.put("two/two-1.0-py3-none-any.whl", make_wheel("two", "1.0"))
    reindex.handler(s3_event("created", index.bucket, "two/two-1.0-py3-none-any.whl", etag=etag), None)
    names = [p["name"] for p in json.loads(body_of(index.get("/", accept=JSON)))["projects"]]
    assert names == ["one", "two"]


def test_admin_reindex_repairs_a_damaged_page_and_refuses_an_unknown_project(
    index: Index, s3_endpoint: str
) -> None:
    index.put("dmg/dmg-1.0-py3-none-any.whl", make_wheel("dmg", "1.0"))
    reindex.handler({"rebuild": True}, None)
    damage_page(index, "dmg")
    base = ["--bucket", index.bucket, "--endpoint-url", s3_endpoint]
    assert admin([*base, "reindex", "dmg"]) == 0
    assert index.get("/dmg/")["statusCode"] == 200
    assert admin([*base, "reindex"]) == 0  # a whole rebuild goes past damage too
    before = index.s3.list_objects_v2(Bucket=index.bucket)["KeyCount"]
    assert admin([*base, "reindex", "nothing-here"]) == 1
    assert index.s3.list_objects_v2(Bucket=index.bucket)["KeyCount"] == before


# -- 6. the fallback is never taken for a name the bucket holds ----------------------------------------
@pytest.mark.parametrize("folder", ["held-odd-name", "Held_Odd.Name", "HELD-odd_NAME"])
def test_a_held_name_is_a_503_until_indexed_never_the_fallback(
    index: Index, monkeypatch: pytest.MonkeyPatch, folder: str
) -> None:
    monkeypatch.setenv("FALLBACK_INDEX_URL", "https://pypi.org/simple/")
    index.put(f"{folder}/held_odd_name-1.0-py3-none-any.whl", make_wheel("held-odd-name", "1.0"))
    index.get("/warm-up/")  # the reserved namespaces are read once a minute, not per miss
    index.counter.reset()
    response = index.get("/held-odd-name/")
    assert response["statusCode"] == 503 and headers_of(response)["Retry-After"]
    assert index.counter.total <= 3  # the page GET and at most two listings
    assert index.get("/held-odd/")["statusCode"] == 302  # a prefix of a held name is not held


def test_a_crowded_listing_fails_closed(index: Index, monkeypatch: pytest.MonkeyPatch) -> None:
    from handlers.aws import storage

    monkeypatch.setenv("FALLBACK_INDEX_URL", "https://pypi.org/simple/")

    def crowded(self: object, prefix: str, after: str, max_requests: int | None = None) -> Any:
        raise storage.ListingTruncated(prefix)

    monkeypatch.setattr(storage.Storage, "folders_after", crowded)
    # A crowded range is searched by spelling prefix instead (tests/handlers/test_large_bucket.py) ...
    assert index.get("/anything/")["statusCode"] == 302
    # ... and only a search past its budget fails closed.
    monkeypatch.setattr("handlers.simple.catalog.MAX_MISS_REQUESTS", 0)
    assert index.get("/anything/")["statusCode"] == 503


def test_a_miss_costs_at_most_three_requests_and_a_hit_one(
    index: Index, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FALLBACK_INDEX_URL", "https://pypi.org/simple/")
    index.put("known/known-1.0-py3-none-any.whl", make_wheel("known", "1.0"))
    reindex.handler({"rebuild": True}, None)
    index.counter.reset()
    assert index.get("/unknown/")["statusCode"] == 302
    # The page GET, the reserved namespaces (then cached for a minute), two listings.
    assert dict(index.counter.calls) == {"GetObject": 2, "ListObjectsV2": 2}
    index.counter.reset()
    assert index.get("/unknown-too/")["statusCode"] == 302
    assert dict(index.counter.calls) == {"GetObject": 1, "ListObjectsV2": 2}
    index.counter.reset()
    assert index.get("/known/")["statusCode"] == 200
    assert index.counter.total == 1


# -- 7. smaller --------------------------------------------------------------------------------------
def test_a_304_varies_like_its_200_and_metadata_is_nosniff(index: Index) -> None:
    index.put("v/v-1.0-py3-none-any.whl", make_wheel("v", "1.0"))
    reindex.handler({"rebuild": True}, None)
    first = index.get("/v/", Accept_Encoding="gzip")
    again = index.get("/v/", Accept_Encoding="gzip", If_None_Match=headers_of(first)["ETag"])
    assert again["statusCode"] == 304
    assert headers_of(again)["Vary"] == headers_of(first)["Vary"]
    metadata = index.get("/v/v-1.0-py3-none-any.whl.metadata")
    assert headers_of(metadata)["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("days", ["0", "-1"])
def test_tokens_that_expire_before_they_start_are_refused(index: Index, s3_endpoint: str, days: str) -> None:
    argv = ["--bucket", index.bucket, "--endpoint-url", s3_endpoint, "token", "create", "--name", "x"]
    assert admin([*argv, "--scope", "read", "--expires-days", days]) == 1
    assert index.s3.list_objects_v2(Bucket=index.bucket).get("KeyCount", 0) == 0


def test_the_sha256_stored_with_an_upload_matches_its_bytes(index: Index, token: str) -> None:
    wheel = make_wheel("sha", "1.0")
    assert post_file(index, token, "sha-1.0-py3-none-any.whl", wheel)["statusCode"] == 200
    head = index.s3.head_object(Bucket=index.bucket, Key="sha/sha-1.0-py3-none-any.whl")
    assert head["Metadata"]["sha256"] == hashlib.sha256(wheel).hexdigest()
