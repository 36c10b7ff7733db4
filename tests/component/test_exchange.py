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
from tests.support.pulumi_mocks import Graph
from tests.support.stack import run_stack

#: The REST APIs beside the index's: the exchange, the Integrity API and the web view.
OTHER_APIS = ("serverless-pypi-oidc", "serverless-pypi-integrity", "serverless-pypi-views")
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


def _paths(graph: Graph) -> dict[str, str]:
    """Resource id -> its path in the exchange API."""
    resources = {r.id: r for r in _oidc(graph, RESOURCE)}

    def path_of(resource: Any) -> str:
        parent = resources.get(resource.inputs["parentId"])
        return (path_of(parent) if parent is not None else "") + "/" + str(resource.inputs["pathPart"])

    return {r.id: path_of(r) for r in resources.values()}


def test_the_github_issuer_is_spelled_the_same_in_the_component_and_the_handlers() -> None:
    assert component_args.OIDC_GITHUB_ISSUER == GITHUB_ISSUER


def test_the_exchange_api_has_exactly_the_exchange_routes(with_domain: Graph) -> None:
    api = with_domain.one(API, "serverless-pypi-oidc")
    assert api.inputs["disableExecuteApiEndpoint"] is True  # the domain is the only way in
    assert api.inputs["binaryMediaTypes"] == ["*/*"]
    assert all(r.inputs["restApi"] == api.id for r in _oidc(with_domain, RESOURCE))
    paths = _paths(with_domain)
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
        exchange.invoke_source_arn(api.state["executionArn"], method, path)
        for path, method in contract.OIDC_ROUTES.items()
    )
    assert f"{api.state['executionArn']}/*/GET/pytp/*" in arns  # discovery: any one key segment
    assert arns == expected
    for permission in _oidc(with_domain, PERMISSION):
        assert permission.inputs["principal"] == "apigateway.amazonaws.com"
        assert permission.inputs["action"] == "lambda:InvokeFunction"


def test_the_exchange_is_mapped_at_underscore_and_the_index_stays_at_simple(with_domain: Graph) -> None:
    oidc = with_domain.one(MAPPING, "serverless-pypi-oidc-mapping")
    assert oidc.inputs["basePath"] == contract.OIDC_BASE_PATH == "_"
    assert oidc.inputs["restApi"] == with_domain.one(API, "serverless-pypi-oidc").id
    assert oidc.inputs["stageName"] == exchange.STAGE
    discovery = with_domain.one(MAPPING, "serverless-pypi-oidc-discovery-mapping")
    assert discovery.inputs["basePath"] == contract.DISCOVERY_BASE_PATH == ".well-known"  # PEP 807
    assert discovery.inputs["restApi"] == oidc.inputs["restApi"]
    assert discovery.inputs["stageName"] == exchange.STAGE
    index = with_domain.one(MAPPING, "serverless-pypi-mapping")
    assert index.inputs["basePath"] == "simple"
    assert contract.UPLOAD_PATHS == ("/simple/",)  # what discovery advertises: the index's base path
    assert index.inputs["restApi"] == with_domain.one(API, "serverless-pypi").id
    assert with_domain.outputs["oidc_audience"] == "pypi.example.com"


def test_the_exchange_redeploys_on_everything_its_stage_serves(with_domain: Graph) -> None:
    paths = _paths(with_domain)
    integrations = {
        (i.inputs["resourceId"], i.inputs["httpMethod"]): i for i in _oidc(with_domain, INTEGRATION)
    }
    snapshot: dict[str, Any] = {
        "api": exchange.API_SETTINGS,
        "resources": {path: [rid, path.rpartition("/")[2]] for rid, path in paths.items()},
        "methods": {},
        "integrations": {},
    }
    for method in _oidc(with_domain, METHOD):
        key = f"{method.inputs['httpMethod']} {paths[method.inputs['resourceId']]}"
        snapshot["methods"][key] = [method.id, method.inputs["httpMethod"], method.inputs["authorization"]]
        integration = integrations[(method.inputs["resourceId"], method.inputs["httpMethod"])]
        snapshot["integrations"][key] = [integration.id, "AWS_PROXY", integration.inputs["uri"]]
    deployment = with_domain.one(DEPLOYMENT, "serverless-pypi-oidc")
    assert deployment.inputs["triggers"] == {"redeploy": exchange.deployment_trigger(snapshot)}
    api = with_domain.one(API, "serverless-pypi-oidc")
    for key, value in exchange.API_SETTINGS.items():
        camel = key.split("_")[0] + "".join(part.title() for part in key.split("_")[1:])
        assert api.inputs[camel] == value, key


def test_the_index_routes_are_the_same_with_and_without_trusted_publishing(
    with_domain: Graph, without_domain: Graph
) -> None:
    def index_routes(graph: Graph) -> list[tuple[str, str]]:
        return sorted(
            (m.name, m.inputs["httpMethod"])
            for m in graph.of_type(METHOD)
            # The Integrity API's and the views' own methods (with a domain) are held by their own tests.
            if not m.name.startswith(
                ("serverless-pypi-oidc", "serverless-pypi-integrity", "serverless-pypi-views")
            )
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
    # Each provider's public issuer: a provider with no publisher mints nothing.
    assert env[contract.ENV_OIDC_ISSUERS] == f"{GITHUB_ISSUER},https://gitlab.com,https://accounts.google.com"
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
    assert [r["id"] for r in without_domain.one(LIFECYCLE).inputs["rules"]] == [
        "tidy-up",
        "large-page-copies",
    ]


def test_config_sets_the_audience_and_issuers_and_can_turn_it_off() -> None:
    graph = run_stack(
        {
            **DOMAIN_CONFIG,
            "oidcAudience": "my-index",
            "oidcIssuers": "https://a.example, gitlab=https://b.example",
        }
    )
    env = graph.one(FUNCTION, "serverless-pypi-api").inputs["environment"]["variables"]
    assert env[contract.ENV_OIDC_AUDIENCE] == "my-index"
    assert env[contract.ENV_OIDC_ISSUERS] == "https://a.example,gitlab=https://b.example"
    off = run_stack({**DOMAIN_CONFIG, "trustedPublishing": "false"})
    assert not _oidc(off, API)
    assert (
        contract.ENV_OIDC_AUDIENCE
        not in off.one(FUNCTION, "serverless-pypi-api").inputs["environment"]["variables"]
    )


@pytest.mark.parametrize("value", ["true", True, "TRUE"])  # `pulumi config set` text, or YAML's true
def test_trusted_publishing_asked_for_without_a_domain_is_refused_by_name(value: object) -> None:
    with pytest.raises(Exception, match="trustedPublishing=true needs domainName"):
        run_stack({"trustedPublishing": value})


def test_trusted_publishing_asked_for_without_uploads_is_refused_by_name() -> None:
    with pytest.raises(Exception, match="trustedPublishing=true needs uploads"):
        run_stack({**DOMAIN_CONFIG, "trustedPublishing": "true", "uploads": False})


@pytest.mark.parametrize("value", ["yes", "on", "1"])
def test_trusted_publishing_takes_auto_true_or_false_only(value: str) -> None:
    with pytest.raises(Exception, match="trustedPublishing must be one of auto, true, false"):
        run_stack({**DOMAIN_CONFIG, "trustedPublishing": value})


@pytest.mark.parametrize(
    "config",
    [
        {},  # auto, no domain
        {"trustedPublishing": "false"},
        {**DOMAIN_CONFIG, "uploads": False},  # auto with a domain, but nothing to publish to
    ],
)
def test_auto_and_false_deploy_without_the_exchange_and_without_a_word(config: dict[str, object]) -> None:
    graph = run_stack(config)
    assert not _oidc(graph, API)
    assert "oidc_audience" not in graph.outputs
    env = graph.one(FUNCTION, "serverless-pypi-api").inputs["environment"]["variables"]
    assert contract.ENV_OIDC_AUDIENCE not in env


def test_true_with_a_domain_serves_the_exchange_as_auto_does(with_domain: Graph) -> None:
    asked = run_stack({**DOMAIN_CONFIG, "trustedPublishing": "true"})
    assert sorted(r.urn for r in asked.resources.values()) == sorted(with_domain.resources)


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
