"""PEP 740 through the API handler against moto, with real attestations (tests/support/attestations):
verified against the registered publisher, stored beside the file once, served by the Integrity API
and linked from both page formats; every refusal is a 400 naming its check and stores nothing."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import pytest
from pypi_attestations import GitHubPublisher, Provenance

from handlers import api, layout, reindex
from handlers.attestations import provenance as stored
from handlers.auth import tokens
from handlers.auth.minted import MintedRecord
from handlers.aws.storage import Storage
from handlers.names import normalize
from handlers.publishing.publisher import new_publisher
from handlers.publishing.publishers import PublisherStore
from testkit.forms import CONTENT_TYPE, form_body, twine_fields
from tests.support.attestations import Assets, Signed, assets_in
from tests.support.events import s3_event
from tests.support.moto import Index
from tests.support.proxy import body_of, headers_of, proxy_event

JSON = "application/vnd.pypi.simple.v1+json"
INTEGRITY = "application/vnd.pypi.integrity.v1+json"


@pytest.fixture(scope="session")
def assets(pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> Assets:
    return assets_in(pytestconfig, tmp_path_factory)


@pytest.fixture
def token(index: Index) -> str:
    return tokens.TokenStore(Storage(index.s3, index.bucket)).create("ci", ("upload", "read"))


def register(
    index: Index,
    signed: Signed,
    *,
    workflow: str | None = None,
    issuer: str | None = None,
    provider: str = "github",
) -> str:
    extra: dict[str, str] = {"issuer": issuer} if issuer else {}
    if provider != "github":
        extra["provider"] = provider
    publisher = new_publisher(
        repository=signed.repository,
        workflow=workflow or signed.workflow,
        projects=(signed.project,),
        **extra,
    )
    assert PublisherStore(Storage(index.s3, index.bucket)).add(publisher)
    return publisher.ident


def attestations_of(signed: Signed) -> list[Any]:
    return [json.loads(path.read_bytes()) for path in signed.attestations]


def upload(index: Index, token: str, signed: Signed, attestations: list[Any] | None = None) -> dict[str, Any]:
    """As twine sends it: the attestations field a JSON array of the attestation files' objects."""
    content = signed.dist.read_bytes()
    extra = {"attestations": json.dumps(attestations_of(signed) if attestations is None else attestations)}
    fields = twine_fields(signed.dist.name, content, signed.project, signed.version, extra)
    body = form_body(fields, (signed.dist.name, content))
    auth = "Basic " + base64.b64encode(f"__token__:{token}".encode()).decode()
    headers = {"Authorization": auth, "Content-Type": CONTENT_TYPE}
    return api.handler(proxy_event("POST", "/", headers, body), None)


def integrity(project: str, version: str, filename: str) -> dict[str, Any]:
    path = f"/integrity/{project}/{version}/{filename}/provenance"
    event = proxy_event("GET", path, {"Accept": "*/*"})
    event["resource"] = "/{project}/{version}/{filename}/provenance"
    event["pathParameters"] = {"project": project, "version": version, "filename": filename}
    return api.handler(event, None)


def keys(index: Index) -> list[str]:
    listing = index.s3.list_objects_v2(Bucket=index.bucket).get("Contents", [])
    return sorted(o["Key"] for o in listing if not o["Key"].startswith("."))  # generated data, claims


def test_github_attestations_are_verified_stored_served_and_linked(
    index: Index, token: str, assets: Assets
) -> None:
    signed = assets.pypi_attestations
    register(index, signed)
    response = upload(index, token, signed)
    assert response["statusCode"] == 200, body_of(response)
    key = f"{signed.project}/{signed.dist.name}"
    assert keys(index) == [key, layout.provenance_key(key)]

    served = integrity(signed.project, signed.version, signed.dist.name)
    assert served["statusCode"] == 200
    assert headers_of(served)["Content-Type"] == INTEGRITY
    raw = json.loads(body_of(served))
    assert raw["version"] == 1
    [bundle] = raw["attestation_bundles"]
    assert bundle["publisher"] == {
        "kind": "GitHub",
        "repository": "trailofbits/pypi-attestations",
        "workflow": "release.yml",
        "environment": None,
    }
    assert len(bundle["attestations"]) == 2
    # What a client does with it: verify each attestation again against the expected identity.
    from pypi_attestations import Distribution

    dist = Distribution(name=signed.dist.name, digest=hashlib.sha256(signed.dist.read_bytes()).hexdigest())
    expected = GitHubPublisher(repository=signed.repository, workflow=signed.workflow)
    kinds = {
        a.verify(expected, dist, offline=True)[0]
        for a in Provenance.model_validate(raw).attestation_bundles[0].attestations
    }
    assert kinds == {"https://docs.pypi.org/attestations/publish/v1", "https://slsa.dev/provenance/v1"}

    # The reindexer learns "has provenance" from the file's own GET: the event costs what any does.
    etag = index.s3.head_object(Bucket=index.bucket, Key=key)["ETag"].strip('"')
    index.counter.reset()
    reindex.handler(s3_event("created", index.bucket, key, etag=etag, size=signed.dist.stat().st_size), None)
    assert sum(index.counter.calls.values()) <= 8, index.counter.calls  # the budget, views included
    assert "HeadObject" not in index.counter.calls
    link = f"../../integrity/{signed.project}/{signed.version}/{signed.dist.name}/provenance"
    page = json.loads(body_of(index.get(f"/{signed.project}/", accept=JSON)))
    assert [f["provenance"] for f in page["files"]] == [link]
    html = body_of(index.get(f"/{signed.project}/", accept="text/html")).decode()
    assert f'data-provenance="{link}"' in html
    # The provenance object's own event changes nothing on the page.
    index.counter.reset()
    reindex.handler(s3_event("created", index.bucket, layout.provenance_key(key), size=10), None)
    assert index.counter.calls.get("PutObject", 0) == 0


def test_an_identical_reupload_keeps_the_first_attestations(index: Index, token: str, assets: Assets) -> None:
    signed = assets.pypi_attestations
    register(index, signed)
    assert upload(index, token, signed)["statusCode"] == 200
    first = body_of(integrity(signed.project, signed.version, signed.dist.name))
    again = upload(index, token, signed, attestations_of(signed)[:1])
    assert again["statusCode"] == 200 and b"published already" in body_of(again)
    assert body_of(integrity(signed.project, signed.version, signed.dist.name)) == first
    # Whatever it carries: even attestations that would be refused.
    assert upload(index, token, signed, [{"not": "an attestation"}])["statusCode"] == 200


def tampered(signed: Signed) -> list[Any]:
    attestations = attestations_of(signed)
    signature = bytearray(base64.b64decode(attestations[0]["envelope"]["signature"]))
    signature[10] ^= 0x01
    attestations[0]["envelope"]["signature"] = base64.b64encode(bytes(signature)).decode()
    return attestations


@pytest.mark.parametrize(
    ("case", "check"),
    [
        ("another workflow", "identity"),
        ("changed signature byte", "signature"),
        ("attestation of another file", "subject"),
        ("staging signature", "signature"),
        ("gitlab attestation, github publisher", "identity"),
        ("gitlab attestation, another ci file", "identity"),
        ("no publisher", "identity"),
        ("not json", "format"),
        ("not an attestation", "format"),
    ],
)
def test_refusals_name_the_check_and_store_nothing(
    index: Index, token: str, assets: Assets, case: str, check: str
) -> None:
    signed, attestations = assets.pypi_attestations, None
    if case == "another workflow":
        register(index, signed, workflow="publish.yml")
    elif case == "changed signature byte":
        register(index, signed)
        attestations = tampered(signed)
    elif case == "attestation of another file":
        register(index, assets.models)
        attestations = attestations_of(signed)
        signed = assets.models
    elif case == "staging signature":
        signed = assets.staging
        register(index, signed)
    elif case == "gitlab attestation, github publisher":
        signed = assets.gitlab  # the same repository name, but GitHub's kind: never GitLab's signature
        register(index, signed, workflow="release.yml")
    elif case == "gitlab attestation, another ci file":
        signed = assets.gitlab
        register(index, signed, workflow="ci/other.yml", issuer="https://gitlab.com", provider="gitlab")
    elif case == "not json":
        register(index, signed)
    elif case == "not an attestation":
        register(index, signed)
        attestations = [{"version": 1}]
    if case == "not json":
        content = signed.dist.read_bytes()
        fields = twine_fields(
            signed.dist.name, content, signed.project, signed.version, {"attestations": "[{"}
        )
        auth = "Basic " + base64.b64encode(f"__token__:{token}".encode()).decode()
        event = proxy_event(
            "POST",
            "/",
            {"Authorization": auth, "Content-Type": CONTENT_TYPE},
            form_body(fields, (signed.dist.name, content)),
        )
        response = api.handler(event, None)
    else:
        response = upload(index, token, signed, attestations)
    assert response["statusCode"] == 400, body_of(response)
    assert f"the {check} check failed".encode() in body_of(response), body_of(response)
    assert keys(index) == []


def test_the_models_attestation_verifies_against_its_publisher(
    index: Index, token: str, assets: Assets
) -> None:
    signed = assets.models
    register(index, signed)
    assert upload(index, token, signed)["statusCode"] == 200
    raw = json.loads(body_of(integrity(signed.project, signed.version, signed.dist.name)))
    assert raw["attestation_bundles"][0]["publisher"]["repository"] == "trailofbits/pypi-attestation-models"


def test_gitlab_attestations_verify_against_a_gitlab_publisher(
    index: Index, token: str, assets: Assets
) -> None:
    signed = assets.gitlab
    register(index, signed, issuer="https://gitlab.com", provider="gitlab")
    response = upload(index, token, signed)
    assert response["statusCode"] == 200, body_of(response)
    raw = json.loads(body_of(integrity(signed.project, signed.version, signed.dist.name)))
    publisher = raw["attestation_bundles"][0]["publisher"]
    assert publisher["kind"] == "GitLab"
    assert publisher["repository"] == signed.repository
    assert publisher["workflow_filepath"] == signed.workflow


def test_a_minted_token_is_held_to_the_publisher_that_minted_it(index: Index, assets: Assets) -> None:
    signed = assets.pypi_attestations
    minter = register(index, signed)
    register(index, signed, workflow="other.yml")
    storage = Storage(index.s3, index.bucket)
    project = normalize(signed.project)
    record = MintedRecord(name="m", scopes=("upload",), projects=(project,), publisher=minter)
    assert [p.ident for p in stored.candidates(storage, record, project)] == [minter]
    operator = tokens.TokenRecord(name="t", scopes=("upload",))
    assert len(stored.candidates(storage, operator, project)) == 2


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("pypi-attestations/0.0.19/pypi_attestations-0.0.19.tar.gz/provenance", 404),  # nothing uploaded
        ("pypi-attestations/0.0.19/pypi_attestations-0.0.19.tar.gz", 404),
        ("pypi-attestations/0.0.19/..%2Fx.tar.gz/provenance", 400),
        ("Bad Name/0.0.19/pypi_attestations-0.0.19.tar.gz/provenance", 400),
    ],
)
def test_integrity_api_misses_are_client_errors(index: Index, path: str, status: int) -> None:
    event = proxy_event("GET", f"/integrity/{path}", {})
    event["resource"] = "/{project}/{version}/{filename}/provenance"
    assert api.handler(event, None)["statusCode"] == status


def test_a_wrong_version_is_404(index: Index, token: str, assets: Assets) -> None:
    signed = assets.pypi_attestations
    register(index, signed)
    assert upload(index, token, signed)["statusCode"] == 200
    assert integrity(signed.project, "0.0.18", signed.dist.name)["statusCode"] == 404
    assert integrity("PyPI_Attestations", signed.version, signed.dist.name)["statusCode"] == 200
