"""The pure builders: IAM documents, bucket and queue policies, the event pattern (no Pulumi)."""

from __future__ import annotations

import json
import re
from typing import Any, cast

import pytest
from moto.events.models import EventPattern
from moto.events.utils import EventMessageType

from components import policies
from handlers import layout

BUCKET = "arn:aws:s3:::pypi-bucket"
LOGS = "arn:aws:logs:us-east-1:123456789012:log-group:pypi-api-logs"
QUEUE = "arn:aws:sqs:us-east-1:123456789012:pypi-reindex"
RULE = "arn:aws:events:us-east-1:123456789012:rule/pypi-reindex"
KEY = "arn:aws:kms:us-east-1:123456789012:key/0b1f2c3d-1111-2222-3333-444455556666"


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _arn_matches(pattern: str, arn: str) -> bool:
    # IAM resource wildcards: ``*`` is any run of characters (``/`` included), ``?`` one character.
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, arn) is not None


def allowed(document: dict[str, Any], action: str, arn: str, context: dict[str, str] | None = None) -> bool:
    """IAM's verdict for one action on one resource: an explicit Deny wins, else any Allow.

    ``context`` holds the request's condition keys; ``StringEquals`` is the one operator used here,
    and a key missing from the request fails it, as in IAM.
    """

    def conditions_hold(statement: dict[str, Any]) -> bool:
        for operator, tests in statement.get("Condition", {}).items():
            assert operator == "StringEquals", f"the evaluator knows StringEquals only, not {operator}"
            if any((context or {}).get(key) != value for key, value in tests.items()):
                return False
        return True

    def applies(statement: dict[str, Any]) -> bool:
        return (
            action in _list(statement["Action"])
            and any(_arn_matches(pattern, arn) for pattern in _list(statement["Resource"]))
            and conditions_hold(statement)
        )

    statements = document["Statement"]
    if any(s["Effect"] == "Deny" and applies(s) for s in statements):
        return False
    return any(s["Effect"] == "Allow" and applies(s) for s in statements)


def _api(uploads: bool = True, kms: bool = False, trusted: bool = False) -> dict[str, Any]:
    key = KEY if kms else None
    return policies.api_policy(
        bucket_arn=BUCKET, log_group_arn=LOGS, uploads=uploads, kms_key_arn=key, trusted_publishing=trusted
    )


def _reindex(kms: bool = False) -> dict[str, Any]:
    key = KEY if kms else None
    return policies.reindex_policy(bucket_arn=BUCKET, queue_arn=QUEUE, log_group_arn=LOGS, kms_key_arn=key)


ROLE_DOCUMENTS = {
    "api": _api(),
    "api-no-uploads": _api(uploads=False),
    "api-kms": _api(kms=True),
    "api-kms-no-uploads": _api(uploads=False, kms=True),
    "api-trusted-publishing": _api(trusted=True),
    "reindex": _reindex(),
    "reindex-kms": _reindex(kms=True),
}
SCOPED_RESOURCES = {
    BUCKET,
    f"{BUCKET}/*",
    f"{BUCKET}/*/*",
    f"{BUCKET}/{layout.GENERATED_PREFIX}*",
    f"{BUCKET}/{layout.COMPAT_ROOT_KEY}",
    f"{BUCKET}/{layout.TOKENS_PREFIX}*",
    f"{BUCKET}/{layout.OPERATOR_PREFIX}*",
    f"{BUCKET}/{layout.EXCHANGE_PREFIX}*",
    f"{BUCKET}/{layout.MINTED_TOKENS_PREFIX}*",
    f"{BUCKET}/{layout.CLAIMS_PREFIX}*",
    f"{BUCKET}/{layout.LARGE_PAGES_PREFIX}*",
    f"{LOGS}:*",
    QUEUE,
    KEY,
}


def test_documents_are_json_and_versioned() -> None:
    for label, document in ROLE_DOCUMENTS.items():
        assert json.loads(json.dumps(document)) == document, label
        assert document["Version"] == "2012-10-17", label


@pytest.mark.parametrize("label", sorted(ROLE_DOCUMENTS))
def test_no_wildcard_action_and_every_resource_scoped(label: str) -> None:
    for statement in ROLE_DOCUMENTS[label]["Statement"]:
        assert re.fullmatch(r"[A-Za-z0-9]+", statement["Sid"]), statement
        for action in _list(statement["Action"]):
            assert "*" not in action, f"{label}: wildcard action {action}"
        for resource in _list(statement["Resource"]):
            assert resource in SCOPED_RESOURCES, f"{label}: unscoped resource {resource}"


def test_assume_role_policy_trusts_lambda_only() -> None:
    (statement,) = policies.assume_role_policy()["Statement"]
    assert statement["Principal"] == {"Service": "lambda.amazonaws.com"}
    assert statement["Action"] == "sts:AssumeRole"
    assert statement["Effect"] == "Allow"


PROJECT_FILE = "foo-bar/foo_bar-1.0-py3-none-any.whl"
GENERATED_KEYS = [
    layout.ROOT_PAGE_KEY,
    layout.project_page_key("foo-bar"),
    layout.metadata_key("foo-bar", "foo_bar-1.0-py3-none-any.whl"),
    layout.COMPAT_ROOT_KEY,
]
TOKEN_KEY = layout.token_key("0" * 64)
MINTED_KEY = layout.minted_token_key("1" * 64)
JTI_KEY = layout.jti_key("https://token.actions.githubusercontent.com", "a-jti")
CLAIM_KEY = layout.claim_key("foo-bar", "1", "wheel/-/py3-none-any")
LARGE_PAGE_KEY = layout.large_page_key("0123abcd", "html", "https://pypi.example.com/simple/")
EXCHANGE_KEYS = [MINTED_KEY, JTI_KEY]
PUBLISHER_KEY = layout.publishers_prefix("https://token.actions.githubusercontent.com", "o/r") + "abc"


@pytest.mark.parametrize(
    ("key", "writable"),
    [
        (PROJECT_FILE, True),
        ("Foo.Bar/foo_bar-1.0.tar.gz", True),
        *[(key, False) for key in (*GENERATED_KEYS, TOKEN_KEY)],
        ("stray-root-file.whl", False),  # not in a project folder
    ],
)
def test_api_uploads_project_files_only(key: str, writable: bool) -> None:
    document = _api()
    create = {"s3:if-none-match": "*"}
    assert allowed(document, "s3:PutObject", f"{BUCKET}/{key}", create) is writable
    assert not allowed(document, "s3:DeleteObject", f"{BUCKET}/{key}", create)


def test_api_may_only_create_never_overwrite() -> None:
    # S3 itself refuses a PutObject without If-None-Match: * from the API's role.
    assert not allowed(_api(), "s3:PutObject", f"{BUCKET}/{PROJECT_FILE}")
    assert not allowed(_api(), "s3:PutObject", f"{BUCKET}/{PROJECT_FILE}", {"s3:if-none-match": "etag"})


def test_api_token_store_is_read_only() -> None:
    # The explicit Deny on the generated prefix covers the token records.
    assert layout.TOKENS_PREFIX.startswith(layout.GENERATED_PREFIX)
    token = f"{BUCKET}/{layout.token_key('ab' * 32)}"
    for document in (_api(), _api(uploads=False)):
        assert allowed(document, "s3:GetObject", token)
        assert not allowed(document, "s3:PutObject", token)


def test_api_reads_every_object_and_lists_only_this_bucket() -> None:
    document = _api()
    for key in (PROJECT_FILE, *GENERATED_KEYS, TOKEN_KEY):
        assert allowed(document, "s3:GetObject", f"{BUCKET}/{key}")
    # ListBucket is what makes a missing key a 404 NoSuchKey instead of a 403.
    assert allowed(document, "s3:ListBucket", BUCKET)
    assert not allowed(document, "s3:ListBucket", "arn:aws:s3:::another-bucket")
    assert not allowed(document, "s3:GetObject", f"arn:aws:s3:::another-bucket/{PROJECT_FILE}")


def test_api_without_uploads_writes_large_page_copies_only() -> None:
    create = {"s3:if-none-match": "*"}
    for document in (_api(uploads=False), _api(uploads=False, kms=True)):
        (write,) = [s for s in document["Statement"] if "s3:PutObject" in _list(s["Action"])]
        assert write["Resource"] == f"{BUCKET}/{layout.LARGE_PAGES_PREFIX}*"
        assert all(s["Effect"] == "Allow" for s in document["Statement"])
        for key in (PROJECT_FILE, *GENERATED_KEYS, TOKEN_KEY, CLAIM_KEY):
            assert not allowed(document, "s3:PutObject", f"{BUCKET}/{key}", create), key


@pytest.mark.parametrize("document", [_api(), _api(uploads=False), _api(trusted=True)])
def test_api_creates_large_page_copies_never_replaces_them(document: dict[str, Any]) -> None:
    # Copies are written once and read back (the HEAD that finds one, the GET a presigned URL makes).
    copy = f"{BUCKET}/{LARGE_PAGE_KEY}"
    assert allowed(document, "s3:PutObject", copy, {"s3:if-none-match": "*"})
    assert not allowed(document, "s3:PutObject", copy)
    assert not allowed(document, "s3:DeleteObject", copy)
    assert allowed(document, "s3:GetObject", copy)
    assert not allowed(_reindex(), "s3:PutObject", copy, {"s3:if-none-match": "*"})


@pytest.mark.parametrize("document", [_api(), _reindex()], ids=["api", "reindex"])
def test_logs_only_to_own_log_group(document: dict[str, Any]) -> None:
    stream = f"{LOGS}:log-stream:2026/01/01/[$LATEST]abc"
    assert allowed(document, "logs:PutLogEvents", stream)
    assert allowed(document, "logs:CreateLogStream", stream)
    assert not allowed(document, "logs:PutLogEvents", f"{LOGS}-other:log-stream:x")
    assert not allowed(document, "logs:CreateLogGroup", LOGS)


@pytest.mark.parametrize(
    ("key", "writable"), [*[(k, True) for k in GENERATED_KEYS], (PROJECT_FILE, False), (TOKEN_KEY, False)]
)
def test_reindex_writes_generated_data_only(key: str, writable: bool) -> None:
    document = _reindex()
    for action in ("s3:PutObject", "s3:DeleteObject"):
        assert allowed(document, action, f"{BUCKET}/{key}") is writable, action
    readable = key != TOKEN_KEY  # the reindexer never reads token records either
    assert allowed(document, "s3:GetObject", f"{BUCKET}/{key}") is readable
    assert allowed(document, "s3:GetObjectTagging", f"{BUCKET}/{key}")


def test_reindex_uses_only_its_own_queue() -> None:
    document = _reindex()
    for action in policies.REINDEX_QUEUE_ACTIONS:
        assert allowed(document, action, QUEUE)
        assert not allowed(document, action, f"{QUEUE}-dlq")
    # What neither the event source mapping nor the handler uses is not granted.
    for action in (
        "sqs:ChangeMessageVisibility",
        "sqs:PurgeQueue",
        "sqs:DeleteQueue",
        "sqs:SetQueueAttributes",
    ):
        assert not allowed(document, action, QUEUE)
    assert allowed(document, "s3:ListBucket", BUCKET)


def test_kms_key_actions_only_where_needed() -> None:
    def kms_actions(document: dict[str, Any]) -> set[str]:
        return {
            action
            for statement in document["Statement"]
            for action in _list(statement["Action"])
            if action.startswith("kms:") and allowed(document, action, KEY)
        }

    assert kms_actions(_api(kms=True)) == {"kms:Decrypt", "kms:GenerateDataKey"}
    # Without uploads the API still writes (large pages' copies): SSE-KMS needs a data key.
    assert kms_actions(_api(uploads=False, kms=True)) == {"kms:Decrypt", "kms:GenerateDataKey"}
    assert kms_actions(_reindex(kms=True)) == {"kms:Decrypt", "kms:GenerateDataKey"}
    assert kms_actions(_api()) == set()
    assert not allowed(_api(kms=True), "kms:Decrypt", KEY.replace("0b1f", "ffff"))


def test_bucket_policy_denies_requests_without_tls() -> None:
    (statement,) = policies.tls_only_bucket_policy(BUCKET)["Statement"]
    assert statement["Effect"] == "Deny"
    assert statement["Principal"] == "*"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert sorted(statement["Resource"]) == [BUCKET, f"{BUCKET}/*"]


def test_queue_policy_lets_only_this_rule_send() -> None:
    (statement,) = policies.queue_policy(queue_arn=QUEUE, rule_arn=RULE)["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert statement["Action"] == "sqs:SendMessage"
    assert statement["Resource"] == QUEUE
    assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": RULE}}


def _event(key: str, detail_type: str = "Object Created", bucket: str = "pypi-bucket") -> dict[str, Any]:
    """An EventBridge S3 event in AWS's shape (keys arrive URL-encoded, as AWS sends them)."""
    return {
        "version": "0",
        "id": "17793124-05d4-b198-2fde-7ededc63b103",
        "detail-type": detail_type,
        "source": "aws.s3",
        "account": "123456789012",
        "time": "2026-11-25T06:30:00Z",
        "region": "us-east-1",
        "resources": [f"arn:aws:s3:::{bucket}"],
        "detail": {
            "version": "0",
            "bucket": {"name": bucket},
            "object": {"key": key, "size": 1, "etag": "e"},
            "reason": "PutObject",
        },
    }


def _matches(event: dict[str, Any]) -> bool:
    # moto's EventBridge matcher (what the dev server runs) as the oracle.
    pattern = EventPattern.load(json.dumps(policies.event_pattern("pypi-bucket")))
    return pattern.matches_event(cast(EventMessageType, event))


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        (PROJECT_FILE, True),
        ("my+project/my_project-1.0.tar.gz", True),  # a space, URL-encoded by S3
        ("sub/index.html", True),  # only the root index.html is generated
        ("index.html.bak", True),
        (".pypi", True),  # not under the prefix
        *[(key, False) for key in (*GENERATED_KEYS, TOKEN_KEY, *EXCHANGE_KEYS, CLAIM_KEY, LARGE_PAGE_KEY)],
    ],
)
def test_event_pattern_skips_generated_keys(key: str, expected: bool) -> None:
    assert _matches(_event(key)) is expected
    assert expected is not layout.is_generated(key)


@pytest.mark.parametrize("detail_type", policies.S3_EVENT_TYPES)
def test_event_pattern_takes_object_and_tag_changes(detail_type: str) -> None:
    assert _matches(_event(PROJECT_FILE, detail_type))


def test_event_pattern_ignores_other_events_and_buckets() -> None:
    assert not _matches(_event(PROJECT_FILE, "Object Restore Completed"))
    assert not _matches(_event(PROJECT_FILE, bucket="another-bucket"))


def test_event_pattern_excludes_in_one_element_from_the_layout_constants() -> None:
    # Elements of a pattern array are OR-ed: both exclusions must sit in the one anything-but.
    condition, statuses = policies.event_pattern("b")["detail"]["object"]["key"]
    assert condition == {
        "anything-but": {
            "wildcard": [
                layout.GENERATED_PREFIX + "*",
                layout.COMPAT_ROOT_KEY,
                layout.EXCHANGE_PREFIX + "*",
                layout.CLAIMS_PREFIX + "*",
                layout.PROXY_PREFIX + "*",
                layout.API_PREFIX + "*",
            ]
        }
    }
    assert statuses == {"prefix": layout.STATUS_PREFIX}


def test_event_pattern_lets_status_changes_through_and_nothing_else_operators_write() -> None:
    assert _matches(_event(layout.status_key("foo-bar"), "Object Created"))
    assert _matches(_event(layout.status_key("foo-bar"), "Object Deleted"))
    assert not _matches(_event(layout.NAMESPACES_KEY))
    assert not _matches(_event(layout.STATUS_PREFIX.rstrip("/")))


OPERATOR_KEYS = [layout.status_key("foo-bar"), layout.NAMESPACES_KEY]


@pytest.mark.parametrize("key", OPERATOR_KEYS)
def test_neither_function_writes_operator_data_and_both_read_it(key: str) -> None:
    arn = f"{BUCKET}/{key}"
    for document in (_api(), _reindex()):
        for action in ("s3:PutObject", "s3:DeleteObject"):
            assert not allowed(document, action, arn, {"s3:if-none-match": "*"}), action
        assert allowed(document, "s3:GetObject", arn)


# -- trusted publishing ------------------------------------------------------------------------
def test_the_exchange_writes_exactly_minted_tokens_and_jtis() -> None:
    document = _api(trusted=True)
    create = {"s3:if-none-match": "*"}
    for key in EXCHANGE_KEYS:
        assert allowed(document, "s3:PutObject", f"{BUCKET}/{key}", create), key
        assert not allowed(document, "s3:PutObject", f"{BUCKET}/{key}"), key  # never an overwrite
    assert allowed(document, "s3:DeleteObject", f"{BUCKET}/{MINTED_KEY}")  # a burn
    assert not allowed(document, "s3:DeleteObject", f"{BUCKET}/{JTI_KEY}")  # a used jti stays used
    for key in (*GENERATED_KEYS, TOKEN_KEY, PUBLISHER_KEY):
        for action in ("s3:PutObject", "s3:DeleteObject"):
            assert not allowed(document, action, f"{BUCKET}/{key}", create), (action, key)
    assert allowed(document, "s3:GetObject", f"{BUCKET}/{PUBLISHER_KEY}")
    assert allowed(document, "s3:GetObject", f"{BUCKET}/{MINTED_KEY}")


@pytest.mark.parametrize("document", [_api(), _api(kms=True)], ids=["api", "api-kms"])
def test_without_trusted_publishing_the_api_never_writes_the_exchange_prefix(
    document: dict[str, Any],
) -> None:
    # The project-files pattern (``*/*``) would match ``.pypi-oidc/…``: an explicit Deny keeps it off.
    for key in EXCHANGE_KEYS:
        assert not allowed(document, "s3:PutObject", f"{BUCKET}/{key}", {"s3:if-none-match": "*"})
        assert not allowed(document, "s3:DeleteObject", f"{BUCKET}/{key}")


def test_neither_function_writes_publishers() -> None:
    arn = f"{BUCKET}/{PUBLISHER_KEY}"
    assert PUBLISHER_KEY.startswith(layout.PUBLISHERS_PREFIX)
    for document in (_api(), _api(trusted=True), _api(uploads=False), _reindex()):
        for action in ("s3:PutObject", "s3:DeleteObject"):
            assert not allowed(document, action, arn, {"s3:if-none-match": "*"}), action
    assert allowed(_reindex(), "s3:GetObject", arn)


def test_the_reindexer_never_touches_minted_tokens_or_jtis() -> None:
    for key in EXCHANGE_KEYS:
        for action in ("s3:GetObject", "s3:PutObject", "s3:DeleteObject"):
            assert not allowed(_reindex(), action, f"{BUCKET}/{key}"), (action, key)


def test_the_proxy_cache_raises_no_reindex() -> None:
    assert not _matches(_event(layout.proxy_page_key("requests")))


def test_proxy_mode_lets_the_api_write_its_cache_and_nothing_more() -> None:
    base = policies.api_policy(bucket_arn="arn:aws:s3:::b", log_group_arn="arn:lg", uploads=False)
    proxy = policies.api_policy(
        bucket_arn="arn:aws:s3:::b", log_group_arn="arn:lg", uploads=False, proxy=True, kms_key_arn="arn:k"
    )
    added = [s for s in proxy["Statement"] if s not in base["Statement"]]
    assert added[0] == {
        "Sid": "CacheFallbackPages",
        "Effect": "Allow",
        "Action": ["s3:PutObject"],
        "Resource": "arn:aws:s3:::b/.pypi-proxy/*",
    }
    assert added[1]["Action"] == ["kms:Decrypt", "kms:GenerateDataKey"] and len(added) == 2
    assert not layout.PROXY_PREFIX.startswith(layout.GENERATED_PREFIX)  # the reindexer's stays its own
