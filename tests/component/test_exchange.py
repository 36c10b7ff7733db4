"""Trusted publishing under Pulumi mocks: the exchange's own REST API mapped at ``_`` of the custom
domain, its routes and invoke permissions, the API function's environment and role, the bucket's
lifecycle rule; and nothing of it without a domain (the index's routes stay exactly as they were).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from components import args as component_args
from components import exchange
from handlers import contract, layout
from handlers.publishing.oidc import GITHUB_ISSUER
from tests.support.pulumi_mocks import Graph, run_stack

API = "aws:apigateway/restApi:RestApi"
RESOURCE = "aws:apigateway/resource:Resource"
METHOD = "aws:apigateway/method:Method"
INTEGRATION = "aws:apigateway/integration:Integration"
PERMISSION = "aws:lambda/permission:Permission"
STAGE = "aws:apigateway/stage:Stage"
DEPLOYMENT = "aws:apigateway/deployment:Deployment"
MAPPING = "aws:apigateway/basePathMapping:BasePathMapping"
FUNCTION = "aws:lambda/function:Function"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
DOMAIN_CONFIG = {"domainName": "pypi.example.com", "certificateArn": "arn:aws:acm:us-east-1:1:certificate/x"}


@pytest.fixture(scope="module")
def with_domain() -> Graph:
    return run_stack(DOMAIN_CONFIG)


@pytest.fixture(scope="module")
def without_domain() -> Graph:
    return run_stack()


def _oidc(graph: Graph, typ: str) -> list[Any]:
    return [r for r in graph.of_type(typ) if r.name.startswith("serverless-pypi-oidc")]


def test_the_github_issuer_is_spelled_the_same_in_the_component_and_the_handlers() -> None:
    assert component_args.OIDC_GITHUB_ISSUER == GITHUB_ISSUER


def test_the_exchange_api_has_exactly_the_exchange_routes(with_domain: Graph) -> None:
    api = with_domain.one(API, "serverless-pypi-oidc")
    assert api.inputs["disableExecuteApiEndpoint"] is True  # the domain is the only way in
    assert api.inputs["binaryMediaTypes"] == ["*/*"]
    resources = {r.id: r for r in _oidc(with_domain, RESOURCE)}
    assert all(r.inputs["restApi"] == api.id for r in resources.values())

    def path_of(resource: Any) -> str:
        parent = resources.get(resource.inputs["parentId"])
        return (path_of(parent) if parent is not None else "") + "/" + str(resource.inputs["pathPart"])

    paths = {r.id: path_of(r) for r in resources.values()}
    assert sorted(paths.values()) == exchange.resource_paths()
    routes = {(paths[m.inputs["resourceId"]], m.inputs["httpMethod"]) for m in _oidc(with_domain, METHOD)}
    assert routes == set(contract.OIDC_ROUTES.items())
    function = with_domain.one(FUNCTION, "serverless-pypi-api")
    for integration in _oidc(with_domain, INTEGRATION):
        assert integration.inputs["type"] == "AWS_PROXY"
        assert integration.inputs["integrationHttpMethod"] == "POST"
        assert integration.inputs["uri"] == function.state["invokeArn"]


def test_each_route_has_its_own_invoke_permission_for_this_api_only(with_domain: Graph) -> None:
    api = with_domain.one(API, "serverless-pypi-oidc")
    arns = sorted(p.inputs["sourceArn"] for p in _oidc(with_domain, PERMISSION))
    expected = sorted(
        f"{api.state['executionArn']}/*/{method}{path}" for path, method in contract.OIDC_ROUTES.items()
    )
    assert arns == expected
    for permission in _oidc(with_domain, PERMISSION):
        assert permission.inputs["principal"] == "apigateway.amazonaws.com"
        assert permission.inputs["action"] == "lambda:InvokeFunction"


def test_the_exchange_is_mapped_at_underscore_and_the_index_stays_at_simple(with_domain: Graph) -> None:
    oidc = with_domain.one(MAPPING, "serverless-pypi-oidc-mapping")
    assert oidc.inputs["basePath"] == contract.OIDC_BASE_PATH == "_"
    assert oidc.inputs["restApi"] == with_domain.one(API, "serverless-pypi-oidc").id
    assert oidc.inputs["stageName"] == exchange.STAGE
    index = with_domain.one(MAPPING, "serverless-pypi-mapping")
    assert index.inputs["basePath"] == "simple"
    assert index.inputs["restApi"] == with_domain.one(API, "serverless-pypi").id
    deployment = with_domain.one(DEPLOYMENT, "serverless-pypi-oidc")
    assert deployment.inputs["triggers"] == {"redeploy": exchange.deployment_trigger()}
    assert with_domain.outputs["oidc_audience"] == "pypi.example.com"


def test_the_index_routes_are_the_same_with_and_without_trusted_publishing(
    with_domain: Graph, without_domain: Graph
) -> None:
    def index_routes(graph: Graph) -> list[tuple[str, str]]:
        return sorted(
            (m.name, m.inputs["httpMethod"])
            for m in graph.of_type(METHOD)
            if not m.name.startswith(("serverless-pypi-oidc", "serverless-pypi-views"))
        )

    assert index_routes(with_domain) == index_routes(without_domain)
    assert not _oidc(without_domain, API) and not _oidc(without_domain, PERMISSION)


def test_the_web_view_has_its_own_api_mapped_at_project(with_domain: Graph, without_domain: Graph) -> None:
    views = with_domain.one(MAPPING, "serverless-pypi-views-mapping")
    assert views.inputs["basePath"] == contract.VIEWS_BASE_PATH == "project"
    assert views.inputs["restApi"] == with_domain.one(API, "serverless-pypi-views").id
    assert views.inputs["stageName"] == contract.VIEWS_STAGE
    methods = sorted(
        (m.name, m.inputs["httpMethod"])
        for m in with_domain.of_type(METHOD)
        if m.name.startswith("serverless-pypi-views")
    )
    assert [method for _, method in methods] == ["GET", "HEAD", "GET", "HEAD"]
    assert with_domain.outputs["project_url"] == "https://pypi.example.com/project/"
    # Without a domain there is no web view on AWS (it shares the host with /simple/).
    assert not [m for m in without_domain.of_type(METHOD) if m.name.startswith("serverless-pypi-views")]


def test_the_api_function_gets_the_audience_and_issuers(with_domain: Graph, without_domain: Graph) -> None:
    env = with_domain.one(FUNCTION, "serverless-pypi-api").inputs["environment"]["variables"]
    assert env[contract.ENV_OIDC_AUDIENCE] == "pypi.example.com"
    assert env[contract.ENV_OIDC_ISSUERS] == GITHUB_ISSUER
    bare = without_domain.one(FUNCTION, "serverless-pypi-api").inputs["environment"]["variables"]
    assert contract.ENV_OIDC_AUDIENCE not in bare


def test_the_api_role_writes_the_exchange_prefix_only_with_trusted_publishing(
    with_domain: Graph, without_domain: Graph
) -> None:
    on = with_domain.policy(ROLE_POLICY, "serverless-pypi-api-policy")
    off = without_domain.policy(ROLE_POLICY, "serverless-pypi-api-policy")
    sids_on = {s["Sid"] for s in on["Statement"]}
    sids_off = {s["Sid"] for s in off["Statement"]}
    assert {"MintTokensAndRecordJtis", "BurnMintedTokens"} <= sids_on
    assert "NoTrustedPublishing" in sids_off and "MintTokensAndRecordJtis" not in sids_off
    (create,) = [s for s in on["Statement"] if s["Sid"] == "MintTokensAndRecordJtis"]
    assert create["Resource"].endswith(f"/{layout.EXCHANGE_PREFIX}*")
    assert create["Condition"] == {"StringEquals": {"s3:if-none-match": "*"}}


def test_the_bucket_expires_the_exchange_prefix_in_its_one_lifecycle_configuration(
    with_domain: Graph, without_domain: Graph
) -> None:
    rules = with_domain.one(LIFECYCLE).inputs["rules"]
    (exchange_rule,) = [r for r in rules if r["id"] == "trusted-publishing-exchange"]
    assert exchange_rule["filter"] == {"prefix": layout.EXCHANGE_PREFIX}
    assert exchange_rule["expiration"] == {"days": 1}
    assert "tidy-up" in {r["id"] for r in rules}
    assert [r["id"] for r in without_domain.one(LIFECYCLE).inputs["rules"]] == ["tidy-up"]


def test_config_sets_the_audience_and_issuers_and_can_turn_it_off() -> None:
    graph = run_stack(
        {**DOMAIN_CONFIG, "oidcAudience": "my-index", "oidcIssuers": "https://a.example, https://b.example"}
    )
    env = graph.one(FUNCTION, "serverless-pypi-api").inputs["environment"]["variables"]
    assert env[contract.ENV_OIDC_AUDIENCE] == "my-index"
    assert env[contract.ENV_OIDC_ISSUERS] == "https://a.example,https://b.example"
    off = run_stack({**DOMAIN_CONFIG, "trustedPublishing": False})
    assert not _oidc(off, API)
    assert (
        contract.ENV_OIDC_AUDIENCE
        not in off.one(FUNCTION, "serverless-pypi-api").inputs["environment"]["variables"]
    )


def test_trusted_publishing_without_a_domain_is_refused() -> None:
    with pytest.raises(Exception, match="trustedPublishing needs domainName"):
        run_stack({"trustedPublishing": True})


def test_the_component_refuses_trusted_publishing_without_uploads() -> None:
    with pytest.raises(ValueError, match="trusted_publishing needs uploads"):
        component_args.ServerlessPyPIArgs(
            rest_api_id="a", root_resource_id="b", execution_arn="c", trusted_publishing=True, uploads=False
        )


def test_resource_paths_put_parents_first() -> None:
    paths = exchange.resource_paths()
    for path in paths:
        parent = path.rpartition("/")[0]
        assert not parent or paths.index(parent) < paths.index(path)
    assert json.dumps(exchange.resource_paths())  # plain data
