"""The component's resource graph under Pulumi mocks: what it creates, how it is wired, scoped."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pulumi
import pytest

from components import ServerlessPyPI, ServerlessPyPIArgs, routes
from components.code import handler_files
from handlers import contract, layout
from tests.support.pulumi_mocks import (
    API_ID,
    BUCKET,
    COMPONENT_TYPE,
    EXECUTION_ARN,
    FUNCTION,
    INTEGRATION,
    LOG_GROUP,
    MAPPING,
    METHOD,
    NAME,
    PERMISSION,
    QUEUE,
    QUEUE_POLICY,
    ROLE,
    ROLE_POLICY,
    ROOT_ID,
    RULE,
    TARGET,
    Graph,
    program,
    run,
)


@pytest.fixture(scope="module")
def graph() -> Graph:
    """The component with every default."""
    return run(program())


def _state(graph: Graph, typ: str, name: str, key: str) -> Any:
    """A provider-computed value, as the mocks answered (inputs do not hold it)."""
    return graph.one(typ, name).state[key]


def _env(graph: Graph, label: str) -> dict[str, str]:
    env: dict[str, str] = graph.one(FUNCTION, f"{NAME}-{label}").inputs["environment"]["variables"]
    return env


def test_every_child_is_parented_to_the_component_and_named_from_it(graph: Graph) -> None:
    component = graph.one(COMPONENT_TYPE, NAME)
    children = [r for r in graph.resources.values() if r.urn != component.urn]
    assert len(children) > 30
    for child in children:
        assert child.parent == component.urn, f"{child.urn} has parent {child.parent}"
        assert child.name.startswith(f"{NAME}-"), child.urn


#: Every optional feature on: each optional attribute then holds a resource.
EVERYTHING_ON: dict[str, Any] = {
    "access_logs": True,
    "manage_api_gateway_account": True,
    "endpoint_type": "PRIVATE",
    "vpc_endpoint_ids": ["vpce-0a1b2c3d"],
    "api_name": "serverless-pypi",
    "tracing": True,
    "alarm_topic_arn": "arn:aws:sns:us-east-1:123456789012:pager",
}


@pytest.fixture(scope="module")
def everything() -> Graph:
    """The component with every optional feature on."""
    return run(program(**EVERYTHING_ON))


def test_register_outputs_holds_every_public_attribute(graph: Graph, everything: Graph) -> None:
    component = everything.one(COMPONENT_TYPE, NAME)
    registered = everything.component_outputs[component.urn]
    assert set(registered) == set(ServerlessPyPI.__annotations__)
    assert registered["deployment_trigger"] == everything.outputs["trigger"]
    # With the defaults, only the optional features' attributes are empty (None is not sent).
    default = graph.component_outputs[graph.one(COMPONENT_TYPE, NAME).urn]
    assert set(ServerlessPyPI.__annotations__) - set(default) == {
        "rest_api_policy",
        "api_gateway_account",
        "access_log_group",
    }


def test_bucket_is_private_encrypted_versioned_and_tls_only(graph: Graph) -> None:
    bucket = graph.outputs["bucket_name"]
    arn = f"arn:aws:s3:::{bucket}"
    block = graph.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs
    assert block["bucket"] == bucket
    for flag in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"):
        assert block[flag] is True, flag
    ownership = graph.one("aws:s3/bucketOwnershipControls:BucketOwnershipControls").inputs
    assert ownership["rule"] == {"objectOwnership": "BucketOwnerEnforced"}
    sse = graph.one(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    ).inputs
    assert sse["rules"][0]["applyServerSideEncryptionByDefault"] == {"sseAlgorithm": "AES256"}
    tls = graph.policy("aws:s3/bucketPolicy:BucketPolicy", f"{NAME}-tls-only")
    (deny,) = tls["Statement"]
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert sorted(deny["Resource"]) == [arn, f"{arn}/*"]
    policy = graph.one("aws:s3/bucketPolicy:BucketPolicy")
    assert graph.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").urn in policy.dependencies
    versioning = graph.one("aws:s3/bucketVersioning:BucketVersioning").inputs
    assert versioning["versioningConfiguration"] == {"status": "Enabled"}
    rule, copies = graph.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs[
        "rules"
    ]
    assert rule["status"] == "Enabled"
    assert rule["noncurrentVersionExpiration"] == {"noncurrentDays": 30}
    # Large pages' copies (issue 20): a day, and their old versions a day after that.
    assert copies["id"] == "large-page-copies" and copies["status"] == "Enabled"
    assert copies["filter"] == {"prefix": layout.LARGE_PAGES_PREFIX}
    assert copies["expiration"] == {"days": 1}
    assert copies["noncurrentVersionExpiration"] == {"noncurrentDays": 1}
    notification = graph.one("aws:s3/bucketNotification:BucketNotification").inputs
    assert notification == {"bucket": bucket, "eventbridge": True}
    assert graph.one(BUCKET).import_id == ""


def test_kms_key_encrypts_the_bucket_and_only_its_actions_are_granted() -> None:
    key = "arn:aws:kms:us-east-1:123456789012:key/0b1f2c3d-1111-2222-3333-444455556666"
    graph = run(program(kms_key_arn=key))
    sse = graph.one(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    ).inputs["rules"][0]
    assert sse["applyServerSideEncryptionByDefault"] == {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": key}
    assert sse["bucketKeyEnabled"] is True
    for label, actions in (("api", {"kms:Decrypt", "kms:GenerateDataKey"}), ("reindex", None)):
        document = graph.policy(ROLE_POLICY, f"{NAME}-{label}-policy")
        (statement,) = [s for s in document["Statement"] if s["Resource"] == key]
        assert set(statement["Action"]) == (actions or {"kms:Decrypt", "kms:GenerateDataKey"})


def test_queue_has_a_dead_letter_queue_and_a_visibility_timeout_of_six_reindex_timeouts(
    graph: Graph,
) -> None:
    queue = graph.one(QUEUE, f"{NAME}-reindex").inputs
    dlq_arn = _state(graph, QUEUE, f"{NAME}-reindex-dlq", "arn")
    assert queue["visibilityTimeoutSeconds"] == 6 * 300
    assert json.loads(queue["redrivePolicy"]) == {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 5}
    assert queue["sqsManagedSseEnabled"] is True
    dlq = graph.one(QUEUE, f"{NAME}-reindex-dlq").inputs
    assert dlq["sqsManagedSseEnabled"] is True
    assert dlq["messageRetentionSeconds"] == 14 * 24 * 3600


def test_rule_feeds_the_queue_which_feeds_the_reindexer(graph: Graph) -> None:
    rule = graph.one(RULE)
    rule_arn = rule.state["arn"]
    queue_arn = _state(graph, QUEUE, f"{NAME}-reindex", "arn")
    dlq_arn = _state(graph, QUEUE, f"{NAME}-reindex-dlq", "arn")
    pattern = json.loads(rule.inputs["eventPattern"])
    assert pattern["detail"]["bucket"]["name"] == [graph.outputs["bucket_name"]]
    assert pattern["detail-type"] == [
        "Object Created",
        "Object Deleted",
        "Object Tags Added",
        "Object Tags Deleted",
    ]
    assert pattern["detail"]["object"]["key"] == [
        {
            "anything-but": {
                "wildcard": [
                    f"{layout.GENERATED_PREFIX}*",
                    layout.COMPAT_ROOT_KEY,
                    f"{layout.EXCHANGE_PREFIX}*",
                    f"{layout.CLAIMS_PREFIX}*",
                    f"{layout.PROXY_PREFIX}*",  # the API's cached upstream pages raise no reindex
                    f"{layout.API_PREFIX}*",
                ]
            }
        },
        {"prefix": layout.STATUS_PREFIX},  # status changes reach the reindexer like file changes
    ]
    target = graph.one(TARGET)
    assert target.inputs["rule"] == rule.state["name"]
    assert target.inputs["arn"] == queue_arn
    assert target.inputs["deadLetterConfig"] == {"arn": dlq_arn}
    assert "inputPath" not in target.inputs  # the whole event: the handler reads the detail-type
    for label in ("reindex", "reindex-dlq"):
        queue = graph.one(QUEUE, f"{NAME}-{label}")
        (statement,) = graph.policy(QUEUE_POLICY, f"{NAME}-{label}-policy")["Statement"]
        assert statement["Resource"] == queue.state["arn"]
        assert statement["Principal"] == {"Service": "events.amazonaws.com"}
        assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": rule_arn}}
        policy = graph.one(QUEUE_POLICY, f"{NAME}-{label}-policy")
        assert policy.inputs["queueUrl"] == queue.state["url"]
        assert policy.urn in target.dependencies
    mapping = graph.one(MAPPING)
    assert mapping.inputs["eventSourceArn"] == queue_arn
    assert mapping.inputs["functionName"] == _state(graph, FUNCTION, f"{NAME}-reindex", "arn")
    assert mapping.inputs["batchSize"] == 10
    assert mapping.inputs["functionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping.inputs["scalingConfig"] == {"maximumConcurrency": 5}
    assert graph.one(ROLE_POLICY, f"{NAME}-reindex-policy").urn in mapping.dependencies


@pytest.mark.parametrize(
    ("label", "handler", "memory", "timeout"),
    [("api", "handlers.api.handler", 512, 29), ("reindex", "handlers.reindex.handler", 256, 300)],
)
def test_functions(graph: Graph, label: str, handler: str, memory: int, timeout: int) -> None:
    function = graph.one(FUNCTION, f"{NAME}-{label}")
    inputs = function.inputs
    assert inputs["handler"] == handler
    assert inputs["runtime"] == "python3.13"
    assert inputs["architectures"] == ["arm64"]
    assert inputs["memorySize"] == memory
    assert inputs["timeout"] == timeout
    assert inputs["role"] == _state(graph, ROLE, f"{NAME}-{label}-role", "arn")
    log_group = graph.one(LOG_GROUP, f"{NAME}-{label}-logs")
    assert inputs["loggingConfig"]["logGroup"] == log_group.state["name"]
    assert log_group.inputs["retentionInDays"] == 30
    assert graph.one(ROLE_POLICY, f"{NAME}-{label}-policy").urn in function.dependencies
    (statement,) = json.loads(graph.one(ROLE, f"{NAME}-{label}-role").inputs["assumeRolePolicy"])["Statement"]
    assert statement["Principal"] == {"Service": "lambda.amazonaws.com"}


def test_function_environment(graph: Graph) -> None:
    bucket = graph.outputs["bucket_name"]
    assert _env(graph, "api") == {
        "S3_BUCKET": bucket,
        "S3_PRESIGNED_URL_TTL": "900",
        "PUBLIC_READ": "false",
        "UPLOADS_ENABLED": "true",
        **contract.SIGSTORE_ENVIRONMENT,  # attestations are verified at upload (issue 26)
    }
    assert _env(graph, "reindex") == {
        "S3_BUCKET": bucket,
        "REINDEX_QUEUE_URL": _state(graph, QUEUE, f"{NAME}-reindex", "url"),
    }


def test_code_asset_is_the_handlers_package_only(graph: Graph) -> None:
    codes = [r.inputs["code"] for r in graph.of_type(FUNCTION)]
    assert len(codes) == 2
    handlers = Path(layout.__file__).resolve().parent
    for code in codes:
        assert isinstance(code, pulumi.AssetArchive)
        assert set(code.assets) == set(handler_files())
        assert "handlers/layout.py" in code.assets
        assert "handlers/__init__.py" in code.assets
        for name, asset in code.assets.items():
            assert name.startswith("handlers/") and name.endswith(".py"), name
            assert "__pycache__" not in name
            assert isinstance(asset, pulumi.FileAsset)
            assert Path(asset.path).resolve().relative_to(handlers).as_posix() == name.removeprefix(
                "handlers/"
            )


def _allow_resources(document: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    for statement in document["Statement"]:
        if statement["Effect"] == "Allow":
            resources = statement["Resource"]
            found |= set(resources if isinstance(resources, list) else [resources])
    return found


def test_role_policies_are_scoped_to_this_bucket_prefix_queue_and_log_group(graph: Graph) -> None:
    bucket = f"arn:aws:s3:::{graph.outputs['bucket_name']}"
    queue = _state(graph, QUEUE, f"{NAME}-reindex", "arn")
    api_logs = _state(graph, LOG_GROUP, f"{NAME}-api-logs", "arn")
    reindex_logs = _state(graph, LOG_GROUP, f"{NAME}-reindex-logs", "arn")
    api = graph.policy(ROLE_POLICY, f"{NAME}-api-policy")
    reindex = graph.policy(ROLE_POLICY, f"{NAME}-reindex-policy")
    assert _allow_resources(api) == {
        bucket,
        f"{bucket}/*",
        f"{bucket}/*/*",
        f"{bucket}/{layout.CLAIMS_PREFIX}*",
        f"{bucket}/{layout.LARGE_PAGES_PREFIX}*",
        f"{api_logs}:*",
    }
    assert _allow_resources(reindex) == {
        bucket,
        f"{bucket}/*",
        f"{bucket}/{layout.GENERATED_PREFIX}*",
        f"{bucket}/{layout.COMPAT_ROOT_KEY}",
        queue,
        f"{reindex_logs}:*",
    }
    (deny,) = [s for s in api["Statement"] if s.get("Sid") == "NeverWriteGeneratedData"]
    assert deny["Action"] == ["s3:PutObject"]
    assert deny["Resource"] == [f"{bucket}/{layout.GENERATED_PREFIX}*", f"{bucket}/{layout.COMPAT_ROOT_KEY}"]
    for document in (api, reindex):
        for statement in document["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            assert not any("*" in action for action in actions), statement
    assert (
        graph.one(ROLE_POLICY, f"{NAME}-api-policy").inputs["role"]
        == graph.one(ROLE, f"{NAME}-api-role").state["name"]
    )


def test_uploads_off_removes_every_write_from_the_api_role_but_large_page_copies() -> None:
    graph = run(program(uploads=False))
    api = graph.policy(ROLE_POLICY, f"{NAME}-api-policy")
    writes = [s for s in api["Statement"] if "s3:PutObject" in s["Action"]]
    assert [(s["Sid"], s["Resource"].rsplit("/", 2)[-2]) for s in writes] == [("CopyLargePages", "large")]
    assert _env(graph, "api")["UPLOADS_ENABLED"] == "false"


def test_public_read_fallback_and_extra_environment() -> None:
    graph = run(
        program(
            public_read=True,
            fallback_index_url="https://pypi.org/simple/",
            presigned_url_ttl=60,
            api_environment={"LOG_LEVEL": "DEBUG"},
            reindex_environment={"LOG_LEVEL": "INFO"},
        )
    )
    env = _env(graph, "api")
    assert env["PUBLIC_READ"] == "true"
    assert env["FALLBACK_INDEX_URL"] == "https://pypi.org/simple/"
    assert env["S3_PRESIGNED_URL_TTL"] == "60"
    assert env["LOG_LEVEL"] == "DEBUG"
    assert _env(graph, "reindex")["LOG_LEVEL"] == "INFO"


def test_routes_and_integrations(graph: Graph) -> None:
    proxy = graph.one("aws:apigateway/resource:Resource").inputs
    assert proxy == {"restApi": API_ID, "parentId": ROOT_ID, "pathPart": "{package+}"}
    proxy_id = f"{NAME}-package-id"
    expected = {
        ("GET", ROOT_ID),
        ("HEAD", ROOT_ID),
        ("POST", ROOT_ID),
        ("GET", proxy_id),
        ("HEAD", proxy_id),
    }
    methods = graph.of_type(METHOD)
    assert {(m.inputs["httpMethod"], m.inputs["resourceId"]) for m in methods} == expected
    for method in methods:
        assert method.inputs["restApi"] == API_ID
        assert method.inputs["authorization"] == "NONE"
        assert "authorizerId" not in method.inputs
    invoke_arn = _state(graph, FUNCTION, f"{NAME}-api", "invokeArn")
    integrations = graph.of_type(INTEGRATION)
    assert {(i.inputs["httpMethod"], i.inputs["resourceId"]) for i in integrations} == expected
    for integration in integrations:
        assert integration.inputs["type"] == "AWS_PROXY"
        assert integration.inputs["integrationHttpMethod"] == "POST"
        assert integration.inputs["uri"] == invoke_arn
        assert integration.inputs["restApi"] == API_ID


def test_invoke_permissions_are_limited_to_this_api(graph: Graph) -> None:
    permissions = graph.of_type(PERMISSION)
    assert {p.inputs["sourceArn"] for p in permissions} == {
        f"{EXECUTION_ARN}/*/{method}/*" for method in ("GET", "HEAD", "POST")
    }
    for permission in permissions:
        assert permission.inputs["principal"] == "apigateway.amazonaws.com"
        assert permission.inputs["action"] == "lambda:InvokeFunction"
        assert permission.inputs["function"] == _state(graph, FUNCTION, f"{NAME}-api", "name")


def test_gateway_answers_413_naming_the_admin_upload(graph: Graph) -> None:
    response = graph.one("aws:apigateway/response:Response", f"{NAME}-too-large").inputs
    assert response["restApiId"] == API_ID
    assert response["responseType"] == "REQUEST_TOO_LARGE"
    assert response["statusCode"] == "413"
    # Plain text, as the dev server answers it (a JSON template on AWS was drift).
    body = routes.too_large_body(graph.outputs["bucket_name"])
    assert response["responseTemplates"] == {"application/json": body, "text/plain": body}
    assert (
        response["responseParameters"]["gatewayresponse.header.Content-Type"] == "'text/plain; charset=utf-8'"
    )
    assert f".venv/bin/python -m admin --bucket {graph.outputs['bucket_name']} upload FILE" in body
    # It is part of what a deployment snapshots, so of the trigger too.
    assert run(program(too_large_response=False)).outputs["trigger"] != graph.outputs["trigger"]


def test_deployment_trigger_is_stable_and_follows_the_routes(graph: Graph) -> None:
    trigger = graph.outputs["trigger"]
    assert len(trigger) == 40
    assert run(program()).outputs["trigger"] == trigger
    iam = run(program(authorization="AWS_IAM"))
    assert iam.outputs["trigger"] != trigger
    assert {m.inputs["authorization"] for m in iam.of_type(METHOD)} == {"AWS_IAM"}
    custom = run(program(authorization="CUSTOM", authorizer_id="auth123"))
    assert {m.inputs["authorizerId"] for m in custom.of_type(METHOD)} == {"auth123"}
    assert custom.outputs["trigger"] not in (trigger, iam.outputs["trigger"])


def test_names_imports_and_sizes_pass_through() -> None:
    graph = run(
        program(
            bucket_name="legacy-pypi",
            api_function_name="pypi-api",
            reindex_function_name="pypi-reindex",
            event_rule_name="pypi-reindex",
            api_memory_size=512,
            reindex_timeout=600,
            reindex_max_concurrency=20,
            log_retention_days=7,
            versioning=False,
            role_permissions_boundary="arn:aws:iam::123456789012:policy/boundary",
            tags={"team": "platform"},
        )
    )
    bucket = graph.one(BUCKET)
    assert bucket.inputs["bucket"] == "legacy-pypi"
    assert bucket.inputs["tags"] == {"team": "platform"}
    assert graph.one(LOG_GROUP, f"{NAME}-api-logs").inputs["name"] == "/aws/lambda/pypi-api"
    assert graph.one(LOG_GROUP, f"{NAME}-reindex-logs").inputs["retentionInDays"] == 7
    assert graph.one(FUNCTION, f"{NAME}-api").inputs["memorySize"] == 512
    assert graph.one(QUEUE, f"{NAME}-reindex").inputs["visibilityTimeoutSeconds"] == 3600
    assert graph.one(MAPPING).inputs["scalingConfig"] == {"maximumConcurrency": 20}
    assert graph.one(RULE).inputs["name"] == "pypi-reindex"
    assert not graph.of_type("aws:s3/bucketVersioning:BucketVersioning")
    rule, copies = graph.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs[
        "rules"
    ]
    assert "noncurrentVersionExpiration" not in rule
    assert "noncurrentVersionExpiration" not in copies and copies["expiration"] == {"days": 1}
    for role in graph.of_type(ROLE):
        assert role.inputs["permissionsBoundary"] == "arn:aws:iam::123456789012:policy/boundary"
        assert role.inputs["tags"] == {"team": "platform"}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"authorization": "OPEN"}, "authorization must be one of"),
        ({"authorization": "CUSTOM"}, "needs an authorizer_id"),
        ({"reindex_max_concurrency": 1}, "reindex_max_concurrency"),
        ({"log_retention_days": 10}, "log_retention_days"),
        ({"api_timeout": 0}, "api_timeout"),
        ({"api_environment": {"S3_BUCKET": "x"}}, "may not set S3_BUCKET"),
        ({"bucket_import": True}, "bucket_import needs bucket_name"),
        ({"architecture": "sparc"}, "architecture"),
    ],
)
def test_arguments_aws_would_refuse_are_refused_first(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ServerlessPyPIArgs(rest_api_id="a", root_resource_id="r", execution_arn="e", **overrides)
