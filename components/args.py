"""The arguments of :class:`~components.serverless_pypi.ServerlessPyPI`, with their defaults.

Names and defaults follow the original Terraform module (amancevice/terraform-aws-serverless-pypi)
where it had the setting. Values that decide what gets created (switches, sizes the component
computes with) are plain Python values; ids, ARNs and names may be Pulumi outputs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi

from components.routes import AUTHORIZATION_TYPES, AUTHORIZER_TYPES

#: Values CloudWatch Logs accepts for ``retention_in_days`` (0 = never expire).
LOG_RETENTION_DAYS = (
    0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
)  # fmt: skip

#: Environment variables the component sets itself; extra environment may not override them.
API_ENVIRONMENT = (
    "S3_BUCKET",
    "S3_PRESIGNED_URL_TTL",
    "FALLBACK_INDEX_URL",
    "PUBLIC_READ",
    "UPLOADS_ENABLED",
)
REINDEX_ENVIRONMENT = ("S3_BUCKET", "REINDEX_QUEUE_URL")


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

    # -- behaviour of the index ------------------------------------------------------------------
    fallback_index_url: pulumi.Input[str] | None = None
    """Where unknown projects are redirected, e.g. ``https://pypi.org/simple/``; none by default."""
    presigned_url_ttl: int = 900
    """Seconds a presigned download URL stays valid."""
    public_read: bool = False
    """Reads need no token (uploads always do)."""
    uploads: bool = True
    """``POST /`` accepts uploads; without it the API function gets no write permission at all."""

    # -- the functions ---------------------------------------------------------------------------
    runtime: str = "python3.13"
    """Lambda runtime of both functions."""
    architecture: str = "arm64"
    """Instruction set of both functions: ``arm64`` or ``x86_64``."""
    api_function_name: pulumi.Input[str] | None = None
    """Name of the API function; auto-named when not given."""
    api_description: str = "PyPI service REST API"
    """Description of the API function."""
    api_memory_size: int = 128
    """Memory of the API function, in MB (CPU grows with it)."""
    api_timeout: int = 3
    """Timeout of the API function, in seconds (API Gateway gives up after 29)."""
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

    # -- the event rule and tags -----------------------------------------------------------------
    event_rule_name: pulumi.Input[str] | None = None
    """Name of the EventBridge rule; auto-named when not given."""
    event_rule_description: str = "Serverless PyPI reindex"
    """Description of the EventBridge rule."""
    tags: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Tags on every taggable resource."""

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
        if self.noncurrent_version_expiration_days < 1:
            found.append("noncurrent_version_expiration_days must be at least 1")
        if not 1 <= self.presigned_url_ttl <= 7 * 24 * 3600:
            found.append("presigned_url_ttl must be 1 to 604800 seconds")
        if self.architecture not in ("arm64", "x86_64"):
            found.append("architecture must be arm64 or x86_64")
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
            ("api", self.api_environment, API_ENVIRONMENT),
            ("reindex", self.reindex_environment, REINDEX_ENVIRONMENT),
        ):
            clash = sorted(set(extra) & set(reserved))
            if clash:
                found.append(f"{label}_environment may not set {', '.join(clash)} (set by the component)")
        return found
