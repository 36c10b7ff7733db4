"""Issue 13: project status (PEP 792) and reserved namespaces, through the admin CLI, the event path
and the API handler, with pages read back by pypi-simple."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from pypi_simple import ProjectPage, ProjectStatus

from admin.cli import main as admin
from handlers import api, layout, reindex
from handlers.auth import tokens
from handlers.aws.storage import Storage
from testkit.forms import form_body, twine_fields
from tests.support.events import s3_event
from tests.support.moto import Index
from tests.support.proxy import body_of, headers_of, make_wheel, proxy_event

JSON = "application/vnd.pypi.simple.v1+json"
WHEEL = "demo-1.0-py3-none-any.whl"


@pytest.fixture
def demo(index: Index) -> Index:
    index.put(f"demo/{WHEEL}", make_wheel("demo", "1.0"))
    reindex.handler({"rebuild": True}, None)
    return index


def cli(index: Index, endpoint: str, *args: str) -> int:
    return admin(["--bucket", index.bucket, "--endpoint-url", endpoint, *args])


def set_status(index: Index, endpoint: str, *args: str) -> None:
    """``admin status`` then the event S3 raises for it, as the queue delivers it."""
    assert cli(index, endpoint, "status", *args) == 0
    key = layout.status_key(args[0])
    reindex.handler(s3_event("created", index.bucket, key), None)


def pages(index: Index, project: str) -> tuple[ProjectPage, ProjectPage]:
    html = index.get(f"/{project}/")
    js = index.get(f"/{project}/", accept=JSON)
    url = f"https://example.test/simple/{project}/"
    return (
        ProjectPage.from_html(project, body_of(html).decode(), base_url=url),
        ProjectPage.from_json_data(json.loads(body_of(js)), base_url=url),
    )


@pytest.mark.parametrize("status", ["archived", "deprecated", "quarantined"])
def test_each_status_round_trips_to_the_pages(
    demo: Index, s3_endpoint: str, status: str, capsys: pytest.CaptureFixture[str]
) -> None:
    set_status(demo, s3_endpoint, "demo", status, "--reason", "see INC-42 <now>")
    capsys.readouterr()
    assert cli(demo, s3_endpoint, "status", "demo") == 0
    assert capsys.readouterr().out == f"{status}\tsee INC-42 <now>\n"
    for page in pages(demo, "demo"):
        assert page.status is ProjectStatus(status)
        assert page.status_reason == "see INC-42 <now>"  # escaped in HTML, read back whole
        assert page.repository_version == "1.4"
        assert [p.filename for p in page.packages] == ([] if status == "quarantined" else [WHEEL])
    set_status(demo, s3_endpoint, "demo", "active")
    for page in pages(demo, "demo"):
        assert page.status is None and [p.filename for p in page.packages] == [WHEEL]


def test_quarantine_hides_every_file_url_and_keeps_the_files(demo: Index, s3_endpoint: str) -> None:
    set_status(demo, s3_endpoint, "demo", "quarantined")
    for path in (f"/demo/{WHEEL}", f"/demo/{WHEEL}.metadata"):
        response = demo.get(path)
        assert response["statusCode"] == 404 and b"quarantined" in body_of(response), path
    assert demo.s3.head_object(Bucket=demo.bucket, Key=f"demo/{WHEEL}")  # evidence kept
    # An event for a file while quarantined lists nothing either.
    demo.put("demo/demo-2.0-py3-none-any.whl", make_wheel("demo", "2.0"))
    reindex.handler(s3_event("created", demo.bucket, "demo/demo-2.0-py3-none-any.whl"), None)
    assert pages(demo, "demo")[1].packages == []
    set_status(demo, s3_endpoint, "demo", "active")
    assert demo.get(f"/demo/{WHEEL}")["statusCode"] == 302
    assert demo.get(f"/demo/{WHEEL}.metadata")["statusCode"] == 200
    assert [p.filename for p in pages(demo, "demo")[1].packages] == [WHEEL, "demo-2.0-py3-none-any.whl"]


def upload(index: Index, token: str, name: str, version: str = "2.0") -> dict[str, Any]:
    wheel = make_wheel(name, version)
    filename = f"{name.replace('-', '_')}-{version}-py3-none-any.whl"
    body = form_body(twine_fields(filename, wheel, name, version), (filename, wheel))
    auth = "Basic " + base64.b64encode(f"__token__:{token}".encode()).decode()
    headers = {
        "Content-Type": "multipart/form-data; boundary=----serverless-pypi-test",
        "Authorization": auth,
    }
    return api.handler(proxy_event("POST", "/", headers, body), None)


def make_token(index: Index, name: str, **limits: Any) -> str:
    from handlers.aws import clients

    return tokens.TokenStore(Storage(clients.s3(), index.bucket)).create(name, ("upload",), **limits)


@pytest.mark.parametrize("status", ["archived", "quarantined"])
def test_archived_and_quarantined_projects_take_no_uploads(
    demo: Index, s3_endpoint: str, status: str
) -> None:
    token = make_token(demo, "ci")
    assert cli(demo, s3_endpoint, "status", "demo", status) == 0  # refused at once, before the event
    response = upload(demo, token, "demo")
    assert response["statusCode"] == 400 and status in body_of(response).decode()
    assert demo.get(f"/demo/{WHEEL}")["statusCode"] == (302 if status == "archived" else 404)
    assert cli(demo, s3_endpoint, "status", "demo", "deprecated") == 0
    assert upload(demo, token, "demo")["statusCode"] == 200


def test_a_status_set_before_the_first_upload_holds(index: Index, s3_endpoint: str) -> None:
    set_status(index, s3_endpoint, "later", "quarantined")
    index.put("later/later-1.0-py3-none-any.whl", make_wheel("later", "1.0"))
    reindex.handler(s3_event("created", index.bucket, "later/later-1.0-py3-none-any.whl"), None)
    page = pages(index, "later")[1]
    assert page.status is ProjectStatus.QUARANTINED and page.packages == []


def test_an_unaffected_page_still_costs_one_request(demo: Index, s3_endpoint: str) -> None:
    set_status(demo, s3_endpoint, "other", "quarantined")
    demo.counter.reset()
    assert demo.get("/demo/")["statusCode"] == 200
    assert dict(demo.counter.calls) == {"GetObject": 1}


# -- reserved namespaces -------------------------------------------------------------------------------
@pytest.fixture
def reserved(index: Index, s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Index:
    monkeypatch.setenv("FALLBACK_INDEX_URL", "https://pypi.org/simple/")
    assert cli(index, s3_endpoint, "namespace", "add", "Acme") == 0
    return index


@pytest.mark.parametrize("name", ["acme", "acme-billing", "acme-billing-v2"])
def test_a_miss_in_a_reserved_namespace_is_a_404_never_the_fallback(reserved: Index, name: str) -> None:
    response = reserved.get(f"/{name}/")
    assert response["statusCode"] == 404 and b"reserved" in body_of(response)
    assert "Location" not in headers_of(response)


@pytest.mark.parametrize("name", ["acmeish", "not-acme", "requests"])
def test_a_miss_outside_still_redirects(reserved: Index, name: str) -> None:
    response = reserved.get(f"/{name}/")
    assert response["statusCode"] == 302
    assert headers_of(response)["Location"] == f"https://pypi.org/simple/{name}/"


def test_uploads_into_a_namespace_need_a_token_for_it(reserved: Index) -> None:
    anything = make_token(reserved, "anything")
    other = make_token(reserved, "other-ns", namespaces=("other",))
    scoped = make_token(reserved, "acme-ns", namespaces=("acme",))
    project = make_token(reserved, "one-project", projects=("acme-billing",))
    for token in (anything, other):
        response = upload(reserved, token, "acme-billing")
        assert response["statusCode"] == 403 and b"acme" in body_of(response)
    assert upload(reserved, scoped, "acme-billing")["statusCode"] == 200
    assert upload(reserved, project, "acme-billing", "3.0")["statusCode"] == 200
    assert upload(reserved, scoped, "elsewhere")["statusCode"] == 403  # a namespace token stays in it
    assert upload(reserved, anything, "elsewhere")["statusCode"] == 200


def test_namespaces_list_add_and_remove(
    index: Index, s3_endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(index, s3_endpoint, "namespace", "add", "acme") == 0
    assert cli(index, s3_endpoint, "namespace", "add", "Zed.Corp") == 0
    capsys.readouterr()
    assert cli(index, s3_endpoint, "namespace", "list") == 0
    assert capsys.readouterr().out == "acme\nzed-corp\n"
    assert cli(index, s3_endpoint, "namespace", "remove", "acme") == 0
    assert cli(index, s3_endpoint, "namespace", "remove", "acme") == 1
    assert cli(index, s3_endpoint, "namespace", "add", "bad_") == 1
    capsys.readouterr()
    assert cli(index, s3_endpoint, "namespace", "list") == 0
    assert capsys.readouterr().out == "zed-corp\n"


def test_a_damaged_namespace_list_fails_closed(index: Index, monkeypatch: pytest.MonkeyPatch) -> None:
    from handlers.controls import registry

    monkeypatch.setenv("FALLBACK_INDEX_URL", "https://pypi.org/simple/")
    monkeypatch.setattr(registry, "_namespaces", {})
    index.put(layout.NAMESPACES_KEY, b"not json")
    assert index.get("/anything/")["statusCode"] == 404
