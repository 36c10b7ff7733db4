"""The package bucket and its configurations: private, encrypted, TLS-only, versioned, tidy, evented.

By default the bucket is protected and retained, and so are the configurations that keep a retained
bucket private. An adopted bucket (``bucket_import``) is always retained and its configurations are
left alone unless ``bucket_manage`` names them (RATIONALE.md, "On AWS").
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping

import pulumi
import pulumi_aws as aws

from components import policies
from components.args import ServerlessPyPIArgs
from handlers.layout import EXCHANGE_PREFIX, LARGE_PAGES_PREFIX

#: Bucket configurations kept in AWS with a retained bucket, so it stays private without the stack.
PROTECTIVE_CONFIGURATIONS = ("publicAccessBlock", "ownershipControls", "encryption", "policy")

#: Builds a child's options: what it depends on, and extra options (the component's ``_opts``).
Options = Callable[..., pulumi.ResourceOptions]


def _configuration_opts(
    args: ServerlessPyPIArgs, child: Options, configuration: str, *depends_on: pulumi.Resource | None
) -> pulumi.ResourceOptions | None:
    """Options of one bucket configuration, or None when an adopted bucket's is left alone."""
    depends = [resource for resource in depends_on if resource is not None]
    retain = args.bucket_retain or args.bucket_import
    if not args.bucket_import:
        keep = retain and configuration in PROTECTIVE_CONFIGURATIONS
        return child(*depends, retain_on_delete=keep)
    mode = args.bucket_manage.get(configuration)
    if mode is None:
        return None
    # An adopted bucket outlives the stack with whatever it is given.
    import_id = args.bucket_name if mode == "import" else None
    return child(*depends, retain_on_delete=True, import_=import_id)


def exchange_lifecycle_rule() -> aws.s3.BucketLifecycleConfigurationRuleArgsDict:
    """Trusted publishing's used ``jti``s and minted tokens (15 minutes of life) go after a day.

    S3 keeps one lifecycle configuration per bucket, so this is a rule of the bucket's own one.
    A ``jti`` must outlive the OIDC token it marks (GitHub's live minutes), and a day is the least
    a lifecycle rule expresses.
    """
    return {
        "id": "trusted-publishing-exchange",
        "status": "Enabled",
        "filter": {"prefix": EXCHANGE_PREFIX},
        "expiration": {"days": 1},
    }


def large_pages_lifecycle_rule(versioning: bool) -> aws.s3.BucketLifecycleConfigurationRuleArgsDict:
    """The API's copies of pages too large for Lambda go after a day (their old versions too).

    A copy is made again from the page on the next request that needs it, and a new page version
    gets copies of its own (they are keyed by its ETag), so nothing older than a day is worth keeping.
    """
    rule: aws.s3.BucketLifecycleConfigurationRuleArgsDict = {
        "id": "large-page-copies",
        "status": "Enabled",
        "filter": {"prefix": LARGE_PAGES_PREFIX},
        "expiration": {"days": 1},
    }
    if versioning:  # an expired current version becomes noncurrent: let it go as soon
        rule["noncurrent_version_expiration"] = {"noncurrent_days": 1}
    return rule


def make_bucket(
    name: str, args: ServerlessPyPIArgs, tags: Mapping[str, pulumi.Input[str]], child: Options
) -> aws.s3.Bucket:
    """The bucket ``{name}-bucket`` and its configurations, each with ``child`` options (parented)."""
    # With bucket_import the first `pulumi up` adopts the existing bucket; once it is in the
    # state, the option does nothing. A bucket Pulumi did not create is never deleted by it.
    import_id = args.bucket_name if args.bucket_import else None
    bucket = aws.s3.Bucket(
        f"{name}-bucket",
        bucket=args.bucket_name,
        tags=dict(tags),
        opts=child(
            import_=import_id,
            protect=args.bucket_protect,
            retain_on_delete=args.bucket_retain or args.bucket_import,
        ),
    )
    block = None
    options = _configuration_opts(args, child, "publicAccessBlock")
    if options is not None:
        block = aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access-block",
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=options,
        )
    options = _configuration_opts(args, child, "ownershipControls")
    if options is not None:
        aws.s3.BucketOwnershipControls(
            f"{name}-ownership",
            bucket=bucket.id,
            rule={"object_ownership": "BucketOwnerEnforced"},
            opts=options,
        )
    encryption: aws.s3.BucketServerSideEncryptionConfigurationRuleArgsDict = {
        "apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}
    }
    if args.kms_key_arn is not None:
        encryption = {
            "apply_server_side_encryption_by_default": {
                "sse_algorithm": "aws:kms",
                "kms_master_key_id": args.kms_key_arn,
            },
            # One KMS request per bucket key, not per object: cheaper, same protection.
            "bucket_key_enabled": True,
        }
    options = _configuration_opts(args, child, "encryption")
    if options is not None:
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption", bucket=bucket.id, rules=[encryption], opts=options
        )
    # S3 rejects a bucket policy while the public access block is being created.
    options = _configuration_opts(args, child, "policy", block)
    if options is not None:
        aws.s3.BucketPolicy(
            f"{name}-tls-only",
            bucket=bucket.id,
            policy=bucket.arn.apply(lambda arn: json.dumps(policies.tls_only_bucket_policy(arn))),
            opts=options,
        )
    versioning = None
    options = _configuration_opts(args, child, "versioning")
    if args.versioning and options is not None:
        versioning = aws.s3.BucketVersioning(
            f"{name}-versioning",
            bucket=bucket.id,
            versioning_configuration={"status": "Enabled"},
            opts=options,
        )
    lifecycle: aws.s3.BucketLifecycleConfigurationRuleArgsDict = {
        "id": "tidy-up",
        "status": "Enabled",
        "filter": {},  # the whole bucket
        "abort_incomplete_multipart_upload": {"days_after_initiation": 7},
    }
    if args.versioning:
        lifecycle["noncurrent_version_expiration"] = {
            "noncurrent_days": args.noncurrent_version_expiration_days
        }
        # Once its old versions are gone, a delete marker has nothing left to hide.
        lifecycle["expiration"] = {"expired_object_delete_marker": True}
    rules = [lifecycle, large_pages_lifecycle_rule(args.versioning)]
    if args.trusted_publishing:
        rules.append(exchange_lifecycle_rule())
    options = _configuration_opts(args, child, "lifecycle", versioning)
    if options is not None:
        aws.s3.BucketLifecycleConfiguration(f"{name}-lifecycle", bucket=bucket.id, rules=rules, opts=options)
    options = _configuration_opts(args, child, "notification")
    if options is not None:
        aws.s3.BucketNotification(f"{name}-eventbridge", bucket=bucket.id, eventbridge=True, opts=options)
    return bucket
