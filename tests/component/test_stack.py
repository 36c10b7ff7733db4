"""The ready stack (``__main__.py``) under Pulumi mocks, run as the CLI runs it, and its config
declared in Pulumi.yaml."""

from __future__ import annotations

from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]  # PyYAML ships without stubs; Pulumi depends on it

from components import ServerlessPyPIArgs
from tests.support.pulumi_mocks import COMPONENT_TYPE, PROJECT, Graph
from tests.support.stack import project as load_project
from tests.support.stack import run_main, run_stack

API = "aws:apigateway/restApi:RestApi"
DEPLOYMENT = "aws:apigateway/deployment:Deployment"
STAGE = "aws:apigateway/stage:Stage"
SETTINGS = "aws:apigateway/methodSettings:MethodSettings"


@pytest.fixture(scope="module")
def stack() -> tuple[Graph, dict[str, Any]]:
    """The stack with only ``aws:region`` set, and the module namespace it ran in."""
    return run_main()


@pytest.fixture(scope="module")
def project() -> dict[str, Any]:
    """Pulumi.yaml."""
    return load_project()


def test_default_config_builds_the_whole_index(stack: tuple[Graph, dict[str, Any]]) -> None:
    graph, _ = stack
    component = graph.one(COMPONENT_TYPE)
    api = graph.one(API)
    assert api.inputs["endpointConfiguration"] == {"types": "REGIONAL"}
    assert api.inputs["binaryMediaTypes"] == ["*/*"]
    assert len(graph.of_type("aws:lambda/function:Function")) == 2
    for method in graph.of_type("aws:apigateway/method:Method"):
        assert method.inputs["restApi"] == api.id, method.urn
        assert method.parent == component.urn, method.urn
    permissions = graph.of_type("aws:lambda/permission:Permission")
    for permission in permissions:
        assert permission.inputs["sourceArn"].startswith(api.state["executionArn"] + "/*/")
    assert graph.one("aws:apigateway/resource:Resource").inputs["parentId"] == api.state["rootResourceId"]


def test_every_resource_belongs_to_the_stack_or_the_component(stack: tuple[Graph, dict[str, Any]]) -> None:
    graph, _ = stack
    component = graph.one(COMPONENT_TYPE)
    root = component.parent
    assert root.endswith(f"pulumi:pulumi:Stack::{PROJECT}-test"), root
    for resource in graph.resources.values():
        assert resource.parent in (root, component.urn), f"{resource.urn} has parent {resource.parent}"
    own = {r.type for r in graph.resources.values() if r.parent == root}
    assert own == {API, COMPONENT_TYPE, DEPLOYMENT, STAGE, SETTINGS}


def test_deployment_redeploys_on_the_component_trigger(stack: tuple[Graph, dict[str, Any]]) -> None:
    graph, _ = stack
    component = graph.one(COMPONENT_TYPE)
    deployment = graph.one(DEPLOYMENT)
    trigger = graph.component_outputs[component.urn]["deployment_trigger"]
    assert deployment.inputs["triggers"] == {"redeploy": trigger}
    assert deployment.inputs["restApi"] == graph.one(API).id
    # depends_on the component waits for all its children: the routes exist before the snapshot.
    for typ in ("aws:apigateway/method:Method", "aws:apigateway/integration:Integration"):
        for resource in graph.of_type(typ):
            assert resource.urn in deployment.dependencies, resource.urn


def test_stage_simple_with_throttling_and_the_outputs(stack: tuple[Graph, dict[str, Any]]) -> None:
    graph, _ = stack
    stage = graph.one(STAGE)
    assert stage.inputs["stageName"] == "simple"
    assert stage.inputs["deployment"] == graph.one(DEPLOYMENT).id
    settings = graph.one(SETTINGS).inputs
    assert settings["stageName"] == "simple"
    assert settings["methodPath"] == "*/*"
    # No stage throttling by default: pip never retries a 429, and the limit is shared by all.
    assert settings["settings"] == {"throttlingBurstLimit": -1, "throttlingRateLimit": -1}
    outputs = graph.outputs
    assert outputs["index_url"] == stage.state["invokeUrl"] + "/"
    assert outputs["index_url"].endswith("/simple/")
    assert outputs["upload_url"] == outputs["index_url"]
    assert outputs["bucket_name"] == graph.one("aws:s3/bucket:Bucket").state["bucket"]
    assert outputs["reindex_function_name"].startswith("serverless-pypi-reindex")


def test_every_config_key_is_declared_with_the_component_default(
    stack: tuple[Graph, dict[str, Any]], project: dict[str, Any]
) -> None:
    _, namespace = stack
    settings: dict[str, str] = namespace["COMPONENT_SETTINGS"]
    stack_defaults: dict[str, Any] = namespace["STACK_DEFAULTS"]
    declared: dict[str, dict[str, Any]] = project["config"]
    assert set(declared) == set(settings) | set(stack_defaults)
    assert set(settings.values()) <= set(ServerlessPyPIArgs.__dataclass_fields__)
    for key, declaration in declared.items():
        assert declaration.get("description"), key
        assert "default" in declaration, key  # so a fresh stack needs no other config
        kind = {bool: "boolean", int: "integer", str: "string"}[type(declaration["default"])]
        assert declaration["type"] == kind, key
    for key, argument in settings.items():
        declared_default = declared[key]["default"]
        code_default = namespace["argument_default"](argument)
        if declared_default == "":
            assert code_default is None, key
        elif key in ("tags", "bucketManage", "vpcEndpointIds", "fallbackDeny", "fallbackAllow"):  # JSON
            assert yaml.safe_load(declared_default) == type(yaml.safe_load(declared_default))(code_default)
            assert not code_default, key
        else:
            assert declared_default == code_default, key
    for key, value in stack_defaults.items():
        assert declared[key]["default"] == value, key


def test_pulumi_yaml_runs_this_program_with_its_virtualenv(project: dict[str, Any]) -> None:
    assert project["name"] == PROJECT
    assert project["runtime"]["name"] == "python"
    assert project["runtime"]["options"]["virtualenv"] == ".venv"
    assert "main" not in project  # __main__.py at the root


def test_config_reaches_the_resources(stack: tuple[Graph, dict[str, Any]]) -> None:
    default, _ = stack
    graph = run_stack(
        {
            "apiMemorySize": 512,
            "authorization": "AWS_IAM",
            "fallbackIndexUrl": "https://pypi.org/simple/",
            "uploads": False,
            "publicRead": True,
            "logRetentionDays": 90,
            "tags": '{"team": "platform"}',  # pulumi config set tags '{"team": "platform"}'
            "throttlingBurstLimit": 10,
            "throttlingRateLimit": 5,
            "authorizerId": "",  # empty means unset
        }
    )
    api_function = graph.one("aws:lambda/function:Function", "serverless-pypi-api")
    assert api_function.inputs["memorySize"] == 512
    env = api_function.inputs["environment"]["variables"]
    assert env["FALLBACK_INDEX_URL"] == "https://pypi.org/simple/"
    assert env["UPLOADS_ENABLED"] == "false"
    assert env["PUBLIC_READ"] == "true"
    for method in graph.of_type("aws:apigateway/method:Method"):
        assert method.inputs["authorization"] == "AWS_IAM"
        assert "authorizerId" not in method.inputs
    for log_group in graph.of_type("aws:cloudwatch/logGroup:LogGroup"):
        assert log_group.inputs["retentionInDays"] == 90
    for typ in (API, STAGE, "aws:s3/bucket:Bucket", "aws:sqs/queue:Queue"):
        for resource in graph.of_type(typ):
            assert resource.inputs["tags"] == {"team": "platform"}, resource.urn
    assert graph.one(SETTINGS).inputs["settings"] == {"throttlingBurstLimit": 10, "throttlingRateLimit": 5}
    # A route changed in place (same ids): the deployment trigger still changes.
    assert graph.one(DEPLOYMENT).inputs["triggers"] != default.one(DEPLOYMENT).inputs["triggers"]
