"""The ready stack: a REGIONAL REST API, the index in it, a deployment and the stage ``simple``.

``pulumi up`` in a fresh clone needs nothing but ``aws:region``: Pulumi.yaml declares every other
config key with the component's own default (a test holds the two equal).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_aws as aws

from components import ServerlessPyPI, ServerlessPyPIArgs

NAME = "serverless-pypi"
STAGE = "simple"

#: Stack config key -> ServerlessPyPIArgs field. An unset key (or an empty string) keeps the
#: component's default.
COMPONENT_SETTINGS = {
    "fallbackIndexUrl": "fallback_index_url",
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
}

#: The stack's own settings (the stage's throttling) and their defaults.
STACK_DEFAULTS = {"throttlingBurstLimit": 100, "throttlingRateLimit": 50}


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
        elif isinstance(default, Mapping):
            value = config.get_object(key)
        else:
            value = config.get(key) or None
        if value is not None:
            settings[argument] = value
    return settings


def main() -> None:
    """Declare the stack's resources and outputs."""
    config = pulumi.Config()
    settings = component_settings(config)
    tags = settings.get("tags", {})

    api = aws.apigateway.RestApi(
        NAME,
        description="Serverless PyPI: a private Python package index",
        endpoint_configuration={"types": "REGIONAL"},
        # Every body passes as bytes (uploads, gzip pages). Set explicitly: left implicit it flips
        # between updates (pulumi-aws-apigateway #118, pulumi-awsx #604).
        binary_media_types=["*/*"],
        tags=tags,
    )
    index = ServerlessPyPI(
        NAME,
        ServerlessPyPIArgs(
            rest_api_id=api.id,
            root_resource_id=api.root_resource_id,
            execution_arn=api.execution_arn,
            **settings,
        ),
    )
    # A new deployment whenever a route, method, integration or gateway response changes; after
    # the component, so its methods exist when the deployment snapshots the API. Pulumi creates
    # the replacement before it deletes the old one, so the stage never points at nothing.
    deployment = aws.apigateway.Deployment(
        NAME,
        rest_api=api.id,
        description="Serverless PyPI",
        triggers={"redeploy": index.deployment_trigger},
        opts=pulumi.ResourceOptions(depends_on=[index]),
    )
    stage = aws.apigateway.Stage(
        f"{NAME}-{STAGE}",
        rest_api=api.id,
        deployment=deployment.id,
        stage_name=STAGE,
        tags=tags,
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
    pulumi.export("index_url", index_url)
    # twine's legacy upload API is answered at the index root.
    pulumi.export("upload_url", index_url)
    pulumi.export("bucket_name", index.bucket_name)
    pulumi.export("api_function_name", index.api_function.name)
    pulumi.export("reindex_function_name", index.reindex_function.name)
    pulumi.export("dead_letter_queue_url", index.dead_letter_queue.url)


main()
