"""The arguments of :class:`~components.serverless_pypi.ServerlessPyPI`, with their defaults.

Names and defaults follow the original Terraform module (amancevice/terraform-aws-serverless-pypi)
where it had the setting. Values that decide what gets created (switches, sizes the component
computes with) are plain Python values; ids, ARNs and names may be Pulumi outputs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi

from components.routes import AUTHORIZATION_TYPES, AUTHORIZER_TYPES
from handlers import contract
from handlers.names import is_valid_project_name

#: GitHub Actions' OIDC issuer (handlers/publishing/oidc.py imports PyJWT, so it is spelled here too; a test
#: holds the two equal).
OIDC_GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
#: The CI providers whose claim rules the handlers know (handlers/publishing/providers.py); an issuer
#: in ``oidc_issuers`` may be named ``PROVIDER=URL`` (a self-managed GitLab: ``gitlab=https://…``).
OIDC_PROVIDERS = ("github", "gitlab", "google")

#: Values CloudWatch Logs accepts for ``retention_in_days`` (0 = never expire).
LOG_RETENTION_DAYS = (
    0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
)  # fmt: skip

#: Environment variables the component sets itself; extra environment may not override them.

#: The configurations of a bucket the component manages on a bucket it creates. On an adopted bucket
#: (``bucket_import``) each is left alone unless ``bucket_manage`` names it.
BUCKET_CONFIGURATIONS = (
    "publicAccessBlock",
    "ownershipControls",
    "encryption",
    "policy",
    "versioning",
    "lifecycle",
    "notification",
)
#: How ``bucket_manage`` takes over one configuration of an adopted bucket.
BUCKET_MANAGE_MODES = ("import", "create")

#: Endpoint types of the REST API the component supports.
ENDPOINT_TYPES = ("REGIONAL", "PRIVATE")

#: Lambda runtimes the functions run on: CPython 3.11 or newer (the version the tests run and up).
RUNTIMES = ("python3.11", "python3.12", "python3.13", "python3.14")

#: Instruction sets of the functions (and of the dependency layer's wheels).
ARCHITECTURES = ("arm64", "x86_64")

#: Builds the functions' dependency layer: (requirements file, architecture, runtime) -> archive.
LayerBuilder = Callable[[Path, str, str], pulumi.Archive]


@dataclass(frozen=True, kw_only=True)
class ServerlessPyPIArgs:
    """Where the index goes (a REST API v1 you bring) and how it is sized and secured."""

    # -- the REST API (v1) the routes go into -------------------------------------------------
    rest_api_id: pulumi.Input[str]
    """Id of the REST API (``aws.apigateway.RestApi.id``)."""
    root_resource_id: pulumi.Input[str]
    """Its root resource id (``RestApi.root_resource_id``)."""
    execution_arn: pulumi.Input[str]
    """Its execution ARN (``RestApi.execution_arn``): the invoke permission is limited to it."""
    authorization: str = "NONE"
    """Authorization of every method: ``NONE``, ``AWS_IAM``, ``CUSTOM`` or ``COGNITO_USER_POOLS``."""
    authorizer_id: pulumi.Input[str] | None = None
    """Authorizer of every method, required for ``CUSTOM`` and ``COGNITO_USER_POOLS``."""
    too_large_response: bool = True
    """Set the API's ``REQUEST_TOO_LARGE`` gateway response (413 naming the admin CLI upload)."""
    not_found_response: bool = True
    """Set the API's ``MISSING_AUTHENTICATION_TOKEN`` gateway response: a 404 in plain text naming
    ``/simple/``, instead of a 403 ``Missing Authentication Token`` for an unknown path or method."""
    rest_api_settings: Mapping[str, Any] = field(default_factory=dict)
    """RestApi-level settings a deployment snapshots (binary media types, endpoint configuration,
    policy, ...), as plain values or outputs: any change to them changes :attr:`deployment_trigger`."""
    endpoint_type: str = "REGIONAL"
    """The API's endpoint type, ``REGIONAL`` or ``PRIVATE`` (set the same on the RestApi)."""
    vpc_endpoint_ids: Sequence[pulumi.Input[str]] = ()
    """With ``PRIVATE``: the interface VPC endpoints (``execute-api``) the API admits, and no other;
    the component attaches that resource policy to the API."""
    api_name: pulumi.Input[str] | None = None
    """The REST API's name, the dimension of its CloudWatch metrics: with it, an alarm on 5xx."""
    stage_name: str = "simple"
    """The stage the stack deploys to (the alarm's and the access log's dimension)."""

    # -- the bucket ----------------------------------------------------------------------------
    bucket_name: pulumi.Input[str] | None = None
    """Bucket name; auto-named from the component's name when not given."""
    bucket_import: bool = False
    """Adopt the existing bucket ``bucket_name`` (e.g. the original module's) instead of creating it."""
    kms_key_arn: pulumi.Input[str] | None = None
    """Encrypt with this KMS key (SSE-KMS, bucket key on) instead of SSE-S3."""
    versioning: bool = True
    """Keep old versions, so a mistaken delete or overwrite can be undone."""
    noncurrent_version_expiration_days: int = 30
    """Days an old version is kept once replaced or deleted."""
    bucket_protect: bool = True
    """Protect the bucket (Pulumi ``protect``): a change that would replace it, or a destroy that
    would delete it, fails instead (``pulumi destroy --exclude-protected`` removes the rest)."""
    bucket_retain: bool = True
    """Keep the bucket and its configurations in AWS when Pulumi deletes them (``retain_on_delete``):
    the packages outlive the stack. Always on for an adopted bucket."""
    bucket_manage: Mapping[str, str] = field(default_factory=dict)
    """On an adopted bucket: configuration (one of :data:`BUCKET_CONFIGURATIONS`) -> ``import`` (adopt
    the existing one by id; the preview shows the import and any change to the index's settings) or
    ``create`` (write the index's, replacing what the bucket had). Configurations not named are
    left alone: never read, written or deleted."""

    # -- behaviour of the index ------------------------------------------------------------------
    fallback_index_url: pulumi.Input[str] | None = None
    """Where unknown projects are redirected, e.g. ``https://pypi.org/simple/``; none by default."""
    fallback_mode: str = contract.DEFAULT_FALLBACK_MODE
    """``redirect`` (a 302 to ``fallback_index_url``) or ``proxy``: the fallback's pages fetched by the
    API function, filtered by the policy below, cached in the bucket and served like the index's own
    (the function then reaches the fallback over the internet: docs/deploy.md)."""
    min_release_age_days: int = 0
    """Proxy: list only files public upstream at least this many days (0 = off; 7 recommended)."""
    fallback_deny: Sequence[str] = ()
    """Proxy: project names never served from upstream."""
    fallback_allow: Sequence[str] = ()
    """Proxy: when not empty, the only project names served from upstream."""
    fallback_cache_seconds: int = contract.DEFAULT_FALLBACK_CACHE_SECONDS
    """Proxy: a cached upstream page older than this is fetched again on the next read (at least 1)."""
    presigned_url_ttl: int = 900
    """Seconds a presigned download URL stays valid."""
    public_read: bool = False
    """Reads need no token (uploads always do)."""
    uploads: bool = True
    """``POST /`` accepts uploads; without it the API function gets no write permission at all."""

    # -- the functions ---------------------------------------------------------------------------
    runtime: str = "python3.13"
    """Lambda runtime of both functions, one of :data:`RUNTIMES`."""
    architecture: str = "arm64"
    """Instruction set of both functions: ``arm64`` or ``x86_64``."""
    api_function_name: pulumi.Input[str] | None = None
    """Name of the API function; auto-named when not given."""
    api_description: str = "PyPI service REST API"
    """Description of the API function."""
    api_memory_size: int = 512
    """Memory of the API function, in MB (CPU grows with it).

    512 rather than the original 128: an upload of up to 6 MB is decoded from base64, parsed,
    hashed and sent to S3, a few copies of it in memory at once; 512 MB is over twice the worst
    case and a third of a vCPU (RATIONALE.md, sizing)."""
    api_timeout: int = 29
    """Timeout of the API function, in seconds: API Gateway's own limit, so a slow upload is cut by
    neither side first."""
    api_environment: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Extra environment of the API function."""
    reindex_function_name: pulumi.Input[str] | None = None
    """Name of the reindex function; auto-named when not given."""
    reindex_description: str = "PyPI service reindexer"
    """Description of the reindex function."""
    reindex_memory_size: int = 256
    """Memory of the reindex function, in MB.

    256 rather than the original 128: a rebuild message for a big project whose files carry no
    stored hash streams and hashes every file, and Lambda's CPU share grows with memory."""
    reindex_timeout: int = 300
    """Timeout of the reindex function, in seconds (same reason; the queue's visibility timeout is
    six times this)."""
    reindex_environment: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Extra environment of the reindex function."""
    reindex_max_concurrency: int = 5
    """Most reindex functions the queue runs at once (2 to 1000)."""
    log_retention_days: int = 30
    """Days both functions' logs are kept (a CloudWatch Logs retention value; 0 = forever)."""
    role_permissions_boundary: pulumi.Input[str] | None = None
    """Permissions boundary ARN set on both roles, where an organisation requires one."""
    tracing: bool = False
    """X-Ray active tracing of both functions (the stack also turns it on for the stage)."""
    layer_builder: LayerBuilder | None = None
    """Builds the dependency layer from ``handlers/requirements.txt``; by default
    :func:`components.layer.build_layer_archive` (pip, for the functions' platform, cached)."""

    # -- observability ---------------------------------------------------------------------------
    alarms: bool = True
    """CloudWatch alarms: dead-letter queue not empty, reindex queue not draining, reindex errors, API
    function errors, API 5xx (with ``api_name``)."""
    alarm_topic_arn: pulumi.Input[str] | None = None
    """SNS topic the alarms notify (when they fire and when they clear); none by default."""
    access_logs: bool = False
    """A log group for the stage's access logs (JSON, one line a request), with the retention of
    ``log_retention_days``; the stack points the stage at it."""
    manage_api_gateway_account: bool = False
    """Manage the account's API Gateway CloudWatch role (``aws.apigateway.Account``: one per account
    and region, often owned elsewhere); stage access logs need it to exist."""

    # -- the event rule and tags -----------------------------------------------------------------
    event_rule_name: pulumi.Input[str] | None = None
    """Name of the EventBridge rule; auto-named when not given."""
    event_rule_description: str = "Serverless PyPI reindex"
    """Description of the EventBridge rule."""
    tags: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Tags on every taggable resource."""
    # -- trusted publishing (docs/trusted-publishing.md) --------------------------------------
    trusted_publishing: bool = False
    """Let the API function answer the token exchange (``/_/oidc/*``, served from a second REST API
    mapped at base path ``_`` of a custom domain: :mod:`components.exchange`): it gets the audience
    and issuers, may create minted tokens and used ``jti``s, and the bucket expires them. Needs
    ``uploads``."""
    oidc_audience: pulumi.Input[str] | None = None
    """The audience CI tokens must name; default ``serverless-pypi:<bucket name>`` (unique per
    deployment). The stack sets it to the custom domain's name."""
    oidc_issuers: Sequence[str] = (OIDC_GITHUB_ISSUER, "https://gitlab.com", "https://accounts.google.com")
    """Issuers whose tokens are accepted: each provider's public one by default; ``PROVIDER=URL`` names
    the claim rules of another (``gitlab=https://git.example.com``), a bare URL gets GitHub's."""

    def __post_init__(self) -> None:
        """Refuse values AWS would refuse, before anything is created."""
        problems = self._problems()
        if problems:
            raise ValueError("ServerlessPyPIArgs: " + "; ".join(problems))

    def _problems(self) -> list[str]:
        found = []
        if self.authorization not in AUTHORIZATION_TYPES:
            found.append(f"authorization must be one of {', '.join(AUTHORIZATION_TYPES)}")
        elif self.authorization in AUTHORIZER_TYPES and self.authorizer_id is None:
            found.append(f"authorization {self.authorization} needs an authorizer_id")
        if self.bucket_import and not isinstance(self.bucket_name, str):
            found.append("bucket_import needs bucket_name as a plain string")
        if self.bucket_manage and not self.bucket_import:
            found.append("bucket_manage is for an adopted bucket (bucket_import)")
        for key, mode in self.bucket_manage.items():
            if key not in BUCKET_CONFIGURATIONS:
                found.append(f"bucket_manage: {key!r} is not one of {', '.join(BUCKET_CONFIGURATIONS)}")
            if mode not in BUCKET_MANAGE_MODES:
                found.append(f"bucket_manage: {key} must be {' or '.join(BUCKET_MANAGE_MODES)}")
        if self.endpoint_type not in ENDPOINT_TYPES:
            found.append(f"endpoint_type must be one of {', '.join(ENDPOINT_TYPES)}")
        elif self.endpoint_type == "PRIVATE" and not self.vpc_endpoint_ids:
            found.append("endpoint_type PRIVATE needs vpc_endpoint_ids")
        elif self.endpoint_type == "REGIONAL" and self.vpc_endpoint_ids:
            found.append("vpc_endpoint_ids are for endpoint_type PRIVATE")
        if self.trusted_publishing and not self.uploads:
            found.append("trusted_publishing needs uploads (a minted token is an upload token)")
        if self.trusted_publishing and not self.oidc_issuers:
            found.append("trusted_publishing needs at least one of oidc_issuers")
        for issuer in self.oidc_issuers:
            provider, equals, url = issuer.partition("=")  # "gitlab=https://git.example.com"
            if not equals or "://" in provider:
                provider, url = "github", issuer
            if provider not in OIDC_PROVIDERS or not url.startswith("https://") or "," in url:
                found.append(
                    f"oidc_issuers: {issuer!r} is not [PROVIDER=]https-URL ({', '.join(OIDC_PROVIDERS)})"
                )
        found.extend(self._fallback_problems())
        if self.noncurrent_version_expiration_days < 1:
            found.append("noncurrent_version_expiration_days must be at least 1")
        if not contract.MIN_PRESIGNED_URL_TTL <= self.presigned_url_ttl <= contract.MAX_PRESIGNED_URL_TTL:
            found.append(
                f"presigned_url_ttl must be {contract.MIN_PRESIGNED_URL_TTL} to "
                f"{contract.MAX_PRESIGNED_URL_TTL} seconds"
            )
        if self.runtime not in RUNTIMES:
            found.append(f"runtime must be one of {', '.join(RUNTIMES)}")
        if self.architecture not in ARCHITECTURES:
            found.append(f"architecture must be {' or '.join(ARCHITECTURES)}")
        for label, memory in (("api", self.api_memory_size), ("reindex", self.reindex_memory_size)):
            if not 128 <= memory <= 10240:
                found.append(f"{label}_memory_size must be 128 to 10240 MB")
        for label, timeout in (("api", self.api_timeout), ("reindex", self.reindex_timeout)):
            if not 1 <= timeout <= 900:
                found.append(f"{label}_timeout must be 1 to 900 seconds")
        if not 2 <= self.reindex_max_concurrency <= 1000:
            found.append("reindex_max_concurrency must be 2 to 1000")
        if self.log_retention_days not in LOG_RETENTION_DAYS:
            found.append(f"log_retention_days must be one of {LOG_RETENTION_DAYS}")
        for label, extra, reserved in (
            ("api", self.api_environment, contract.API_ENVIRONMENT),
            ("reindex", self.reindex_environment, contract.REINDEX_ENVIRONMENT),
        ):
            clash = sorted(set(extra) & set(reserved))
            if clash:
                found.append(f"{label}_environment may not set {', '.join(clash)} (set by the component)")
        return found

    def _fallback_problems(self) -> list[str]:
        found = []
        if self.fallback_mode not in contract.FALLBACK_MODES:
            modes = " or ".join(contract.FALLBACK_MODES)
            found.append(f"fallback_mode (fallbackMode) must be {modes}, not {self.fallback_mode!r}")
        elif self.fallback_mode == "proxy" and not self.fallback_index_url:
            found.append("fallback_mode proxy needs fallback_index_url (the upstream)")
        if self.min_release_age_days < 0:
            found.append("min_release_age_days must be at least 0")
        if self.fallback_cache_seconds < 1:
            found.append("fallback_cache_seconds must be at least 1")
        for label, names in (("fallback_deny", self.fallback_deny), ("fallback_allow", self.fallback_allow)):
            if isinstance(names, str):
                found.append(f"{label} must be a list of names, not a string")
                continue
            bad = [n for n in names if not is_valid_project_name(n)]
            found.extend(f"{label}: {n!r} is not a project name" for n in bad)
        return found
