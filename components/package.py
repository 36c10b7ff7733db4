"""``ServerlessPyPI`` as a Pulumi package: the boundary every other language comes through.

``pulumi package add <repository>/serverless-pypi@<tag>`` runs ``serverless-pypi/__main__.py``,
which hosts the class below with Pulumi's component provider host
(``pulumi.provider.experimental``). That host infers the package schema from type annotations and
field docstrings, and hands the component its inputs as a plain ``dict``. Python programs keep
:class:`components.serverless_pypi.ServerlessPyPI` and its frozen, validated
:class:`~components.args.ServerlessPyPIArgs`; this module adapts the other side:

- :class:`ServerlessPyPIInputs`, a ``TypedDict``, is the schema of the inputs: one key per argument
  (the Python-only ``layer_builder`` excepted), optional keys ``NotRequired`` so the component's
  defaults apply, enums where the component accepts a fixed set;
- :func:`to_args` turns the dict the host sends into ``ServerlessPyPIArgs`` (enum members to their
  values, numbers the wire carried as floats back to ints), so both paths run the same validation
  and build the same resources;
- :class:`ServerlessPyPI` restates the outputs with descriptions for the schema, since the analyzer
  reads docstrings from the hosted class's own source.

``python -m components.package`` prints the schema as committed in ``serverless-pypi/schema.json``.
"""

import contextlib
import inspect
import json
import sys
import typing
import warnings
from collections.abc import Iterator, Mapping, Sequence
from enum import Enum, StrEnum
from typing import TYPE_CHECKING, Any, NotRequired, TypedDict

import pulumi
import pulumi_aws as aws

from components import serverless_pypi
from components.args import ServerlessPyPIArgs

if TYPE_CHECKING:
    from pulumi.provider.experimental.component import ComponentProvider

#: The package's name: the first part of its type tokens, and of the generated SDKs' names.
PACKAGE = "serverless-pypi"
#: The package's version (semantic versioning; CHANGELOG.md, tagged ``v<VERSION>`` on release).
VERSION = "0.1.0"
#: The package's license (SPDX), as LICENSE at the repository root and pyproject.toml say.
LICENSE = "MIT"


class Runtime(StrEnum):
    """Lambda runtime of both functions."""

    PYTHON_3_11 = "python3.11"
    PYTHON_3_12 = "python3.12"
    PYTHON_3_13 = "python3.13"
    PYTHON_3_14 = "python3.14"


class Architecture(StrEnum):
    """Instruction set of both functions and of their dependency layer."""

    ARM64 = "arm64"
    """Graviton: the default, cheaper per second."""
    X86_64 = "x86_64"
    """Intel or AMD."""


class EndpointType(StrEnum):
    """Endpoint type of the REST API (set the same on the `RestApi`)."""

    REGIONAL = "REGIONAL"
    """Reached over the internet, in the API's region."""
    PRIVATE = "PRIVATE"
    """Reached only through the interface VPC endpoints in `vpcEndpointIds`."""


class Authorization(StrEnum):
    """Authorization of every method of the index."""

    NONE = "NONE"
    """API Gateway lets every request through; the index checks its own tokens."""
    AWS_IAM = "AWS_IAM"
    """Requests must be signed with AWS credentials (SigV4)."""
    CUSTOM = "CUSTOM"
    """A Lambda authorizer, `authorizerId`."""
    COGNITO_USER_POOLS = "COGNITO_USER_POOLS"
    """A Cognito user pool authorizer, `authorizerId`."""


class FallbackMode(StrEnum):
    """How a project the index neither holds nor reserves is answered."""

    REDIRECT = "redirect"
    """A 302 to `fallbackIndexUrl`: the client trusts whatever the upstream serves."""
    PROXY = "proxy"
    """The upstream's page, filtered by the policy (minimum release age, deny and allow lists),
    cached in the bucket and served like the index's own."""


class ServerlessPyPIInputs(TypedDict):
    """The inputs of the package's ``ServerlessPyPI``: ``ServerlessPyPIArgs`` for every language."""

    # -- the REST API (v1) the routes go into -------------------------------------------------
    rest_api_id: pulumi.Input[str]
    """Id of the REST API (v1) the index goes into (`aws.apigateway.RestApi` `id`)."""
    root_resource_id: pulumi.Input[str]
    """The REST API's root resource id (`RestApi` `rootResourceId`)."""
    execution_arn: pulumi.Input[str]
    """The REST API's execution ARN (`RestApi` `executionArn`): the functions' invoke permission is
    limited to it."""
    authorization: NotRequired[Authorization]
    """Authorization of every method (default `NONE`)."""
    authorizer_id: NotRequired[pulumi.Input[str]]
    """Authorizer of every method, required for `CUSTOM` and `COGNITO_USER_POOLS`."""
    too_large_response: NotRequired[bool]
    """Set the API's `REQUEST_TOO_LARGE` gateway response: a 413 that names the admin CLI's direct
    upload (default true)."""
    not_found_response: NotRequired[bool]
    """Set the API's `MISSING_AUTHENTICATION_TOKEN` gateway response: a plain-text 404 naming
    `/simple/` for an unknown path or method, instead of a 403 `Missing Authentication Token`
    (default true)."""
    rest_api_settings: NotRequired[Mapping[str, pulumi.Input[Any]]]
    """RestApi-level settings a deployment snapshots (binary media types, endpoint configuration,
    policy, ...): any change to them changes `deploymentTrigger`."""
    endpoint_type: NotRequired[EndpointType]
    """The API's endpoint type (default `REGIONAL`); set the same on the `RestApi`."""
    vpc_endpoint_ids: NotRequired[Sequence[pulumi.Input[str]]]
    """With `PRIVATE` (and only then, required): the interface VPC endpoints (`execute-api`) the API
    admits, and no other; the component attaches that resource policy to the API."""
    api_name: NotRequired[pulumi.Input[str]]
    """The REST API's name, the dimension of its CloudWatch metrics: with it, an alarm on 5xx."""
    stage_name: NotRequired[str]
    """The stage the API is deployed to, the alarm's and the access log's dimension (default
    `simple`)."""

    # -- the bucket ----------------------------------------------------------------------------
    bucket_name: NotRequired[pulumi.Input[str]]
    """Bucket name; auto-named from the component's name when not given."""
    bucket_import: NotRequired[bool]
    """Adopt the existing bucket `bucketName` (a plain string then), e.g. the Terraform module's,
    instead of creating one (default false)."""
    kms_key_arn: NotRequired[pulumi.Input[str]]
    """Encrypt with this KMS key (SSE-KMS, bucket key on) instead of SSE-S3."""
    versioning: NotRequired[bool]
    """Keep old object versions, so a mistaken delete or overwrite can be undone (default true)."""
    noncurrent_version_expiration_days: NotRequired[int]
    """Days an old object version is kept once replaced or deleted (default 30, at least 1)."""
    bucket_protect: NotRequired[bool]
    """Protect the bucket in Pulumi: a change that would replace it, or a destroy that would delete
    it, fails instead (default true)."""
    bucket_retain: NotRequired[bool]
    """Keep the bucket and its configurations in AWS when Pulumi deletes them, so the packages
    outlive the stack (default true; always on for an adopted bucket)."""
    bucket_manage: NotRequired[Mapping[str, str]]
    """With `bucketImport`: which configurations of the adopted bucket the index manages, by name
    (`publicAccessBlock`, `ownershipControls`, `encryption`, `policy`, `versioning`, `lifecycle`,
    `notification`) -> `import` (adopt the existing one) or `create` (write the index's, replacing
    it). Configurations not named are left alone."""

    # -- behaviour of the index ------------------------------------------------------------------
    fallback_index_url: NotRequired[pulumi.Input[str]]
    """Where unknown projects are redirected, e.g. `https://pypi.org/simple/`; none by default (404)."""
    fallback_mode: NotRequired[FallbackMode]
    """`redirect` (default) or `proxy`: the API function fetches `fallbackIndexUrl`'s pages over the
    internet, filters and caches them."""
    min_release_age_days: NotRequired[int]
    """Proxy: list only files public upstream at least this many days (default 0 = off; 7 recommended)."""
    fallback_deny: NotRequired[Sequence[str]]
    """Proxy: project names never served from upstream."""
    fallback_allow: NotRequired[Sequence[str]]
    """Proxy: when not empty, the only project names served from upstream."""
    fallback_cache_seconds: NotRequired[int]
    """Proxy: a cached upstream page older than this is fetched again (default 600, at least 1)."""
    presigned_url_ttl: NotRequired[int]
    """Seconds a presigned download URL stays valid (default 900)."""
    public_read: NotRequired[bool]
    """Reads need no token; uploads always do (default false)."""
    uploads: NotRequired[bool]
    """`POST /` accepts uploads (twine, uv publish); without it the API function cannot write at all
    (default true)."""

    # -- the functions ---------------------------------------------------------------------------
    runtime: NotRequired[Runtime]
    """Lambda runtime of both functions (default `python3.13`)."""
    architecture: NotRequired[Architecture]
    """Instruction set of both functions (default `arm64`)."""
    api_function_name: NotRequired[pulumi.Input[str]]
    """Name of the API function; auto-named when not given."""
    api_description: NotRequired[str]
    """Description of the API function."""
    api_memory_size: NotRequired[int]
    """Memory of the API function in MB, 128 to 10240 (default 512: an upload of up to 6 MB is held
    a few times over)."""
    api_timeout: NotRequired[int]
    """Timeout of the API function in seconds, 1 to 900 (default 29, API Gateway's own limit)."""
    api_environment: NotRequired[Mapping[str, pulumi.Input[str]]]
    """Extra environment of the API function (not the variables the component sets)."""
    reindex_function_name: NotRequired[pulumi.Input[str]]
    """Name of the reindex function; auto-named when not given."""
    reindex_description: NotRequired[str]
    """Description of the reindex function."""
    reindex_memory_size: NotRequired[int]
    """Memory of the reindex function in MB, 128 to 10240 (default 256)."""
    reindex_timeout: NotRequired[int]
    """Timeout of the reindex function in seconds, 1 to 900 (default 300); the queue's visibility
    timeout is six times this."""
    reindex_environment: NotRequired[Mapping[str, pulumi.Input[str]]]
    """Extra environment of the reindex function (not the variables the component sets)."""
    reindex_max_concurrency: NotRequired[int]
    """Most reindex functions the queue runs at once, 2 to 1000 (default 5)."""
    log_retention_days: NotRequired[int]
    """Days both functions' logs are kept, a CloudWatch Logs retention value (default 30; 0 =
    forever)."""
    role_permissions_boundary: NotRequired[pulumi.Input[str]]
    """Permissions boundary ARN set on every role the component creates."""
    tracing: NotRequired[bool]
    """X-Ray active tracing of both functions (turn it on for the stage too); default false."""

    # -- observability ---------------------------------------------------------------------------
    alarms: NotRequired[bool]
    """CloudWatch alarms: dead-letter queue not empty, reindex queue not draining, reindex errors, API
    function errors and, with `apiName`, API 5xx (default true)."""
    alarm_topic_arn: NotRequired[pulumi.Input[str]]
    """SNS topic the alarms notify when they fire and when they clear; none by default."""
    access_logs: NotRequired[bool]
    """A log group for the stage's access logs (point the stage at `accessLogGroup` with
    `accessLogFormat`), kept `logRetentionDays` (default false)."""
    manage_api_gateway_account: NotRequired[bool]
    """Set the account's API Gateway CloudWatch role (one per account and region; only where nobody
    else manages it); stage access logs need it (default false)."""

    # -- the event rule and tags -----------------------------------------------------------------
    event_rule_name: NotRequired[pulumi.Input[str]]
    """Name of the EventBridge rule; auto-named when not given."""
    event_rule_description: NotRequired[str]
    """Description of the EventBridge rule."""
    tags: NotRequired[Mapping[str, pulumi.Input[str]]]
    """Tags on every taggable resource."""

    # -- trusted publishing (docs/trusted-publishing.md) ------------------------------------------
    trusted_publishing: NotRequired[bool]
    """Let the API function answer the token exchange (`/_/oidc/*`, from a second REST API mapped at
    base path `_` of a custom domain); needs `uploads` (default false)."""
    oidc_audience: NotRequired[pulumi.Input[str]]
    """The audience CI tokens must name; default `serverless-pypi:<bucket name>`."""
    oidc_issuers: NotRequired[Sequence[str]]
    """OIDC issuers to trust: PROVIDER=URL or a bare URL (default GitHub, GitLab.com, Google)."""


def _plain_fields() -> dict[str, Any]:
    """Inputs the schema marks plain (no ``Input``), by name, with their type (or its origin)."""
    plain: dict[str, Any] = {}
    for name, written in inspect.get_annotations(ServerlessPyPIInputs).items():
        hint: Any = written
        if typing.get_origin(hint) is NotRequired:
            (hint,) = typing.get_args(hint)
        origin = typing.get_origin(hint)
        if origin is typing.Union:  # pulumi.Input[...]: may be an output
            continue
        plain[name] = origin or hint
    return plain


#: Plain inputs: decide what gets created, so they must be known before anything is deployed.
PLAIN_FIELDS = _plain_fields()


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def to_args(inputs: Mapping[str, Any]) -> ServerlessPyPIArgs:
    """The validated ``ServerlessPyPIArgs`` for the inputs the provider host hands over.

    Enum members become their values (the Python path takes strings); numbers, which the wire
    carries as floats, become ints where the input is an integer; a plain input that arrived as an
    output (it depends on another resource) is refused by name, as is a fraction for an integer.
    """
    problems, values = [], {}
    for name, value in inputs.items():
        kind = PLAIN_FIELDS.get(name)
        if kind is not None and isinstance(value, pulumi.Output):
            problems.append(f"{_camel(name)} must be a plain value, known before deployment")
            continue
        if isinstance(value, Enum):
            value = value.value
        elif kind is int and isinstance(value, float):
            if not value.is_integer():
                problems.append(f"{_camel(name)} must be a whole number, not {value}")
                continue
            value = int(value)
        values[name] = value
    if problems:
        raise ValueError("ServerlessPyPI: " + "; ".join(problems))
    return ServerlessPyPIArgs(**values)


class ServerlessPyPI(serverless_pypi.ServerlessPyPI):
    """A private Python package index (PEP 503/691 simple API, twine uploads, tokens) inside a REST
    API (v1) you bring: a private S3 bucket, S3 events through EventBridge and SQS to a reindex
    function, and the API function behind `GET`/`HEAD`/`POST` routes, each function with its own
    role and log group.

    Redeploy the API whenever `deploymentTrigger` changes (e.g. as a trigger of its
    `aws.apigateway.Deployment`), and deploy it only after this component, so its methods exist.
    """

    bucket: aws.s3.Bucket
    """The bucket holding the packages (`<project>/<file>`) and the generated index (`.pypi/`)."""
    bucket_name: pulumi.Output[str]
    """The bucket's name (the admin CLI and `aws s3` take it)."""
    bucket_arn: pulumi.Output[str]
    """The bucket's ARN."""
    api_function: aws.lambda_.Function
    """The function that answers the index's HTTP requests."""
    reindex_function: aws.lambda_.Function
    """The function that rewrites the index pages when the bucket changes."""
    api_role: aws.iam.Role
    """The API function's role."""
    reindex_role: aws.iam.Role
    """The reindex function's role."""
    api_log_group: aws.cloudwatch.LogGroup
    """The API function's log group."""
    reindex_log_group: aws.cloudwatch.LogGroup
    """The reindex function's log group."""
    queue: aws.sqs.Queue
    """The queue of S3 events the reindex function drains."""
    dead_letter_queue: aws.sqs.Queue
    """Where events go that could not be delivered or processed (an alarm watches it)."""
    event_rule: aws.cloudwatch.EventRule
    """The EventBridge rule sending the bucket's object events to the queue."""
    proxy_resource: aws.apigateway.Resource
    """The API resource `{package+}` under the root."""
    methods: dict[str, aws.apigateway.Method]
    """The API methods, by route (`root-get`, `proxy-head`, ...)."""
    integrations: dict[str, aws.apigateway.Integration]
    """The methods' Lambda proxy integrations, by route."""
    too_large_gateway_response: aws.apigateway.Response | None
    """The API's `REQUEST_TOO_LARGE` gateway response (with `tooLargeResponse`)."""
    not_found_gateway_response: aws.apigateway.Response | None
    """The API's `MISSING_AUTHENTICATION_TOKEN` gateway response (with `notFoundResponse`)."""
    rest_api_policy: aws.apigateway.RestApiPolicy | None
    """The API's resource policy admitting only `vpcEndpointIds` (with `PRIVATE`)."""
    dependencies_layer: aws.lambda_.LayerVersion
    """The layer with the functions' pinned dependencies, built by pip for their platform."""
    metric_alarms: dict[str, aws.cloudwatch.MetricAlarm]
    """The CloudWatch alarms, by name (with `alarms`)."""
    access_log_group: aws.cloudwatch.LogGroup | None
    """The log group for the stage's access logs (with `accessLogs`)."""
    access_log_format: str
    """The access-log line format (JSON) to set on the stage with `accessLogGroup`."""
    api_gateway_account: aws.apigateway.Account | None
    """The account's API Gateway settings (with `manageApiGatewayAccount`)."""
    deployment_trigger: pulumi.Output[str]
    """Changes whenever a route, method, integration, gateway response or API setting changes:
    redeploy the API when it does."""

    def __init__(
        self, name: str, args: ServerlessPyPIInputs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        """Create the index from the inputs of any language (a dict, as the provider host sends)."""
        super().__init__(name, to_args(args), opts)


@contextlib.contextmanager
def _quiet_analyzer() -> Iterator[None]:
    """Mute the one warning the SDK's analyzer raises itself.

    It reads ``pulumi_aws/pulumi-plugin.json`` without closing it (``ResourceWarning``), once per
    resource output; with warnings as errors (the tests, ``python -W error``) that would fail
    every schema inference. Only that message is muted.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message=r"unclosed file .*pulumi-plugin\.json", category=ResourceWarning
        )
        yield


def provider() -> "ComponentProvider":
    """The provider the plugin serves: Pulumi's component provider, hosting :class:`ServerlessPyPI`.

    Building it runs the schema analyzer, as ``component_provider_host`` does on start.
    """
    from pulumi.provider.experimental.component import ComponentProvider

    with _quiet_analyzer():
        hosted = ComponentProvider([ServerlessPyPI], PACKAGE, version=VERSION)
    # The inferred schema has no license field; the package names its own (schema "license").
    hosted.schema = json.dumps({**json.loads(hosted.schema or "{}"), "license": LICENSE})
    return hosted


def main() -> None:
    """Serve the package to the Pulumi engine (the plugin's entry point).

    What ``component_provider_host`` does, with the provider above (the license in its schema).
    """
    from pulumi.provider import main as serve

    serve(provider(), sys.argv[1:])


def normalize(schema: str) -> str:
    """A schema as JSON text with sorted keys and two-space indents, so its changes diff cleanly."""
    return json.dumps(json.loads(schema), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def schema_text() -> str:
    """The package schema as the provider host answers ``GetSchema``, normalized."""
    return normalize(provider().schema or "{}")


if __name__ == "__main__":
    sys.stdout.write(schema_text())
