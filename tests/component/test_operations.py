"""The component's options for running on AWS: bucket protection and adoption, the dependency
layer, tracing, gateway responses and the trigger, the private endpoint, alarms and access logs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from components import ServerlessPyPIArgs, layer, observability, routes
from tests.support.pulumi_mocks import (
    API_ID,
    EXECUTION_ARN,
    FAKE_LAYER,
    FUNCTION,
    NAME,
    ROLE,
    Graph,
    program,
    run,
)

BUCKET = "aws:s3/bucket:Bucket"
LAYER = "aws:lambda/layerVersion:LayerVersion"
RESPONSE = "aws:apigateway/response:Response"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
API_POLICY = "aws:apigateway/restApiPolicy:RestApiPolicy"
ACCOUNT = "aws:apigateway/account:Account"

#: Each bucket configuration's resource type.
CONFIGURATIONS = {
    "publicAccessBlock": "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "ownershipControls": "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    "encryption": "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "policy": "aws:s3/bucketPolicy:BucketPolicy",
    "versioning": "aws:s3/bucketVersioning:BucketVersioning",
    "lifecycle": "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "notification": "aws:s3/bucketNotification:BucketNotification",
}
PROTECTIVE = {"publicAccessBlock", "ownershipControls", "encryption", "policy"}


@pytest.fixture(scope="module")
def graph() -> Graph:
    """The component with every default."""
    return run(program())


# -- the bucket ------------------------------------------------------------------------------------
def test_bucket_is_protected_and_retained_by_default(graph: Graph) -> None:
    bucket = graph.one(BUCKET)
    assert bucket.protect
    assert bucket.retain_on_delete
    # A kept bucket stays private and encrypted without the stack; the rest goes with it.
    for key, typ in CONFIGURATIONS.items():
        resource = graph.one(typ)
        assert resource.retain_on_delete == (key in PROTECTIVE), resource.urn
        assert not resource.protect, resource.urn
        assert resource.import_id == "", resource.urn


def test_bucket_protection_can_be_turned_off() -> None:
    graph = run(program(bucket_protect=False, bucket_retain=False))
    bucket = graph.one(BUCKET)
    assert not bucket.protect
    assert not bucket.retain_on_delete
    for typ in CONFIGURATIONS.values():
        assert not graph.one(typ).retain_on_delete, typ


def test_an_adopted_bucket_is_never_deleted_and_its_configurations_are_left_alone() -> None:
    graph = run(program(bucket_name="legacy-pypi", bucket_import=True, bucket_retain=False))
    bucket = graph.one(BUCKET)
    assert bucket.import_id == "legacy-pypi"
    assert bucket.retain_on_delete  # whatever bucket_retain says
    assert bucket.protect
    for typ in CONFIGURATIONS.values():
        assert not graph.of_type(typ), f"{typ} would overwrite what the adopted bucket has"


def test_bucket_manage_imports_or_creates_only_what_it_names() -> None:
    manage = {"policy": "import", "notification": "create", "versioning": "import"}
    graph = run(program(bucket_name="legacy-pypi", bucket_import=True, bucket_manage=manage))
    for key, typ in CONFIGURATIONS.items():
        found = graph.of_type(typ)
        if key not in manage:
            assert not found, typ
            continue
        (resource,) = found
        assert resource.import_id == ("legacy-pypi" if manage[key] == "import" else ""), typ
        assert resource.retain_on_delete, typ
    # The policy is still the index's own (a preview shows any difference from the bucket's).
    policy = json.loads(graph.one(CONFIGURATIONS["policy"]).inputs["policy"])
    assert policy["Statement"][0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"bucket_manage": {"policy": "import"}}, "bucket_manage is for an adopted bucket"),
        (
            {"bucket_name": "b", "bucket_import": True, "bucket_manage": {"acl": "import"}},
            "'acl' is not one of",
        ),
        (
            {"bucket_name": "b", "bucket_import": True, "bucket_manage": {"policy": "overwrite"}},
            "policy must be import or create",
        ),
        ({"endpoint_type": "EDGE"}, "endpoint_type must be one of"),
        ({"endpoint_type": "PRIVATE"}, "PRIVATE needs vpc_endpoint_ids"),
        ({"vpc_endpoint_ids": ["vpce-1"]}, "vpc_endpoint_ids are for endpoint_type PRIVATE"),
    ],
)
def test_new_arguments_aws_would_refuse_are_refused_first(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ServerlessPyPIArgs(rest_api_id="a", root_resource_id="r", execution_arn="e", **overrides)


# -- the functions: layer, sizing, tracing ------------------------------------------------------------
def test_both_functions_use_the_dependency_layer_built_for_their_platform(
    graph: Graph, fake_layer_builder: list[tuple[Path, str, str]]
) -> None:
    built = run(program(architecture="x86_64", runtime="python3.12"))
    assert fake_layer_builder == [(layer.REQUIREMENTS, "x86_64", "python3.12")]
    dependencies = built.one(LAYER)
    assert dependencies.inputs["compatibleArchitectures"] == ["x86_64"]
    assert dependencies.inputs["compatibleRuntimes"] == ["python3.12"]
    assert set(dependencies.inputs["code"].assets) == set(FAKE_LAYER)
    for label in ("api", "reindex"):
        function = built.one(FUNCTION, f"{NAME}-{label}")
        assert function.inputs["layers"] == [dependencies.state["arn"]]
        assert function.inputs["architectures"] == ["x86_64"]
    default = graph.one(LAYER)
    assert default.inputs["compatibleArchitectures"] == ["arm64"]
    assert default.inputs["layerName"].startswith(f"{NAME}-")
    assert graph.one(FUNCTION, f"{NAME}-api").inputs["layers"] == [default.state["arn"]]


def test_an_injected_layer_builder_is_used_instead_of_pip() -> None:
    calls: list[str] = []

    def builder(requirements: Path, architecture: str, runtime: str) -> Any:
        import pulumi

        calls.append(architecture)
        return pulumi.AssetArchive({"python/injected.py": pulumi.StringAsset("")})

    graph = run(program(layer_builder=builder))
    assert calls == ["arm64"]
    assert set(graph.one(LAYER).inputs["code"].assets) == {"python/injected.py"}


def test_the_api_function_has_headroom_for_a_6_mb_upload(graph: Graph) -> None:
    api = graph.one(FUNCTION, f"{NAME}-api").inputs
    worst_upload_peak_mib = 100  # RATIONALE.md: assumed until the benchmark measures it
    assert api["memorySize"] >= 2 * worst_upload_peak_mib
    assert api["memorySize"] >= 512
    assert api["timeout"] == 29  # API Gateway's integration timeout


def test_tracing_is_off_by_default_and_on_needs_xray_write_access(graph: Graph) -> None:
    for label in ("api", "reindex"):
        assert graph.one(FUNCTION, f"{NAME}-{label}").inputs["tracingConfig"] == {"mode": "PassThrough"}
    assert not graph.of_type(ATTACHMENT)
    traced = run(program(tracing=True))
    for label in ("api", "reindex"):
        function = traced.one(FUNCTION, f"{NAME}-{label}")
        assert function.inputs["tracingConfig"] == {"mode": "Active"}
        attachment = traced.one(ATTACHMENT, f"{NAME}-{label}-xray")
        assert attachment.inputs["policyArn"].endswith("AWSXRayDaemonWriteAccess")
        assert attachment.inputs["role"] == traced.one(ROLE, f"{NAME}-{label}-role").state["name"]
        assert attachment.urn in function.dependencies


# -- the API: gateway responses, trigger, private endpoint -----------------------------------------
def test_unknown_paths_get_a_404_naming_simple(graph: Graph) -> None:
    response = graph.one(RESPONSE, f"{NAME}-not-found").inputs
    assert response["restApiId"] == API_ID
    assert response["responseType"] == "MISSING_AUTHENTICATION_TOKEN"
    assert response["statusCode"] == "404"
    assert set(response["responseTemplates"].values()) == {routes.not_found_body()}
    assert "/simple/" in routes.not_found_body()
    assert response["responseParameters"] == routes.PLAIN_TEXT_PARAMETERS
    signed = run(program(authorization="AWS_IAM")).one(RESPONSE, f"{NAME}-not-found").inputs
    assert signed["statusCode"] == "403"  # the same response answers unsigned requests there
    assert "not signed" in signed["responseTemplates"]["text/plain"]
    assert "not signed" not in response["responseTemplates"]["text/plain"]
    off = run(program(not_found_response=False))
    assert [r.name for r in off.of_type(RESPONSE)] == [f"{NAME}-too-large"]
    assert off.outputs["trigger"] != graph.outputs["trigger"]


@pytest.mark.parametrize(
    "overrides",
    [
        {"too_large_response": False},
        {"not_found_response": False},
        {"rest_api_settings": {"binary_media_types": ["*/*"]}},
        {"rest_api_settings": {"binary_media_types": ["application/octet-stream"]}},
        {"rest_api_settings": {"endpoint_configuration": {"types": "REGIONAL"}}},
        {"endpoint_type": "PRIVATE", "vpc_endpoint_ids": ["vpce-1"]},
    ],
)
def test_api_level_settings_change_the_trigger(graph: Graph, overrides: dict[str, Any]) -> None:
    assert run(program(**overrides)).outputs["trigger"] != graph.outputs["trigger"]


def test_trigger_tells_api_settings_apart() -> None:
    one = run(program(rest_api_settings={"binary_media_types": ["*/*"]})).outputs["trigger"]
    other = run(program(rest_api_settings={"binary_media_types": ["image/png"]})).outputs["trigger"]
    again = run(program(rest_api_settings={"binary_media_types": ["*/*"]})).outputs["trigger"]
    assert one != other
    assert one == again


def test_a_private_api_admits_only_its_vpc_endpoints(graph: Graph) -> None:
    assert not graph.of_type(API_POLICY)
    private = run(program(endpoint_type="PRIVATE", vpc_endpoint_ids=["vpce-b", "vpce-a"]))
    policy = private.one(API_POLICY)
    assert policy.inputs["restApiId"] == API_ID
    allow, deny = json.loads(policy.inputs["policy"])["Statement"]
    assert allow["Effect"] == "Allow"
    assert allow["Action"] == deny["Action"] == "execute-api:Invoke"
    assert allow["Resource"] == deny["Resource"] == f"{EXECUTION_ARN}/*"
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"StringNotEquals": {"aws:SourceVpce": ["vpce-a", "vpce-b"]}}


# -- observability --------------------------------------------------------------------------------
def _alarms(graph: Graph) -> dict[str, dict[str, Any]]:
    return {r.name.removeprefix(f"{NAME}-"): r.inputs for r in graph.of_type(ALARM)}


def test_alarms_watch_dead_letters_reindex_and_api_errors(graph: Graph) -> None:
    alarms = _alarms(graph)
    assert set(alarms) == {"dlq-not-empty", "reindex-queue-age", "reindex-errors", "api-function-errors"}
    dlq = alarms["dlq-not-empty"]
    assert dlq["namespace"] == "AWS/SQS"
    assert dlq["metricName"] == "ApproximateNumberOfMessagesVisible"
    assert dlq["dimensions"] == {
        "QueueName": graph.one("aws:sqs/queue:Queue", f"{NAME}-reindex-dlq").state["name"]
    }
    assert dlq["comparisonOperator"] == "GreaterThanThreshold"
    assert dlq["threshold"] == 0
    age = alarms["reindex-queue-age"]
    assert (age["namespace"], age["metricName"]) == ("AWS/SQS", "ApproximateAgeOfOldestMessage")
    assert age["dimensions"] == {
        "QueueName": graph.one("aws:sqs/queue:Queue", f"{NAME}-reindex").state["name"]
    }
    assert (age["statistic"], age["comparisonOperator"]) == ("Maximum", "GreaterThanThreshold")
    # Two reindex timeouts (300 s by default): longer than a healthy queue ever makes a message wait.
    assert age["threshold"] == 600
    assert run(program(reindex_timeout=60)).one(ALARM, f"{NAME}-reindex-queue-age").inputs["threshold"] == 120
    reindex = alarms["reindex-errors"]
    assert (reindex["namespace"], reindex["metricName"]) == ("AWS/Lambda", "Errors")
    assert reindex["dimensions"] == {"FunctionName": graph.one(FUNCTION, f"{NAME}-reindex").state["name"]}
    for alarm in alarms.values():
        assert alarm["treatMissingData"] == "notBreaching"
        assert not alarm.get("alarmActions")


def test_alarms_notify_the_topic_and_watch_the_stage_5xx() -> None:
    topic = "arn:aws:sns:us-east-1:123456789012:pager"
    graph = run(program(alarm_topic_arn=topic, api_name="my-api", stage_name="simple"))
    alarms = _alarms(graph)
    assert set(alarms) == {
        "dlq-not-empty",
        "reindex-queue-age",
        "reindex-errors",
        "api-function-errors",
        "api-5xx",
    }
    api = alarms["api-5xx"]
    assert (api["namespace"], api["metricName"]) == ("AWS/ApiGateway", "5XXError")
    assert api["dimensions"] == {"ApiName": "my-api", "Stage": "simple"}
    for alarm in alarms.values():
        assert alarm["alarmActions"] == [topic]
        assert alarm["okActions"] == [topic]
    assert not run(program(alarms=False)).of_type(ALARM)


def test_access_logs_are_opt_in_json_with_the_retention(graph: Graph) -> None:
    assert not [r for r in graph.of_type(LOG_GROUP) if r.name == f"{NAME}-access-logs"]
    assert not graph.of_type(ACCOUNT)
    logged = run(program(access_logs=True, log_retention_days=90))
    group = logged.one(LOG_GROUP, f"{NAME}-access-logs")
    assert group.inputs["retentionInDays"] == 90
    fields = json.loads(observability.access_log_format())
    assert set(fields) >= {"requestId", "ip", "method", "path", "status", "latencyMs", "userAgent"}
    assert not any("authorization" in value.lower() for value in fields.values())
    assert not logged.of_type(ACCOUNT)  # the account's role only when told


def test_the_account_role_is_managed_only_when_told() -> None:
    graph = run(program(manage_api_gateway_account=True))
    account = graph.one(ACCOUNT)
    role = graph.one(ROLE, f"{NAME}-apigateway-logs-role")
    assert account.inputs["cloudwatchRoleArn"] == role.state["arn"]
    (statement,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert statement["Principal"] == {"Service": "apigateway.amazonaws.com"}
    attachment = graph.one(ATTACHMENT, f"{NAME}-apigateway-logs-policy")
    assert attachment.inputs["policyArn"].endswith("AmazonAPIGatewayPushToCloudWatchLogs")
    assert attachment.urn in account.dependencies
