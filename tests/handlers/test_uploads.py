"""Uploads and tokens through the API handler against moto: every refusal stores nothing."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
from typing import Any

import pytest

from handlers import api, reindex
from handlers.auth import tokens
from handlers.aws.storage import Storage
from testkit.forms import CONTENT_TYPE, form_body, twine_fields
from tests.support.moto import Index
from tests.support.proxy import body_of, headers_of, make_wheel, proxy_event


@pytest.fixture
def private(index: Index, monkeypatch: pytest.MonkeyPatch) -> Index:
    monkeypatch.setenv("PUBLIC_READ", "false")
    return index


def store(index: Index) -> tokens.TokenStore:
    from handlers.aws import clients

    return tokens.TokenStore(Storage(clients.s3(), index.bucket))


def basic(token: str, user: str = "__token__") -> str:
    return "Basic " + base64.b64encode(f"{user}:{token}".encode()).decode()


def post(index: Index, body: bytes, token: str | None, content_type: str | None = None) -> dict[str, Any]:
    headers = {"Content-Type": content_type or CONTENT_TYPE}
    if token is not None:
        headers["Authorization"] = basic(token)
    return api.handler(proxy_event("POST", "/", headers, body), None)


def keys(index: Index) -> list[str]:
    listing = index.s3.list_objects_v2(Bucket=index.bucket).get("Contents", [])
    return sorted(obj["Key"] for obj in listing if not obj["Key"].startswith(".pypi/tokens/"))


@pytest.fixture
def uploader(private: Index) -> str:
    return store(private).create("ci", ("upload", "read"))


def upload_wheel(
    index: Index,
    token: str | None,
    name: str = "demo",
    version: str = "1.0",
    form: dict[str, str] | None = None,
) -> dict[str, Any]:
    wheel = make_wheel(name, version)
    filename = f"{re.sub(r'[-_.]+', '_', name)}-{version}-py3-none-any.whl"
    return post(
        index, form_body(twine_fields(filename, wheel, name, version, form), (filename, wheel)), token
    )


def test_twine_shaped_upload_is_stored_with_its_hash(private: Index, uploader: str) -> None:
    response = upload_wheel(private, uploader, "Demo.Pkg")
    assert response["statusCode"] == 200, body_of(response)
    head = private.s3.head_object(Bucket=private.bucket, Key="demo-pkg/Demo_Pkg-1.0-py3-none-any.whl")
    assert head["Metadata"]["sha256"] == hashlib.sha256(make_wheel("Demo.Pkg", "1.0")).hexdigest()


def test_uv_shaped_upload_without_part_content_type_and_empty_fields(private: Index, uploader: str) -> None:
    wheel = make_wheel("uvpkg", "2.0")
    fields = [
        ("name", "uvpkg"),
        ("version", "2.0"),
        ("md5_digest", ""),
        ("requires_python", ""),
        (":action", "file_upload"),
    ]
    body = form_body(fields, ("uvpkg-2.0-py3-none-any.whl", wheel), file_type=False)
    assert post(private, body, uploader)["statusCode"] == 200


def test_identical_reupload_is_ok_and_other_bytes_are_refused(private: Index, uploader: str) -> None:
    assert upload_wheel(private, uploader)["statusCode"] == 200
    again = upload_wheel(private, uploader)
    assert again["statusCode"] == 200
    wheel = make_wheel("demo", "1.0", summary="different")
    filename = "demo-1.0-py3-none-any.whl"
    other = post(
        private, form_body(twine_fields(filename, wheel, "demo", "1.0"), (filename, wheel)), uploader
    )
    assert other["statusCode"] == 400
    assert body_of(other).decode().startswith("File already exists")
    stored = private.s3.get_object(Bucket=private.bucket, Key="demo/" + filename)["Body"].read()
    assert stored == make_wheel("demo", "1.0")


def test_reupload_into_another_folder_spelling_is_refused(private: Index, uploader: str) -> None:
    private.put("Demo/demo-1.0-py3-none-any.whl", make_wheel("demo", "1.0", summary="old"))
    reindex.handler({"rebuild": True}, None)
    response = upload_wheel(private, uploader)
    assert response["statusCode"] == 400 and b"File already exists" in body_of(response)
    assert "demo/demo-1.0-py3-none-any.whl" not in keys(private)


REFUSALS = [
    ("name", {"name": "other"}),
    ("version", {"version": "1.4"}),
    ("sha256", {"sha256_digest": "0" * 64}),
    ("md5", {"md5_digest": "0" * 32}),
    ("blake2", {"blake2_256_digest": "0" * 64}),
    ("filetype", {"filetype": "sdist"}),
    ("action", {":action": "remove_pkg"}),
]


@pytest.mark.parametrize(("case", "override"), REFUSALS, ids=[c for c, _ in REFUSALS])
def test_form_mismatches_are_refused_and_store_nothing(
    private: Index, uploader: str, case: str, override: dict[str, str]
) -> None:
    response = upload_wheel(private, uploader, form=override)
    assert response["statusCode"] == 400, case
    assert headers_of(response)["Content-Type"].startswith("text/plain")
    assert body_of(response).count(b"\n") == 1
    assert keys(private) == []


@pytest.mark.parametrize(
    ("filename", "content"),
    [
        ("demo-1.0-py3-none-any.whl", b"not a zip"),  # unreadable wheel
        ("demo-1.0-py3-none-any.whl", b""),  # empty
        ("demo-1.0.exe", b"MZ"),  # not a distribution
        ("../demo-1.0.tar.gz", b"x"),  # traversal in the filename
        ("demo-1.0.tar.gz", b"not gzip"),  # unreadable sdist
        ("other-1.0-py3-none-any.whl", make_wheel("demo", "1.0")),  # METADATA disagrees with the name
    ],
)
def test_bad_files_are_refused(private: Index, uploader: str, filename: str, content: bytes) -> None:
    fields = [(":action", "file_upload"), ("name", filename.split("-")[0].strip("./")), ("version", "1.0")]
    response = post(private, form_body(fields, (filename, content)), uploader)
    assert response["statusCode"] == 400
    assert keys(private) == []


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"name=demo", "application/x-www-form-urlencoded"),
        (b"garbage", None),
        (form_body([("name", "demo")], None), None),  # no content part
        (b"--x\r\nbroken", "multipart/form-data; boundary=x"),
    ],
)
def test_malformed_forms_are_400(
    private: Index, uploader: str, body: bytes, content_type: str | None
) -> None:
    assert post(private, body, uploader, content_type)["statusCode"] == 400


def test_no_or_bad_credentials_get_401_with_basic_challenge(private: Index, uploader: str) -> None:
    for token in (None, "spypi-wrong", ""):
        response = upload_wheel(private, token)
        assert response["statusCode"] == 401
        assert headers_of(response)["WWW-Authenticate"].startswith("Basic realm=")
    assert private.get("/")["statusCode"] == 401
    assert keys(private) == []


@pytest.mark.parametrize("shape", ["Bearer {token}", "{bare}", "hunter2"])
def test_a_password_of_the_wrong_shape_gets_401_naming_the_prefix_and_token_create(
    private: Index, shape: str
) -> None:
    token = store(private).create("reader", ("read",))
    password = shape.format(token=token, bare=token.removeprefix(tokens.TOKEN_PREFIX))
    response = private.get("/", Authorization=basic(password))
    assert response["statusCode"] == 401
    text = body_of(response).decode()
    assert text.startswith("Not a token: a token starts with spypi- "), text
    assert "token create --name NAME --scope read" in text, text


def test_a_token_of_the_right_shape_that_is_unknown_names_token_create(private: Index) -> None:
    response = private.get("/", Authorization=basic("spypi-unknown"))
    assert response["statusCode"] == 401
    text = body_of(response).decode()
    assert text.startswith("Invalid or expired token. ") and "token create" in text


def test_reads_need_a_read_token_unless_public(private: Index, monkeypatch: pytest.MonkeyPatch) -> None:
    reader = store(private).create("reader", ("read",))
    writer = store(private).create("writer", ("upload",))
    assert private.get("/", Authorization=basic(reader))["statusCode"] == 200
    assert private.get("/", Authorization=basic(writer))["statusCode"] == 403
    assert private.get("/", Authorization=basic(reader, user="someone"))["statusCode"] == 401
    assert upload_wheel(private, reader)["statusCode"] == 403
    monkeypatch.setenv("PUBLIC_READ", "true")
    assert private.get("/")["statusCode"] == 200


def test_project_scoped_token(private: Index) -> None:
    token = store(private).create("scoped", ("upload",), projects=("Demo",))
    assert upload_wheel(private, token, "demo")["statusCode"] == 200
    assert upload_wheel(private, token, "other")["statusCode"] == 403


def test_expired_and_revoked_tokens_stop_working(private: Index, monkeypatch: pytest.MonkeyPatch) -> None:
    expired = store(private).create("old", ("read",), expires=1)
    assert private.get("/", Authorization=basic(expired))["statusCode"] == 401
    token = store(private).create("soon-revoked", ("read",))
    assert private.get("/", Authorization=basic(token))["statusCode"] == 200
    private.counter.reset()
    assert private.get("/", Authorization=basic(token))["statusCode"] == 200
    assert private.counter.total == 1  # the token was cached: only the page was read
    assert store(private).revoke("soon-revoked") == 1
    monkeypatch.setattr(tokens, "CACHE_SECONDS", 0.0)  # as if the cache's 30 s had passed
    assert private.get("/", Authorization=basic(token))["statusCode"] == 401


def test_token_store_keeps_only_the_hash(private: Index) -> None:
    token = store(private).create("hashed", ("read",))
    listed = private.s3.list_objects_v2(Bucket=private.bucket, Prefix=".pypi/tokens/")["Contents"]
    assert [obj["Key"] for obj in listed] == [f".pypi/tokens/{hashlib.sha256(token.encode()).hexdigest()}"]
    stored = private.s3.get_object(Bucket=private.bucket, Key=listed[0]["Key"])["Body"].read()
    assert token.encode() not in stored and json.loads(stored)["name"] == "hashed"
    assert len(token) >= len(tokens.TOKEN_PREFIX) + 43  # 256 bits, URL-safe base64


def test_racing_uploads_of_one_file_exactly_one_wins(private: Index, uploader: str) -> None:
    results: list[int] = []
    bodies = []
    for n in range(8):
        wheel = make_wheel("race", "1.0", summary=f"{n}")
        bodies.append(
            form_body(
                twine_fields("race-1.0-py3-none-any.whl", wheel, "race", "1.0"),
                ("race-1.0-py3-none-any.whl", wheel),
            )
        )
    barrier = threading.Barrier(len(bodies))

    def run(body: bytes) -> None:
        barrier.wait()
        results.append(post(private, body, uploader)["statusCode"])

    threads = [threading.Thread(target=run, args=(b,)) for b in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [200] + [400] * 7


def test_uploads_can_be_turned_off(private: Index, uploader: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UPLOADS_ENABLED", "false")
    assert upload_wheel(private, uploader)["statusCode"] == 405
    assert keys(private) == []
