"""Issue 20, item 8: no answer is too large for Lambda, whatever the client accepts.

A root of 200,000 projects (written with the reindexer's own writer) and a project of 20,000 files,
asked without ``Accept-Encoding`` through ``handlers.api.handler``: a proxy response Lambda can return
(at most 6 MiB as the runtime serializes it), or a 302 to a copy in S3 whose links point back at the
URL the client asked, never at S3. What that costs in S3 requests, the first time and after.
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest
from pypi_simple import IndexPage, ProjectPage, parse_links_stream

from devserver import lambdas
from devserver.limits import LAMBDA_MAX_RESPONSE
from handlers import api, layout
from handlers.aws import clients
from handlers.aws.storage import Storage
from handlers.names import NormalizedName
from handlers.simple import pages, render
from handlers.simple.catalog import Catalog
from handlers.simple.model import FileFacts
from handlers.web.http import MAX_PROXY_RESPONSE, PROXY_OVERHEAD, json_string_size
from tests.support.moto import Index
from tests.support.proxy import body_of, headers_of, load_event, proxy_event

NAMES = 200_000
HTML = "text/html"
JSON = "application/vnd.pypi.simple.v1+json"
#: Where the recorded execute-api event says the client is (requestContext.domainName, stage path).
STAGE_URL = "https://abcdef1234.execute-api.us-east-1.amazonaws.com/simple/"
BIG = NormalizedName("big-project")
BIG_FILES = 20_000


def names(count: int) -> list[NormalizedName]:
    """``count`` project names of one length, in order (a page's size grows by the same per name)."""
    return [NormalizedName(f"project-{i:06d}") for i in range(count)]


def write_root(index: Index, projects: list[NormalizedName]) -> None:
    """The root as the reindexer writes it: its own writer, conditional on the stored root."""
    catalog = Catalog(Storage(clients.s3(), index.bucket))
    catalog.write_root(projects, catalog.read_root().etag)


def write_big_project(index: Index) -> None:
    """A page of 20,000 files, half of them in another spelling of the folder (``../Big.Project/``)."""
    files = {}
    for number in range(BIG_FILES):
        folder = "Big.Project" if number % 2 else BIG
        filename = f"big_project-1.0.{number}-py3-none-any.whl"
        facts = FileFacts(
            filename,
            f"{folder}/{filename}",
            f"{number:032x}",
            1234,
            f"{number:064x}",
            "2026-01-01T00:00:00Z",
            requires_python=">=3.8",
            metadata_sha256="a" * 64,
        )
        files[facts.key] = facts
    Catalog(Storage(clients.s3(), index.bucket)).write_page(BIG, files, None)


@pytest.fixture
def crowded(index: Index) -> Index:
    write_root(index, names(NAMES))
    write_big_project(index)
    index.counter.reset()
    return index


def serialized_size(response: dict[str, Any]) -> int:
    """Bytes of a proxy response as the Lambda runtime serializes it (the json module's defaults)."""
    return len(json.dumps(response).encode("utf-8"))


def fetch(url: str) -> tuple[bytes, dict[str, str]]:
    """What a client without gzip gets at a presigned URL (moto's S3 here), headers by title-case name."""
    assert url.startswith("http://127.0.0.1:"), url  # the copy is in S3, never the API
    with urllib.request.urlopen(url, timeout=60) as answer:  # sends no Accept-Encoding
        return answer.read(), {name.title(): value for name, value in answer.headers.items()}


def copy_of(response: dict[str, Any]) -> tuple[str, bytes, dict[str, str]]:
    """A 302's target and what is there, checked to be a redirect clients never keep."""
    assert response["statusCode"] == 302, body_of(response)[:300]
    headers = headers_of(response)
    assert headers["Cache-Control"] == "no-store"
    assert {"Accept", "Accept-Encoding"} <= set(headers["Vary"].split(", "))
    assert serialized_size(response) < 10_000
    body, s3_headers = fetch(headers["Location"])
    assert "Content-Encoding" not in s3_headers
    return headers["Location"], body, s3_headers


def costs(index: Index, path: str, status: int, **headers: str) -> dict[str, int]:
    index.counter.reset()
    response = index.get(path, **headers)
    assert response["statusCode"] == status, body_of(response)[:300]
    return dict(index.counter.calls)


def test_a_root_of_200000_projects_in_html_is_a_redirect_to_a_copy_linking_back(crowded: Index) -> None:
    location, body, s3_headers = copy_of(crowded.get("/", accept=HTML))
    assert s3_headers["Content-Type"] == "text/html; charset=utf-8"
    assert len(body) > 9_000_000  # inflated: the client asked for no coding
    # Resolved as a client resolves it, against where it was read (pypi-simple's streaming parser:
    # its page parser takes minutes over 200,000 links).
    links = list(parse_links_stream([body], base_url=location))
    assert [link.text for link in links] == names(NAMES)
    assert links[0].url == STAGE_URL + "project-000000/"
    assert all(link.url == f"{STAGE_URL}{link.text}/" for link in links)


def test_a_root_of_200000_projects_in_json_fits_or_is_redirected(crowded: Index) -> None:
    response = crowded.get("/", accept=JSON)
    if response["statusCode"] == 200:  # 6.0 MB of JSON for these names: it fits, just
        assert serialized_size(response) <= MAX_PROXY_RESPONSE
        document = json.loads(body_of(response))
    else:
        _, body, _ = copy_of(response)
        document = json.loads(body)
    assert len(IndexPage.from_json_data(document).projects) == NAMES


def test_a_client_taking_gzip_gets_the_stored_member_in_one_get(crowded: Index) -> None:
    for accept in (HTML, JSON):
        crowded.counter.reset()
        response = crowded.get("/", accept=accept, Accept_Encoding="gzip, deflate")
        assert response["statusCode"] == 200 and headers_of(response)["Content-Encoding"] == "gzip"
        assert serialized_size(response) < 3 * 1024 * 1024
        assert dict(crowded.counter.calls) == {"GetObject": 1}


@pytest.mark.parametrize("accept", [HTML, JSON])
def test_a_large_project_page_is_a_copy_whose_file_links_lead_back_here(crowded: Index, accept: str) -> None:
    location, body, s3_headers = copy_of(crowded.get(f"/{BIG}/", accept=accept))
    if accept == JSON:
        assert s3_headers["Content-Type"] == JSON
        page = ProjectPage.from_json_data(json.loads(body), base_url=location)
    else:
        page = ProjectPage.from_html(BIG, body, base_url=location)
    assert len(page.packages) == BIG_FILES
    urls = {package.filename: package.url for package in page.packages}
    first, second = (f"big_project-1.0.{n}-py3-none-any.whl" for n in (0, 1))
    assert urls[first] == f"{STAGE_URL}{BIG}/{first}"
    assert urls[second] == f"{STAGE_URL}Big.Project/{second}"
    assert all(package.digests["sha256"] for package in page.packages)
    assert all(package.requires_python == ">=3.8" and package.has_metadata for package in page.packages)
    # The link, taken back to this API below the stage, is the download's route.
    download = crowded.get("/" + urls[second].removeprefix(STAGE_URL))
    assert download["statusCode"] == 302
    assert f"/Big.Project/{second}?" in headers_of(download)["Location"]


def test_the_rare_path_costs_a_head_after_the_page_and_a_put_the_first_time(crowded: Index) -> None:
    first = {"GetObject": 1, "HeadObject": 1, "PutObject": 1}
    again = {"GetObject": 1, "HeadObject": 1}
    assert costs(crowded, "/", 302, accept=HTML) == first
    assert costs(crowded, "/", 302, accept=HTML) == again
    assert costs(crowded, f"/{BIG}/", 302, accept=JSON) == first
    assert costs(crowded, f"/{BIG}/", 302, accept=JSON) == again
    # HEAD sends no body: nothing to copy, nothing to inflate.
    assert costs(crowded, "/", 200, accept=HTML, method="HEAD") == {"GetObject": 1}
    # A new root is a new page: a copy of its own (the old one expires by the lifecycle rule).
    write_root(crowded, names(NAMES + 1))
    assert costs(crowded, "/", 302, accept=HTML) == first
    copies = crowded.s3.list_objects_v2(Bucket=crowded.bucket, Prefix=layout.LARGE_PAGES_PREFIX)
    assert copies["KeyCount"] == 3


def custom_domain_event(path: str, accept: str) -> dict[str, Any]:
    """The recorded custom domain event (base path ``simple``) for ``path``, without Accept-Encoding."""
    event = load_event("api_custom_domain_project.json")
    headers = {"Accept": accept, "Host": "pypi.example.com", "X-Forwarded-Proto": "https"}
    event.update(headers=headers, multiValueHeaders={k: [v] for k, v in headers.items()})
    event["path"] = event["requestContext"]["path"] = f"/simple{path}"
    event["pathParameters"] = {"package": path.strip("/")}
    return event


def test_behind_a_custom_domain_the_copy_links_to_the_custom_domain(crowded: Index) -> None:
    crowded.get(f"/{BIG}/", accept=HTML)  # the execute-api URL's copy
    crowded.counter.reset()
    location, body, _ = copy_of(api.handler(custom_domain_event(f"/{BIG}/", HTML), None))
    # Another URL, another copy: the links of the first would lead to the execute-api host.
    assert dict(crowded.counter.calls) == {"GetObject": 1, "HeadObject": 1, "PutObject": 1}
    page = ProjectPage.from_html(BIG, body, base_url=location)
    assert {p.url.split("/simple/")[0] for p in page.packages} == {"https://pypi.example.com"}


def test_the_bound_is_the_serialized_response_itself(index: Index) -> None:
    # The largest root served inline, by rendering: its size grows the same per name.
    budget = MAX_PROXY_RESPONSE - PROXY_OVERHEAD
    one, two = (json_string_size(render.root_json(names(n))) for n in (1, 2))
    largest = 1 + (budget - one) // (two - one)
    assert json_string_size(render.root_json(names(largest))) <= budget
    assert json_string_size(render.root_json(names(largest + 1))) > budget
    write_root(index, names(largest))
    event = proxy_event("GET", "/", {"Accept": JSON})
    response = api.handler(event, None)
    assert response["statusCode"] == 200
    assert MAX_PROXY_RESPONSE - 20_000 < serialized_size(response) <= MAX_PROXY_RESPONSE
    # Lambda as the dev server plays it: serialized, measured, refused past 6 MiB + 100 bytes.
    answer = lambdas.invoke(api.handler, event, function_name="api")
    assert answer["statusCode"] == 200 and serialized_size(answer) <= LAMBDA_MAX_RESPONSE
    write_root(index, names(largest + 1))
    copy_of(api.handler(event, None))


def test_a_page_whose_escapes_pass_the_limit_is_redirected_though_its_bytes_fit(index: Index) -> None:
    # 3 MiB of HTML that JSON escapes to over 6 MiB (every character a quote): the trailer says
    # it fits, the count says it does not.
    html = b"<html>\n<head>\n</head>\n<body>\n" + b'"' * (3 * 1024 * 1024) + b"\n</body>\n</html>\n"
    body, metadata = pages.pack(html, render.root_json([]))
    index.put(layout.ROOT_PAGE_KEY, body, Metadata=metadata)
    _, copy, _ = copy_of(index.get("/", accept=HTML))
    assert copy.startswith(f'<html>\n<head>\n<base href="{STAGE_URL}">'.encode())


def test_without_a_url_to_link_back_to_the_answer_is_a_400_naming_gzip(crowded: Index) -> None:
    event = proxy_event("GET", "/", {"Accept": HTML})
    del event["requestContext"]["path"]
    response = api.handler(event, None)
    assert response["statusCode"] == 400
    assert b"Accept-Encoding: gzip" in body_of(response)
