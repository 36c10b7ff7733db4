"""IAM policy documents, the bucket and queue policies and the event pattern: plain data (pure).

Every ARN comes in as an argument; nothing here imports Pulumi or creates a resource, so the tests
read the documents as they are. Which keys are generated data comes from :mod:`handlers.layout`, the
constants the handlers use, never from a second spelling here.

Least privilege, statement by statement:

* each function gets its own role, assumable by Lambda only;
* S3 actions name this bucket (``ListBucket``) or its objects; writes of generated data name the
  generated prefix and the root ``index.html`` only;
* the queue actions name the reindexer's own queue; logs name the function's own log group;
* no ``*`` action, and no ``*`` resource in an ``Allow``.
"""

from __future__ import annotations

from typing import Any

from handlers.layout import (
    API_PREFIX,
    CLAIMS_PREFIX,
    COMPAT_ROOT_KEY,
    EXCHANGE_PREFIX,
    GENERATED_PREFIX,
    LARGE_PAGES_PREFIX,
    MINTED_TOKENS_PREFIX,
    OPERATOR_PREFIX,
    PROXY_PREFIX,
    STATUS_PREFIX,
    TOKENS_PREFIX,
)

#: A policy document or statement: JSON-ready plain data.
Document = dict[str, Any]

VERSION = "2012-10-17"

#: The S3 events (EventBridge ``detail-type``) that change what the index shows.
S3_EVENT_TYPES = ("Object Created", "Object Deleted", "Object Tags Added", "Object Tags Deleted")

#: What the reindexer may do with its queue: what the event source mapping needs to poll it, and
#: SendMessage for a rebuild's fan-out; nothing else.
REINDEX_QUEUE_ACTIONS = (
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:SendMessage",
)

LOG_ACTIONS = ("logs:CreateLogStream", "logs:PutLogEvents")


def document(*statements: Document) -> Document:
    """A policy document holding ``statements`` in order."""
    return {"Version": VERSION, "Statement": list(statements)}


def assume_role_policy(service: str = "lambda.amazonaws.com") -> Document:
    """Trust policy of a function's role: only ``service`` may assume it.

    >>> assume_role_policy()["Statement"][0]["Principal"]
    {'Service': 'lambda.amazonaws.com'}
    """
    return document(
        {
            "Sid": "AssumedByLambda",
            "Effect": "Allow",
            "Principal": {"Service": service},
            "Action": "sts:AssumeRole",
        }
    )


def objects_arn(bucket_arn: str) -> str:
    """Every object of the bucket."""
    return f"{bucket_arn}/*"


def generated_arns(bucket_arn: str) -> list[str]:
    """The objects only the reindexer writes: the generated prefix and the root ``index.html``.

    >>> generated_arns("arn:aws:s3:::b")
    ['arn:aws:s3:::b/.pypi/*', 'arn:aws:s3:::b/index.html']
    """
    return [f"{bucket_arn}/{GENERATED_PREFIX}*", f"{bucket_arn}/{COMPAT_ROOT_KEY}"]


def token_records_arn(bucket_arn: str) -> str:
    """The API tokens' records: written by operators (the admin CLI), read by the API only."""
    return f"{bucket_arn}/{TOKENS_PREFIX}*"


def operator_data_arn(bucket_arn: str) -> str:
    """The operators' data (statuses, reserved namespaces, trusted publishers): the admin CLI's only."""
    return f"{bucket_arn}/{OPERATOR_PREFIX}*"


def exchange_arn(bucket_arn: str) -> str:
    """What the trusted publishing exchange writes: minted tokens and used ``jti``s, nothing else."""
    return f"{bucket_arn}/{EXCHANGE_PREFIX}*"


def proxy_cache_arn(bucket_arn: str) -> str:
    """The fallback proxy's cached upstream pages: the API writes them (in proxy mode), nobody else."""
    return f"{bucket_arn}/{PROXY_PREFIX}*"


def minted_tokens_arn(bucket_arn: str) -> str:
    """The minted upload tokens' records (the API deletes one when a client burns it)."""
    return f"{bucket_arn}/{MINTED_TOKENS_PREFIX}*"


def claims_arn(bucket_arn: str) -> str:
    """Release claims: created by uploads (the API, the admin CLI) before a file is written."""
    return f"{bucket_arn}/{CLAIMS_PREFIX}*"


def large_pages_arn(bucket_arn: str) -> str:
    """The API's copies of pages too large for a Lambda response (a client without gzip is sent one)."""
    return f"{bucket_arn}/{LARGE_PAGES_PREFIX}*"


def project_files_arn(bucket_arn: str) -> str:
    """Keys inside a folder (``<project>/<filename>``): never ``index.html`` at the root."""
    return f"{bucket_arn}/*/*"


def log_group_streams_arn(log_group_arn: str) -> str:
    """The streams of one log group (the provider's log group ARN has no ``:*`` suffix)."""
    return f"{log_group_arn}:*"


def _statement(sid: str, actions: tuple[str, ...] | list[str], resources: Any) -> Document:
    return {"Sid": sid, "Effect": "Allow", "Action": list(actions), "Resource": resources}


def _logs(log_group_arn: str) -> Document:
    return _statement("WriteOwnLogs", LOG_ACTIONS, log_group_streams_arn(log_group_arn))


def _list(bucket_arn: str) -> Document:
    # Also what makes S3 answer 404 NoSuchKey for a missing key: without ListBucket, GetObject and
    # HeadObject of a missing key answer 403, which the handlers rightly treat as an error.
    return _statement("ListBucket", ["s3:ListBucket"], bucket_arn)


def api_policy(
    *,
    bucket_arn: str,
    log_group_arn: str,
    uploads: bool,
    kms_key_arn: str | None = None,
    trusted_publishing: bool = False,
    proxy: bool = False,
) -> Document:
    """The API function's permissions.

    Reads every object (pages, token records, presigned downloads signed with this role) and creates
    copies of pages too large for a Lambda response under their own prefix; with
    ``uploads`` also writes project files, and an explicit ``Deny`` keeps it off generated data
    (token records included) whatever else may be attached to the role. Without ``uploads`` the
    copies are all it writes.

    With ``trusted_publishing`` (and uploads) the API also creates minted tokens and used ``jti``s
    under the exchange prefix (conditional creates only) and deletes minted tokens (a burn); without
    it a ``Deny`` keeps it off that prefix, which the project-files pattern would otherwise match.

    With ``proxy`` (``fallbackMode: proxy``) the API also writes, and overwrites when stale, the
    cached upstream pages under their own prefix, outside the generated data.
    """
    statements = [
        _statement("ReadObjects", ["s3:GetObject"], objects_arn(bucket_arn)),
        _list(bucket_arn),
    ]
    # Copies of pages too large to answer, created once each (If-None-Match: *), never replaced;
    # read through ReadObjects (the HEAD that finds one, the presigned GET that serves it).
    copies = _statement("CopyLargePages", ["s3:PutObject"], large_pages_arn(bucket_arn))
    copies["Condition"] = {"StringEquals": {"s3:if-none-match": "*"}}
    statements.append(copies)
    if uploads:
        # Only as a conditional create (If-None-Match: *): S3 itself refuses an overwrite.
        upload = _statement("UploadProjectFiles", ["s3:PutObject"], project_files_arn(bucket_arn))
        upload["Condition"] = {"StringEquals": {"s3:if-none-match": "*"}}
        statements.append(upload)
        # Release claims, as conditional creates too: a claim is never replaced or given back.
        claim = _statement("ClaimReleases", ["s3:PutObject"], claims_arn(bucket_arn))
        claim["Condition"] = {"StringEquals": {"s3:if-none-match": "*"}}
        statements.append(claim)
        statements.append(
            {
                "Sid": "NeverWriteGeneratedData",
                "Effect": "Deny",
                "Action": ["s3:PutObject"],
                "Resource": generated_arns(bucket_arn),
            }
        )
        statements.extend(_exchange_statements(bucket_arn, trusted_publishing))
    if proxy:
        statements.append(_statement("CacheFallbackPages", ["s3:PutObject"], proxy_cache_arn(bucket_arn)))
    statements.append(_logs(log_group_arn))
    if kms_key_arn is not None:
        # GenerateDataKey: every role that writes (a large page's copy at least) encrypts.
        statements.append(_statement("UseBucketKey", ["kms:Decrypt", "kms:GenerateDataKey"], kms_key_arn))
    return document(*statements)


def reindex_policy(
    *, bucket_arn: str, queue_arn: str, log_group_arn: str, kms_key_arn: str | None = None
) -> Document:
    """The reindexer's permissions: read the bucket, write generated data only, use its queue.

    The token records live under the generated prefix too, but the reindexer never reads or writes
    them: an explicit ``Deny`` keeps a compromised or buggy reindexer from reading, minting or
    revoking tokens.
    """
    statements = [
        _list(bucket_arn),
        _statement("ReadObjects", ["s3:GetObject", "s3:GetObjectTagging"], objects_arn(bucket_arn)),
        _statement("WriteGeneratedData", ["s3:PutObject", "s3:DeleteObject"], generated_arns(bucket_arn)),
        {
            "Sid": "NeverTouchTokens",
            "Effect": "Deny",
            "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
            "Resource": token_records_arn(bucket_arn),
        },
        {
            "Sid": "NeverWriteOperatorData",
            "Effect": "Deny",
            "Action": ["s3:PutObject", "s3:DeleteObject"],
            "Resource": operator_data_arn(bucket_arn),
        },
        {
            "Sid": "NeverTouchMintedTokens",
            "Effect": "Deny",
            "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
            "Resource": exchange_arn(bucket_arn),
        },
        _statement("UseOwnQueue", REINDEX_QUEUE_ACTIONS, queue_arn),
        _logs(log_group_arn),
    ]
    if kms_key_arn is not None:
        statements.append(_statement("UseBucketKey", ["kms:Decrypt", "kms:GenerateDataKey"], kms_key_arn))
    return document(*statements)


def _exchange_statements(bucket_arn: str, trusted_publishing: bool) -> list[Document]:
    """The API's statements on the exchange prefix: its writes with trusted publishing, else a Deny."""
    if not trusted_publishing:
        return [
            {
                "Sid": "NoTrustedPublishing",
                "Effect": "Deny",
                "Action": ["s3:PutObject", "s3:DeleteObject"],
                "Resource": exchange_arn(bucket_arn),
            }
        ]
    create = _statement("MintTokensAndRecordJtis", ["s3:PutObject"], exchange_arn(bucket_arn))
    create["Condition"] = {"StringEquals": {"s3:if-none-match": "*"}}
    return [create, _statement("BurnMintedTokens", ["s3:DeleteObject"], minted_tokens_arn(bucket_arn))]


def tls_only_bucket_policy(bucket_arn: str) -> Document:
    """Bucket policy that refuses every request made without TLS (a ``Deny``: it grants nothing)."""
    return document(
        {
            "Sid": "DenyWithoutTLS",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [bucket_arn, objects_arn(bucket_arn)],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    )


def queue_policy(*, queue_arn: str, rule_arn: str) -> Document:
    """Queue policy: EventBridge may send, and only on behalf of this one rule."""
    return document(
        {
            "Sid": "FromOwnRuleOnly",
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Resource": queue_arn,
            "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}},
        }
    )


def _wildcard_literal(text: str) -> str:
    # In an EventBridge wildcard only ``*`` and ``\`` are special.
    return text.replace("\\", "\\\\").replace("*", "\\*")


def event_pattern(bucket_name: str) -> Document:
    """EventBridge pattern: this bucket's object and tag changes, except generated keys.

    ``anything-but`` with a list of wildcards excludes both the generated prefix and the exact key
    ``index.html`` in one array element (elements of a pattern array are OR-ed, so two would not);
    a second element lets the project statuses through (operators write them; a status change
    reaches the pages the way a file change does).
    """
    return {
        "source": ["aws.s3"],
        "detail-type": list(S3_EVENT_TYPES),
        "detail": {
            "bucket": {"name": [bucket_name]},
            "object": {
                "key": [
                    {
                        "anything-but": {
                            "wildcard": [
                                _wildcard_literal(GENERATED_PREFIX) + "*",
                                _wildcard_literal(COMPAT_ROOT_KEY),
                                _wildcard_literal(EXCHANGE_PREFIX) + "*",
                                _wildcard_literal(CLAIMS_PREFIX) + "*",
                                _wildcard_literal(PROXY_PREFIX) + "*",
                                _wildcard_literal(API_PREFIX) + "*",
                            ]
                        }
                    },
                    {"prefix": STATUS_PREFIX},
                ]
            },
        },
    }


def private_api_policy(*, execution_arn: str, vpc_endpoint_ids: list[str]) -> Document:
    """Resource policy of a PRIVATE API: invocations through ``vpc_endpoint_ids`` only.

    An allow for everyone, then a deny for every request that did not come through one of the
    endpoints: a private API with no policy answers nothing, and one without the deny would answer
    any VPC endpoint in any account.

    >>> private_api_policy(execution_arn="arn:x", vpc_endpoint_ids=["vpce-1"])["Statement"][1]["Condition"]
    {'StringNotEquals': {'aws:SourceVpce': ['vpce-1']}}
    """
    resource = f"{execution_arn}/*"
    return document(
        {
            "Sid": "InvokeThroughTheEndpoints",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "execute-api:Invoke",
            "Resource": resource,
        },
        {
            "Sid": "DenyOtherSources",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "execute-api:Invoke",
            "Resource": resource,
            "Condition": {"StringNotEquals": {"aws:SourceVpce": sorted(vpc_endpoint_ids)}},
        },
    )
