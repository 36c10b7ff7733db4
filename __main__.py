"""The ready stack: a REST API, the index in it, a deployment and the stage ``simple``.

``pulumi up`` in a fresh clone needs nothing but ``aws:region``: Pulumi.yaml declares every other
config key with the component's own default (a test holds the two equal), and the Pulumi CLI hands
the program every one of those defaults, as text (tests/support/stack.py does the same). Optional: a
custom domain (:mod:`components.domain`) with trusted publishing (:mod:`components.exchange`), a
per-client-IP rate limit (:mod:`components.ratelimit`), stage access logs and X-Ray. docs/deploy.md
describes each.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_aws as aws

from components import ServerlessPyPI, ServerlessPyPIArgs, clients
from components.domain import custom_domain
from components.exchange import exchange_api
from components.integrity import integrity_api
from components.ratelimit import rate_limit
from components.views import views_api

NAME = "serverless-pypi"
STAGE = "simple"

#: Stack config key -> ServerlessPyPIArgs field. An unset key (or an empty string) keeps the
#: component's default.
COMPONENT_SETTINGS = {
    "fallbackIndexUrl": "fallback_index_url",
    "fallbackMode": "fallback_mode",
    "minReleaseAgeDays": "min_release_age_days",
    "fallbackDeny": "fallback_deny",
    "fallbackAllow": "fallback_allow",
    "fallbackCacheSeconds": "fallback_cache_seconds",
    "presignedUrlTtl": "presigned_url_ttl",
    "publicRead": "public_read",
    "uploads": "uploads",
    "authorization": "authorization",
    "authorizerId": "authorizer_id",
    "tooLargeResponse": "too_large_response",
    "bucketName": "bucket_name",
    "bucketImport": "bucket_import",
    "kmsKeyArn": "kms_key_arn",
    "versioning": "versioning",
    "noncurrentVersionExpirationDays": "noncurrent_version_expiration_days",
    "runtime": "runtime",
    "architecture": "architecture",
    "apiFunctionName": "api_function_name",
    "apiMemorySize": "api_memory_size",
    "apiTimeout": "api_timeout",
    "reindexFunctionName": "reindex_function_name",
    "reindexMemorySize": "reindex_memory_size",
    "reindexTimeout": "reindex_timeout",
    "reindexMaxConcurrency": "reindex_max_concurrency",
    "logRetentionDays": "log_retention_days",
    "rolePermissionsBoundary": "role_permissions_boundary",
    "eventRuleName": "event_rule_name",
    "tags": "tags",
    "notFoundResponse": "not_found_response",
    "bucketProtect": "bucket_protect",
    "bucketRetain": "bucket_retain",
    "bucketManage": "bucket_manage",
    "endpointType": "endpoint_type",
    "vpcEndpointIds": "vpc_endpoint_ids",
    "tracing": "tracing",
    "alarms": "alarms",
    "alarmTopicArn": "alarm_topic_arn",
    "accessLogs": "access_logs",
    "manageApiGatewayAccount": "manage_api_gateway_account",
}

#: Values of ``trustedPublishing``: ``auto`` (the default) serves it wherever it can work, with a
#: custom domain and uploads; ``true`` insists (and refuses a stack that cannot have it).
TRUSTED_PUBLISHING = ("auto", "true", "false")

#: The stack's own settings and their defaults. Stage throttling -1 = none (the account's limit,
#: 10,000 requests/s, still applies): pip never retries a 429, so a shared limit fails CI builds.
STACK_DEFAULTS: dict[str, Any] = {
    "throttlingBurstLimit": -1,
    "throttlingRateLimit": -1,
    "rateLimitPerIp": 0,
    "domainName": "",
    "certificateArn": "",
    "hostedZoneId": "",
    "disableExecuteApiEndpoint": False,
    "trustedPublishing": "auto",
    "oidcAudience": "",
    "oidcIssuers": "",
}


def argument_default(argument: str) -> Any:
    """The default of one ServerlessPyPIArgs field."""
    for item in dataclasses.fields(ServerlessPyPIArgs):
        if item.name == argument:
            if item.default_factory is not dataclasses.MISSING:
                return item.default_factory()
            return item.default
    raise KeyError(argument)


def component_settings(config: pulumi.Config) -> dict[str, Any]:
    """The ServerlessPyPIArgs fields the stack config sets, read by the type of their default."""
    settings: dict[str, Any] = {}
    for key, argument in COMPONENT_SETTINGS.items():
        default = argument_default(argument)
        value: Any
        if isinstance(default, bool):
            value = config.get_bool(key)
        elif isinstance(default, int):
            value = config.get_int(key)
        elif isinstance(default, (Mapping, tuple)):
            value = config.get_object(key)
        else:
            value = config.get(key) or None
        if value is not None:
            settings[argument] = value
    return settings


def rest_api_settings(settings: Mapping[str, Any], config: pulumi.Config) -> dict[str, Any]:
    """The RestApi's own settings; the component puts them into the deployment trigger too."""
    endpoint: dict[str, Any] = {"types": settings.get("endpoint_type", "REGIONAL")}
    if endpoint["types"] == "PRIVATE":
        endpoint["vpc_endpoint_ids"] = list(settings.get("vpc_endpoint_ids", ()))
    return {
        "description": "Serverless PyPI: a private Python package index",
        "endpoint_configuration": endpoint,
        # Every body passes as bytes (uploads, gzip pages). Set explicitly: left implicit it flips
        # between updates (pulumi-aws-apigateway #118, pulumi-awsx #604).
        "binary_media_types": ["*/*"],
        "disable_execute_api_endpoint": bool(config.get_bool("disableExecuteApiEndpoint")),
    }


def trusted_publishing_settings(
    config: pulumi.Config, domain_name: str | None, settings: Mapping[str, Any]
) -> dict[str, Any]:
    """The component's trusted publishing arguments.

    ``auto`` turns it on where it can work: with a custom domain (clients ask
    ``https://HOST/_/oidc/…``, which only a domain can serve) and uploads; elsewhere it stays off
    without a word, so a fresh stack, a PRIVATE one or one without uploads deploys as it is. ``true``
    asks for it, and a stack that cannot have it is refused, naming ``trustedPublishing``.
    """
    given = config.get("trustedPublishing") or "auto"
    wanted = given.strip().lower()
    if wanted not in TRUSTED_PUBLISHING:
        raise ValueError(f"trustedPublishing must be one of {', '.join(TRUSTED_PUBLISHING)}, not {given!r}")
    uploads = settings.get("uploads", True)
    if wanted == "true" and domain_name is None:
        raise ValueError(
            "trustedPublishing=true needs domainName: clients ask https://DOMAIN/_/oidc/audience "
            "(leave it auto to serve it only where a domain exists)"
        )
    if wanted == "true" and not uploads:
        raise ValueError("trustedPublishing=true needs uploads (a minted token is an upload token)")
    if wanted == "false" or domain_name is None or not uploads:
        return {}
    found: dict[str, Any] = {
        "trusted_publishing": True,
        "oidc_audience": config.get("oidcAudience") or domain_name,
    }
    issuers = [i.strip() for i in (config.get("oidcIssuers") or "").split(",") if i.strip()]
    if issuers:
        found["oidc_issuers"] = tuple(issuers)
    return found


def main() -> None:
    """Declare the stack's resources and outputs."""
    config = pulumi.Config()
    settings = component_settings(config)
    tags = settings.get("tags", {})
    domain_name = config.get("domainName") or None
    if domain_name is not None and settings.get("endpoint_type") == "PRIVATE":
        raise ValueError(
            "domainName is for a REGIONAL API (a PRIVATE API is reached through its VPC endpoints)"
        )
    if config.get_bool("disableExecuteApiEndpoint") and domain_name is None:
        raise ValueError("disableExecuteApiEndpoint needs domainName (else nothing reaches the API)")
    api_settings = rest_api_settings(settings, config)
    settings.update(trusted_publishing_settings(config, domain_name, settings))

    api = aws.apigateway.RestApi(NAME, tags=tags, **api_settings)
    index = ServerlessPyPI(
        NAME,
        ServerlessPyPIArgs(
            rest_api_id=api.id,
            root_resource_id=api.root_resource_id,
            execution_arn=api.execution_arn,
            rest_api_settings=api_settings,
            api_name=api.name,
            stage_name=STAGE,
            **settings,
        ),
    )
    # A new deployment whenever a route, method, integration, gateway response or API setting
    # changes; after the component, so its methods exist when the deployment snapshots the API.
    # Pulumi creates the replacement before it deletes the old one, so the stage never points at
    # nothing.
    deployment = aws.apigateway.Deployment(
        NAME,
        rest_api=api.id,
        description="Serverless PyPI",
        triggers={"redeploy": index.deployment_trigger},
        opts=pulumi.ResourceOptions(depends_on=[index]),
    )
    access_log_settings: aws.apigateway.StageAccessLogSettingsArgsDict | None = None
    if index.access_log_group is not None:
        access_log_settings = {
            "destination_arn": index.access_log_group.arn,
            "format": index.access_log_format,
        }
    stage = aws.apigateway.Stage(
        f"{NAME}-{STAGE}",
        rest_api=api.id,
        deployment=deployment.id,
        stage_name=STAGE,
        access_log_settings=access_log_settings,
        xray_tracing_enabled=settings.get("tracing", False),
        tags=tags,
        # Access logs need the account's CloudWatch role set first (when this stack manages it).
        opts=pulumi.ResourceOptions(
            depends_on=[] if index.api_gateway_account is None else [index.api_gateway_account]
        ),
    )
    burst = config.get_int("throttlingBurstLimit")
    rate = config.get_int("throttlingRateLimit")
    aws.apigateway.MethodSettings(
        f"{NAME}-throttling",
        rest_api=api.id,
        stage_name=stage.stage_name,
        method_path="*/*",
        settings={
            "throttling_burst_limit": STACK_DEFAULTS["throttlingBurstLimit"] if burst is None else burst,
            "throttling_rate_limit": STACK_DEFAULTS["throttlingRateLimit"] if rate is None else rate,
        },
    )
    index_url = pulumi.Output.format("{0}/", stage.invoke_url)
    if not api_settings["disable_execute_api_endpoint"]:
        pulumi.export("stage_url", index_url)
    # The stages the per-client-IP rate limit protects, by the name of their WAF association.
    limited = {f"{NAME}-rate-limit": stage}
    if domain_name is not None:
        domain = custom_domain(
            NAME,
            domain_name=domain_name,
            rest_api_id=api.id,
            stage=stage,
            certificate_arn=config.get("certificateArn") or None,
            hosted_zone_id=config.get("hostedZoneId") or None,
            tags=tags,
        )
        index_url = domain.index_url
        pulumi.export("domain_target", domain.domain.regional_domain_name)
        # PEP 740 provenance at the host's root (/integrity/...): only a domain has a root to serve it.
        integrity_api(NAME, function=index.api_function, domain=domain.domain, tags=tags)
        # Pages for people at https://DOMAIN/project/, beside /simple/ (a REST API of their own).
        views_api(NAME, function=index.api_function, domain=domain.domain, tags=tags)
        pulumi.export("project_url", domain.index_url.apply(lambda url: url.replace("/simple/", "/project/")))
        if settings.get("trusted_publishing"):
            exchange = exchange_api(
                NAME,
                function=index.api_function,
                domain=domain.domain,
                tags=tags,
                alarms=settings.get("alarms", True),
                alarm_topic_arn=settings.get("alarm_topic_arn"),
            )
            limited[f"{NAME}-oidc-rate-limit"] = exchange.stage
            pulumi.export("oidc_audience", settings["oidc_audience"])
    per_ip = config.get_int("rateLimitPerIp") or 0
    if per_ip:
        rate_limit(NAME, limit=per_ip, stages=limited, tags=tags)
    pulumi.export("index_url", index_url)
    # twine's legacy upload API is answered at the index root.
    pulumi.export("upload_url", index_url)
    pulumi.export("pip_conf", index_url.apply(clients.pip_conf))
    pulumi.export("uv_index", index_url.apply(clients.uv_index))
    pulumi.export("pypirc", index_url.apply(clients.pypirc))
    pulumi.export("bucket_name", index.bucket_name)
    pulumi.export("api_function_name", index.api_function.name)
    pulumi.export("reindex_function_name", index.reindex_function.name)
    pulumi.export("dead_letter_queue_url", index.dead_letter_queue.url)


main()
