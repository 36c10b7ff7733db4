"""AWS errors as one line for the operator, naming the flag to pass or the variable to set.

boto3 reports a wrong bucket, an unreachable endpoint or missing credentials in its own words
(``NoSuchBucket``, ``EndpointConnectionError``, ``NoCredentialsError``); an operator needs to know which
of ``--bucket``, ``--endpoint-url``, ``--region`` or their credentials to change.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
)

#: Where the operator finds the bucket's name, on AWS and locally.
_WHERE_BUCKET = "on AWS `pulumi stack output bucket_name`; locally the bucket the dev server's banner names"
_CREDENTIALS = (
    "set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) to credentials that may use the bucket"
)
_ACCESS_DENIED = frozenset(
    {
        "AccessDenied",
        "403",
        "Forbidden",
        "AllAccessDisabled",
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "ExpiredToken",
        "InvalidToken",
        "TokenRefreshRequired",
    }
)
_WRONG_REGION = frozenset(
    {"PermanentRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraintException"}
)


@dataclass(frozen=True)
class Target:
    """What the operator asked for: the flags the messages talk about."""

    bucket: str
    endpoint_url: str | None
    region: str | None

    @property
    def where(self) -> str:
        """The endpoint in words."""
        return self.endpoint_url or "AWS"


def explain(error: Exception, target: Target) -> str | None:
    """One line naming the fix for an AWS error, or None when ``error`` is not one."""
    if isinstance(error, NoCredentialsError | PartialCredentialsError):
        return (
            f"no AWS credentials found: {_CREDENTIALS}; for the dev server's embedded S3 pass "
            "--endpoint-url http://127.0.0.1:PORT as its banner prints it (no credentials needed)"
        )
    if isinstance(error, EndpointConnectionError | ConnectTimeoutError):
        parts = urlsplit(str(error.kwargs.get("endpoint_url", "")))
        endpoint = target.endpoint_url or (f"{parts.scheme}://{parts.netloc}" if parts.netloc else "AWS")
        if target.endpoint_url:
            return (
                f"cannot reach {endpoint}: is the dev server running? Pass the S3 URL its banner prints "
                "as --endpoint-url, or drop --endpoint-url to use AWS"
            )
        return f"cannot reach {endpoint}: check your network and --region (the bucket's region)"
    if isinstance(error, NoRegionError):
        return "no AWS region: pass --region REGION (the bucket's region) or set AWS_REGION"
    if isinstance(error, ClientError):
        return _client_error(error, target)
    if isinstance(error, BotoCoreError):
        return f"{type(error).__name__}: {error}"
    return None


def _client_error(error: ClientError, target: Target) -> str:
    details = error.response.get("Error", {})
    code = str(details.get("Code", ""))
    message = str(details.get("Message", "")) or str(error)
    if code == "NoSuchBucket":
        return (
            f"no bucket {target.bucket!r} at {target.where}: pass the index's bucket as --bucket NAME "
            f"(or set S3_BUCKET): {_WHERE_BUCKET}"
        )
    if code in _ACCESS_DENIED:
        return (
            f"access denied to bucket {target.bucket!r} at {target.where} ({code}): {_CREDENTIALS}, "
            "and check --bucket"
        )
    if code in _WRONG_REGION:
        return f"bucket {target.bucket!r} is in another region: pass --region REGION ({code}: {message})"
    return f"{code or type(error).__name__}: {message}"
