"""The stack's options under Pulumi mocks: custom domain, private endpoint, rate limit, access logs,
tracing, and the outputs users paste into their clients."""

from __future__ import annotations

import configparser
import json
import tomllib
from typing import Any

import pytest

from components import clients
from tests.support.pulumi_mocks import COMPONENT_TYPE, Graph
from tests.support.stack import run_stack

API = "aws:apigateway/restApi:RestApi"
STAGE = "aws:apigateway/stage:Stage"
DEPLOYMENT = "aws:apigateway/deployment:Deployment"
CERTIFICATE = "aws:acm/certificate:Certificate"
VALIDATION = "aws:acm/certificateValidation:CertificateValidation"
RECORD = "aws:route53/record:Record"
DOMAIN = "aws:apigateway/domainName:DomainName"
MAPPING = "aws:apigateway/basePathMapping:BasePathMapping"
WEB_ACL = "aws:wafv2/webAcl:WebAcl"
WEB_ACL_ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation"
API_POLICY = "aws:apigateway/restApiPolicy:RestApiPolicy"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
ACCOUNT = "aws:apigateway/account:Account"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
ZONE = "Z0123456789ABC"
CERTIFICATE_ARN = "arn:aws:acm:us-east-1:123456789012:certificate/given"


@pytest.fixture(scope="module")
def default() -> Graph:
    """The stack with only ``aws:region``."""
    return run_stack()


def test_without_a_domain_the_urls_are_the_stage_and_no_domain_resource_exists(default: Graph) -> None:
    stage_url = default.one(STAGE).state["invokeUrl"] + "/"
    assert default.outputs["index_url"] == default.outputs["upload_url"] == stage_url
    assert default.outputs["stage_url"] == stage_url
    for typ in (CERTIFICATE, DOMAIN, MAPPING, RECORD, WEB_ACL, API_POLICY):
        assert not default.of_type(typ), typ
    assert default.one(API, "serverless-pypi").inputs.get("disableExecuteApiEndpoint") in (None, False)
    assert "domain_target" not in default.outputs


def test_a_domain_with_a_zone_gets_a_validated_certificate_a_mapping_and_an_alias() -> None:
    graph = run_stack({"domainName": "pypi.example.com", "hostedZoneId": ZONE})
    certificate = graph.one(CERTIFICATE)
    assert certificate.inputs["domainName"] == "pypi.example.com"
    assert certificate.inputs["validationMethod"] == "DNS"
    validation_record = graph.one(RECORD, "serverless-pypi-certificate-validation")
    assert validation_record.inputs["zoneId"] == ZONE
    assert validation_record.inputs["name"] == "_x1.pypi.example.com."
    assert validation_record.inputs["records"] == ["_x2.acm-validations.aws."]
    validation = graph.one(VALIDATION)
    assert validation.inputs["certificateArn"] == certificate.state["arn"]
    domain = graph.one(DOMAIN)
    assert domain.inputs["domainName"] == "pypi.example.com"
    assert domain.inputs["securityPolicy"] == "TLS_1_2"
    mapping = graph.one(MAPPING, "serverless-pypi-mapping")
    assert mapping.inputs["basePath"] == "simple"
    assert mapping.inputs["stageName"] == "simple"
    assert mapping.inputs["restApi"] == graph.one(API, "serverless-pypi").id
    # IPv4 and IPv6 clients alike: a dualstack domain name, and an A and an AAAA alias to it.
    assert domain.inputs["endpointConfiguration"] == {"types": "REGIONAL", "ipAddressType": "dualstack"}
    aliases = {
        graph.one(RECORD, name).inputs["type"]: graph.one(RECORD, name).inputs
        for name in ("serverless-pypi-alias", "serverless-pypi-alias-ipv6")
    }
    assert set(aliases) == {"A", "AAAA"}
    assert len(graph.of_type(RECORD)) == 3
    for alias in aliases.values():
        assert alias["zoneId"] == ZONE
        assert alias["name"] == "pypi.example.com"
        assert alias["aliases"] == [
            {
                "name": domain.state["regionalDomainName"],
                "zoneId": domain.state["regionalZoneId"],
                "evaluateTargetHealth": False,
            }
        ]
    assert graph.outputs["index_url"] == "https://pypi.example.com/simple/"
    assert graph.outputs["upload_url"] == "https://pypi.example.com/simple/"
    assert graph.outputs["domain_target"] == domain.state["regionalDomainName"]
    # Domain resources belong to the stack, beside the API; nothing else moved out of the component.
    component = graph.one(COMPONENT_TYPE)
    for typ in (CERTIFICATE, VALIDATION, RECORD, DOMAIN, MAPPING):
        for resource in graph.of_type(typ):
            assert resource.parent == component.parent, resource.urn


def test_a_domain_with_a_given_certificate_creates_no_certificate_nor_dns() -> None:
    graph = run_stack(
        {
            "domainName": "pypi.example.com",
            "certificateArn": CERTIFICATE_ARN,
            "disableExecuteApiEndpoint": True,
        }
    )
    assert not graph.of_type(CERTIFICATE)
    assert not graph.of_type(RECORD)
    assert graph.one(DOMAIN).inputs["regionalCertificateArn"] == CERTIFICATE_ARN
    assert graph.one(API, "serverless-pypi").inputs["disableExecuteApiEndpoint"] is True
    assert graph.outputs["index_url"] == "https://pypi.example.com/simple/"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"domainName": "pypi.example.com"}, "certificateArn or hostedZoneId"),
        ({"disableExecuteApiEndpoint": True}, "needs domainName"),
        (
            {
                "domainName": "p.example.com",
                "hostedZoneId": ZONE,
                "endpointType": "PRIVATE",
                "vpcEndpointIds": '["vpce-1"]',
            },
            "REGIONAL",
        ),
        ({"rateLimitPerIp": 5}, "at least 10"),
    ],
)
def test_settings_that_cannot_work_are_refused(config: dict[str, Any], message: str) -> None:
    with pytest.raises(Exception, match=message):
        run_stack(config)


def test_a_private_api_with_its_endpoints_and_policy(default: Graph) -> None:
    graph = run_stack({"endpointType": "PRIVATE", "vpcEndpointIds": '["vpce-0a1b2c3d"]'})
    api = graph.one(API, "serverless-pypi")
    assert api.inputs["endpointConfiguration"] == {"types": "PRIVATE", "vpcEndpointIds": ["vpce-0a1b2c3d"]}
    policy = json.loads(graph.one(API_POLICY).inputs["policy"])
    assert policy["Statement"][1]["Condition"]["StringNotEquals"]["aws:SourceVpce"] == ["vpce-0a1b2c3d"]
    assert graph.one(API_POLICY).parent == graph.one(COMPONENT_TYPE).urn
    # A different endpoint configuration is a different deployment.
    assert (
        graph.one(DEPLOYMENT, "serverless-pypi").inputs["triggers"]
        != default.one(DEPLOYMENT, "serverless-pypi").inputs["triggers"]
    )


def test_disabling_the_execute_api_endpoint_redeploys() -> None:
    with_domain = {"domainName": "pypi.example.com", "certificateArn": CERTIFICATE_ARN}
    on = run_stack(with_domain)
    off = run_stack({**with_domain, "disableExecuteApiEndpoint": True})
    assert (
        on.one(DEPLOYMENT, "serverless-pypi").inputs["triggers"]
        != off.one(DEPLOYMENT, "serverless-pypi").inputs["triggers"]
    )


def test_no_rate_limit_by_default_and_a_per_ip_rule_when_asked(default: Graph) -> None:
    assert not default.of_type(WEB_ACL)
    graph = run_stack({"rateLimitPerIp": 3000})
    acl = graph.one(WEB_ACL)
    assert acl.inputs["scope"] == "REGIONAL"
    assert acl.inputs["defaultAction"] == {"allow": {}}
    (rule,) = acl.inputs["rules"]
    statement = rule["statement"]["rateBasedStatement"]
    assert statement["limit"] == 3000
    assert statement["aggregateKeyType"] == "IP"
    assert rule["action"]["block"]["customResponse"]["responseCode"] == 429
    association = graph.one(WEB_ACL_ASSOCIATION)
    assert association.inputs["webAclArn"] == acl.state["arn"]
    assert association.inputs["resourceArn"] == graph.one(STAGE).state["arn"]


def test_access_logs_and_tracing_reach_the_stage(default: Graph) -> None:
    assert "accessLogSettings" not in default.one(STAGE).inputs
    assert default.one(STAGE).inputs.get("xrayTracingEnabled") in (None, False)
    graph = run_stack(
        {"accessLogs": True, "manageApiGatewayAccount": True, "tracing": True, "logRetentionDays": 14}
    )
    stage = graph.one(STAGE)
    group = graph.one(LOG_GROUP, "serverless-pypi-access-logs")
    assert group.inputs["retentionInDays"] == 14
    settings = stage.inputs["accessLogSettings"]
    assert settings["destinationArn"] == group.state["arn"]
    assert json.loads(settings["format"])["requestId"] == "$context.requestId"
    assert stage.inputs["xrayTracingEnabled"] is True
    assert graph.one(ACCOUNT).urn in stage.dependencies


def test_the_5xx_alarm_watches_this_api_and_stage() -> None:
    graph = run_stack({"alarmTopicArn": "arn:aws:sns:us-east-1:123456789012:ops"})
    alarm = graph.one(ALARM, "serverless-pypi-api-5xx")
    assert alarm.inputs["dimensions"] == {
        "ApiName": graph.one(API, "serverless-pypi").state["name"],
        "Stage": "simple",
    }
    assert alarm.inputs["alarmActions"] == ["arn:aws:sns:us-east-1:123456789012:ops"]


def test_client_settings_are_ready_to_paste_and_carry_no_secret(default: Graph) -> None:
    url = default.outputs["index_url"]
    pip = configparser.ConfigParser()
    pip.read_string(default.outputs["pip_conf"])
    assert pip["global"]["index-url"] == url
    (index,) = tomllib.loads(default.outputs["uv_index"])["tool"]["uv"]["index"]
    assert index == {"name": "private", "url": url, "publish-url": url, "default": True}
    pypirc = configparser.ConfigParser()
    pypirc.read_string(default.outputs["pypirc"])
    assert pypirc["distutils"]["index-servers"].split() == ["private"]
    assert pypirc["private"]["repository"] == default.outputs["upload_url"]
    assert pypirc["private"]["username"] == "__token__"
    for key in ("pip_conf", "uv_index", "pypirc"):
        assert "password" not in default.outputs[key].lower()
    assert clients.pip_conf("https://x/simple/") == "[global]\nindex-url = https://x/simple/\n"


def test_client_settings_follow_the_custom_domain() -> None:
    graph = run_stack({"domainName": "pypi.example.com", "certificateArn": CERTIFICATE_ARN})
    assert "index-url = https://pypi.example.com/simple/" in graph.outputs["pip_conf"]
    assert 'url = "https://pypi.example.com/simple/"' in graph.outputs["uv_index"]
    assert "repository = https://pypi.example.com/simple/" in graph.outputs["pypirc"]


def test_bucket_settings_reach_the_component_from_the_config(default: Graph) -> None:
    bucket = default.one("aws:s3/bucket:Bucket")
    assert bucket.protect
    assert bucket.retain_on_delete
    adopted = run_stack(
        {"bucketName": "legacy-pypi", "bucketImport": True, "bucketManage": '{"policy": "import"}'}
    )
    assert adopted.one("aws:s3/bucket:Bucket").import_id == "legacy-pypi"
    assert adopted.one("aws:s3/bucketPolicy:BucketPolicy").import_id == "legacy-pypi"
    assert not adopted.of_type("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    scratch = run_stack({"bucketProtect": False, "bucketRetain": False})
    assert not scratch.one("aws:s3/bucket:Bucket").protect
    assert not scratch.one("aws:s3/bucket:Bucket").retain_on_delete


def test_the_api_function_is_sized_for_uploads_by_default(default: Graph) -> None:
    api = default.one("aws:lambda/function:Function", "serverless-pypi-api")
    assert (api.inputs["memorySize"], api.inputs["timeout"]) == (512, 29)
    layer = default.one("aws:lambda/layerVersion:LayerVersion")
    assert api.inputs["layers"] == [layer.state["arn"]]
