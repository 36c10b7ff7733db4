"""AWS clients, made on first use and kept for the life of the process (never at import time).

S3 is found the standard way: boto3's credential chain and region, and ``AWS_ENDPOINT_URL_S3`` /
``AWS_ENDPOINT_URL`` for moto or the local index. A client is kept per endpoint and region, so a test
that points the environment elsewhere gets a new one.
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, Any

from handlers.web.http import is_loopback

if TYPE_CHECKING:
    from handlers.aws.awstypes import S3Client, SQSClient

_lock = threading.Lock()
_clients: dict[tuple[str, ...], Any] = {}


def s3() -> S3Client:
    """The S3 client (path-style addressing off AWS, so presigned URLs work against moto)."""
    client: S3Client = _client("s3")
    return client


def sqs() -> SQSClient:
    """The SQS client (the reindexer's fan-out of a rebuild)."""
    client: SQSClient = _client("sqs")
    return client


def _client(service: str) -> Any:
    env = os.environ
    endpoint = env.get(f"AWS_ENDPOINT_URL_{service.upper()}") or env.get("AWS_ENDPOINT_URL") or ""
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or ""
    cache_key = (service, endpoint, region)
    with _lock:
        if cache_key not in _clients:
            _clients[cache_key] = make_client(service, endpoint or None, region or None)
        return _clients[cache_key]


def make_client(service: str, endpoint: str | None, region: str | None) -> Any:
    """A new client as the functions make theirs: timeouts, retries, addressing, signature, and
    dummy credentials for an emulator on loopback. The admin CLI makes its client here too."""
    import boto3  # imported here: a cold start that never reaches S3 should not pay for it
    from botocore.config import Config

    config = Config(
        retries={"mode": "standard", "max_attempts": 3},
        connect_timeout=2,
        read_timeout=10,
        s3={"addressing_style": "path" if endpoint else "virtual"},
        signature_version="s3v4",
    )
    session = boto3.session.Session(region_name=region)
    credentials = emulator_credentials(session, endpoint)
    return session.client(service, endpoint_url=endpoint, config=config, **credentials)  # type: ignore[call-overload]


def emulator_credentials(session: Any, endpoint: str | None) -> dict[str, str]:
    """Dummy credentials for an emulator on loopback when none are configured, else nothing.

    An emulator takes any credentials; without this a test or a local run on a machine with no AWS
    credentials fails to sign. Only the environment and configuration files are consulted (never
    the instance metadata service), and AWS itself is never reached this way.
    """
    if not endpoint or not is_loopback(endpoint):
        return {}
    resolver = session._session.get_component("credential_provider")
    for network_provider in ("container-role", "iam-role"):
        resolver.remove(network_provider)
    if resolver.load_credentials() is not None:
        return {}
    return {"aws_access_key_id": "emulator", "aws_secret_access_key": "emulator"}
