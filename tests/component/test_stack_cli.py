"""The ready stack in the Pulumi CLI's world: every default of Pulumi.yaml applied as text, stack
values checked against their declared types, and every documented configuration deploying.

The CLI writes each ``default`` into the stack's config before the program runs, so the program never
sees "unset" for a declared key: what a test without config ran was a world no stack lives in (a
fresh stack once failed on ``trustedPublishing``'s default this way). tests/support/stack.py builds
the config as the CLI does; every stack test runs through it.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from components import exchange
from tests.support import stack
from tests.support.pulumi_mocks import Graph
from tests.support.stack import StackConfigError, cli_config, run_stack

API = "aws:apigateway/restApi:RestApi"
DEPLOYMENT = "aws:apigateway/deployment:Deployment"
STAGE = "aws:apigateway/stage:Stage"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
WEB_ACL = "aws:wafv2/webAcl:WebAcl"
WEB_ACL_ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation"
FUNCTION = "aws:lambda/function:Function"
ENCRYPTION = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
CERTIFICATE_ARN = "arn:aws:acm:us-east-1:123456789012:certificate/given"
DOMAIN: dict[str, object] = {"domainName": "pypi.example.com", "certificateArn": CERTIFICATE_ARN}
TOPIC = "arn:aws:sns:us-east-1:123456789012:ops"


# -- the helper does what the CLI does ---------------------------------------------------------------
def test_every_default_reaches_the_program_as_text() -> None:
    config = cli_config()
    assert config["aws:region"] == "us-east-1"
    declared = stack.project()["config"]
    assert {f"serverless-pypi:{key}" for key in declared} | {"aws:region"} == set(config)
    assert config["serverless-pypi:publicRead"] == "false"
    assert config["serverless-pypi:uploads"] == "true"
    assert config["serverless-pypi:presignedUrlTtl"] == "900"
    assert config["serverless-pypi:throttlingBurstLimit"] == "-1"
    assert config["serverless-pypi:tags"] == "{}"
    assert config["serverless-pypi:vpcEndpointIds"] == "[]"
    assert config["serverless-pypi:domainName"] == ""
    assert config["serverless-pypi:trustedPublishing"] == "auto"


def test_stack_values_arrive_as_the_cli_keeps_them() -> None:
    config = cli_config(
        {"publicRead": True, "presignedUrlTtl": 600, "apiMemorySize": "1024", "tags": '{"a": "b"}'}
    )
    assert config["serverless-pypi:publicRead"] == "true"  # YAML's true, as `config set ... true`
    assert config["serverless-pypi:presignedUrlTtl"] == "600"
    assert config["serverless-pypi:apiMemorySize"] == "1024"
    assert config["serverless-pypi:tags"] == '{"a": "b"}'
    assert cli_config({"serverless-pypi:uploads": False})["serverless-pypi:uploads"] == "false"


@pytest.mark.parametrize(
    ("values", "key", "kind"),
    [
        ({"publicRead": "yes"}, "publicRead", "boolean"),
        ({"publicRead": 1}, "publicRead", "boolean"),
        ({"presignedUrlTtl": "soon"}, "presignedUrlTtl", "integer"),
        ({"presignedUrlTtl": 1.5}, "presignedUrlTtl", "integer"),
        ({"presignedUrlTtl": "1_000"}, "presignedUrlTtl", "integer"),
        ({"presignedUrlTtl": True}, "presignedUrlTtl", "integer"),
        # A list or mapping in the stack file is an object value, not the JSON text these keys take.
        ({"vpcEndpointIds": ["vpce-0abc"]}, "vpcEndpointIds", "string"),
        ({"tags": {"team": "platform"}}, "tags", "string"),
    ],
)
def test_a_value_that_does_not_fit_its_type_is_refused_as_the_cli_does(
    values: dict[str, object], key: str, kind: str
) -> None:
    with pytest.raises(StackConfigError, match=f"configuration key '{key}' must be of type '{kind}'"):
        run_stack(values)


def test_a_key_without_a_default_or_a_value_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    declared = {"config": {"needed": {"type": "string"}, "other": {"type": "integer", "default": 3}}}
    monkeypatch.setattr(stack, "project", lambda: declared)
    with pytest.raises(StackConfigError, match="Stack 'test' is missing configuration value 'needed'"):
        cli_config()
    assert cli_config({"needed": "x"}) == {
        "aws:region": "us-east-1",
        "serverless-pypi:needed": "x",
        "serverless-pypi:other": "3",
    }


def test_a_key_pulumi_yaml_does_not_declare_is_a_typo() -> None:
    with pytest.raises(StackConfigError, match="declares no key serverless-pypi:publicReads"):
        cli_config({"publicReads": True})


def test_every_key_keeps_a_default_so_a_fresh_stack_needs_none() -> None:
    for key, declaration in stack.project()["config"].items():
        assert "default" in declaration, key


# -- every documented configuration deploys ---------------------------------------------------------
def _no_exchange(graph: Graph) -> bool:
    return not [r for r in graph.of_type(API) if r.name == "serverless-pypi-oidc"]


def _exchange(graph: Graph) -> bool:
    return not _no_exchange(graph)


#: The configurations docs/deploy.md and the README describe, by the issue's letters: the stack
#: values, and one thing that tells the configuration took effect.
CONFIGURATIONS: dict[str, tuple[dict[str, object], Callable[[Graph], bool]]] = {
    "a-region-only": ({}, _no_exchange),
    "b-domain": (DOMAIN, _exchange),
    "c-domain-zone": (
        {**DOMAIN, "hostedZoneId": "Z0123456789ABC"},
        lambda g: len(g.of_type("aws:route53/record:Record")) == 2 and _exchange(g),
    ),
    "d-domain-no-trusted-publishing": ({**DOMAIN, "trustedPublishing": "false"}, _no_exchange),
    "e-domain-only": (
        {**DOMAIN, "disableExecuteApiEndpoint": True},
        lambda g: "stage_url" not in g.outputs and _exchange(g),
    ),
    "f-private": (
        {"endpointType": "PRIVATE", "vpcEndpointIds": '["vpce-0abc"]'},
        lambda g: bool(g.of_type("aws:apigateway/restApiPolicy:RestApiPolicy")) and _no_exchange(g),
    ),
    "g-public-with-fallback": (
        {"publicRead": True, "fallbackIndexUrl": "https://pypi.org/simple/"},
        lambda g: (
            g.one(FUNCTION, "serverless-pypi-api").inputs["environment"]["variables"]["PUBLIC_READ"] == "true"
        ),
    ),
    "h-no-uploads": (
        {"uploads": False},
        lambda g: (
            g.one(FUNCTION, "serverless-pypi-api").inputs["environment"]["variables"]["UPLOADS_ENABLED"]
            == "false"
        ),
    ),
    "i-aws-iam": (
        {"authorization": "AWS_IAM"},
        lambda g: (
            {m.inputs["authorization"] for m in g.of_type("aws:apigateway/method:Method")} == {"AWS_IAM"}
        ),
    ),
    "j-adopted-bucket": (
        {"bucketName": "legacy-pypi", "bucketImport": True},
        lambda g: g.one("aws:s3/bucket:Bucket").import_id == "legacy-pypi",
    ),
    "k-kms": (
        {"kmsKeyArn": "arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d"},
        lambda g: (
            g.one(ENCRYPTION).inputs["rules"][0]["applyServerSideEncryptionByDefault"]["kmsMasterKeyId"]
            == "arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d"
        ),
    ),
    "l-access-logs-and-tracing": (
        {"accessLogs": True, "tracing": True},
        lambda g: "accessLogSettings" in g.one(STAGE).inputs and g.one(STAGE).inputs["xrayTracingEnabled"],
    ),
    "m-rate-limit": ({"rateLimitPerIp": 100}, lambda g: len(g.of_type(WEB_ACL_ASSOCIATION)) == 1),
    "n-x86": (
        {"architecture": "x86_64"},
        lambda g: {tuple(f.inputs["architectures"]) for f in g.of_type(FUNCTION)} == {("x86_64",)},
    ),
    "o-no-alarms": ({"alarms": False}, lambda g: not g.of_type(ALARM)),
}


@pytest.mark.parametrize("label", sorted(CONFIGURATIONS))
def test_every_documented_configuration_deploys(label: str) -> None:
    values, took_effect = CONFIGURATIONS[label]
    graph = run_stack(values)
    api = graph.one(API, "serverless-pypi")
    assert api.inputs["binaryMediaTypes"] == ["*/*"]
    assert graph.outputs["index_url"].endswith("/simple/")
    assert took_effect(graph), label


# -- every API redeploys when what its stage serves changes -------------------------------------------
def test_a_new_api_function_redeploys_every_api() -> None:
    before = run_stack(DOMAIN)
    after = run_stack({**DOMAIN, "apiFunctionName": "pypi-api"})
    deployments = {d.name: d for d in before.of_type(DEPLOYMENT)}
    apis = ("", "-oidc", "-integrity", "-views")  # the index, the exchange, the Integrity API, the view
    assert set(deployments) == {f"serverless-pypi{suffix}" for suffix in apis}
    for name, old in deployments.items():
        new = after.one(DEPLOYMENT, name)
        # Either replaces the deployment; a new description would be an update in place.
        replacing = ("triggers", "variables")
        assert any(old.inputs.get(key) != new.inputs.get(key) for key in replacing), name


def test_the_exchange_trigger_follows_its_integrations_not_only_its_routes() -> None:
    snapshot = {"api": exchange.API_SETTINGS, "integrations": {"GET /oidc/audience": ["i", "AWS_PROXY", "a"]}}
    moved = {**snapshot, "integrations": {"GET /oidc/audience": ["i", "AWS_PROXY", "b"]}}
    assert exchange.deployment_trigger(snapshot) != exchange.deployment_trigger(moved)


# -- review findings: alarms, rate limit, outputs ----------------------------------------------------
def test_the_exchange_has_a_5xx_alarm_with_the_others() -> None:
    graph = run_stack({**DOMAIN, "alarmTopicArn": TOPIC})
    alarm = graph.one(ALARM, "serverless-pypi-oidc-5xx").inputs
    assert (alarm["namespace"], alarm["metricName"]) == ("AWS/ApiGateway", "5XXError")
    assert alarm["dimensions"] == {
        "ApiName": graph.one(API, "serverless-pypi-oidc").state["name"],
        "Stage": exchange.STAGE,
    }
    assert alarm["alarmActions"] == alarm["okActions"] == [TOPIC]
    assert alarm["treatMissingData"] == "notBreaching"
    names = {a.name.removeprefix("serverless-pypi-") for a in graph.of_type(ALARM)}
    assert names == {
        "dlq-not-empty",
        "reindex-queue-age",
        "reindex-errors",
        "api-function-errors",
        "api-5xx",
        "oidc-5xx",
    }
    assert not run_stack({**DOMAIN, "alarms": False}).of_type(ALARM)


def test_the_rate_limit_protects_the_exchange_stage_too() -> None:
    graph = run_stack({**DOMAIN, "rateLimitPerIp": 100})
    acl = graph.one(WEB_ACL)
    stages = {s.name: s.state["arn"] for s in graph.of_type(STAGE)}
    associations = {a.name: a.inputs for a in graph.of_type(WEB_ACL_ASSOCIATION)}
    assert associations == {
        "serverless-pypi-rate-limit": {
            "resourceArn": stages["serverless-pypi-simple"],
            "webAclArn": acl.state["arn"],
        },
        "serverless-pypi-oidc-rate-limit": {
            "resourceArn": stages["serverless-pypi-oidc"],
            "webAclArn": acl.state["arn"],
        },
    }


def test_no_stage_url_once_the_execute_api_endpoint_is_off() -> None:
    on = run_stack(DOMAIN)
    assert on.outputs["stage_url"] == on.one(STAGE, "serverless-pypi-simple").state["invokeUrl"] + "/"
    off = run_stack({**DOMAIN, "disableExecuteApiEndpoint": True})
    assert "stage_url" not in off.outputs
    assert off.outputs["index_url"] == "https://pypi.example.com/simple/"
