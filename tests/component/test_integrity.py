"""PEP 740's Integrity API under Pulumi mocks: a REST API of its own mapped at ``integrity`` of the
custom domain, one resource with GET and HEAD; nothing of it without a domain, and the index's own
REST API gains no resource or method."""

from __future__ import annotations

from typing import Any

import pytest

from components import integrity
from handlers import contract
from tests.support.pulumi_mocks import Graph
from tests.support.stack import run_stack

API = "aws:apigateway/restApi:RestApi"
RESOURCE = "aws:apigateway/resource:Resource"
METHOD = "aws:apigateway/method:Method"
INTEGRATION = "aws:apigateway/integration:Integration"
PERMISSION = "aws:lambda/permission:Permission"
MAPPING = "aws:apigateway/basePathMapping:BasePathMapping"
FUNCTION = "aws:lambda/function:Function"
DOMAIN_CONFIG = {"domainName": "pypi.example.com", "certificateArn": "arn:aws:acm:us-east-1:1:certificate/x"}


@pytest.fixture(scope="module")
def with_domain() -> Graph:
    return run_stack({**DOMAIN_CONFIG, "uploads": "true"})


@pytest.fixture(scope="module")
def without_domain() -> Graph:
    return run_stack()


def _of(graph: Graph, typ: str) -> list[Any]:
    return [r for r in graph.of_type(typ) if r.name.startswith("serverless-pypi-integrity")]


def test_the_integrity_api_has_one_route_with_get_and_head(with_domain: Graph) -> None:
    api = with_domain.one(API, "serverless-pypi-integrity")
    assert api.inputs["disableExecuteApiEndpoint"] is True
    resources = {r.id: r for r in _of(with_domain, RESOURCE)}

    def path_of(resource: Any) -> str:
        parent = resources.get(resource.inputs["parentId"])
        return (path_of(parent) if parent is not None else "") + "/" + str(resource.inputs["pathPart"])

    assert sorted(path_of(r) for r in resources.values()) == sorted(integrity.resource_paths())
    routes = {
        (path_of(resources[m.inputs["resourceId"]]), m.inputs["httpMethod"]) for m in _of(with_domain, METHOD)
    }
    assert routes == {(contract.INTEGRITY_RESOURCE, "GET"), (contract.INTEGRITY_RESOURCE, "HEAD")}
    function = with_domain.one(FUNCTION, "serverless-pypi-api")
    assert {i.inputs["uri"] for i in _of(with_domain, INTEGRATION)} == {function.state["invokeArn"]}
    arns = sorted(p.inputs["sourceArn"] for p in _of(with_domain, PERMISSION))
    # Each path parameter a ``*``, as the exchange's permissions (API Gateway names the request path).
    assert arns == sorted(f"{api.state['executionArn']}/*/{m}/*/*/*/provenance" for m in ("GET", "HEAD"))
    mapping = with_domain.one(MAPPING, "serverless-pypi-integrity-mapping")
    assert mapping.inputs["basePath"] == "integrity" and mapping.inputs["restApi"] == api.id


def test_the_index_api_is_unchanged_and_a_stack_without_domain_has_none(
    with_domain: Graph, without_domain: Graph
) -> None:
    assert _of(without_domain, API) == []

    def index_methods(graph: Graph) -> set[str]:
        others = ("serverless-pypi-integrity", "serverless-pypi-oidc", "serverless-pypi-views")
        return {m.name for m in graph.of_type(METHOD) if not m.name.startswith(others)}

    assert index_methods(with_domain) == index_methods(without_domain)
    api = with_domain.one(API, "serverless-pypi-integrity").id
    assert all(m.inputs["restApi"] == api for m in _of(with_domain, METHOD))


def test_the_api_function_keeps_sigstore_in_tmp_when_uploads_are_on(with_domain: Graph) -> None:
    variables = with_domain.one(FUNCTION, "serverless-pypi-api").inputs["environment"]["variables"]
    assert {k: variables[k] for k in contract.SIGSTORE_ENVIRONMENT} == contract.SIGSTORE_ENVIRONMENT
