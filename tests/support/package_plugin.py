"""The ``serverless-pypi`` package under test: its plugin process, the inputs that exercise it and
the Python path it must match (tests/component/test_package*.py)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pulumi
import pytest

from components import serverless_pypi
from components.args import ServerlessPyPIArgs
from tests.support.pulumi_mocks import ROOT, Program

PLUGIN = ROOT / "serverless-pypi"
NAME = "pypi"
REQUIRED: dict[str, Any] = {
    "rest_api_id": "a1b2c3d4e5",
    "root_resource_id": "r00tid",
    "execution_arn": "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5",
}

#: A value for every input the package takes, none of them the default.
EVERYTHING: dict[str, Any] = {
    "authorization": "CUSTOM",
    "authorizer_id": "auth01",
    "too_large_response": False,
    "not_found_response": True,
    "rest_api_settings": {"binary_media_types": ["*/*"], "endpoint_configuration": {"types": "PRIVATE"}},
    "endpoint_type": "PRIVATE",
    "vpc_endpoint_ids": ["vpce-0a1b2c3d", "vpce-4e5f6a7b"],
    "api_name": "serverless-pypi",
    "stage_name": "v1",
    "bucket_name": "acme-packages",
    "bucket_import": True,
    "kms_key_arn": "arn:aws:kms:us-east-1:123456789012:key/k1",
    "versioning": False,
    "noncurrent_version_expiration_days": 7,
    "bucket_protect": False,
    "bucket_retain": False,
    "bucket_manage": {"policy": "import", "notification": "create"},
    "fallback_index_url": "https://pypi.org/simple/",
    "fallback_mode": "proxy",
    "min_release_age_days": 7,
    "fallback_deny": ["internal-tool"],
    "fallback_allow": ["requests", "idna"],
    "fallback_cache_seconds": 300,
    "presigned_url_ttl": 600,
    "public_read": True,
    "uploads": True,
    "runtime": "python3.12",
    "architecture": "x86_64",
    "api_function_name": "pypi-api",
    "api_description": "the index",
    "api_memory_size": 1024,
    "api_timeout": 20,
    "api_environment": {"EXTRA": "1"},
    "reindex_function_name": "pypi-reindex",
    "reindex_description": "the reindexer",
    "reindex_memory_size": 512,
    "reindex_timeout": 120,
    "reindex_environment": {"OTHER": "2"},
    "reindex_max_concurrency": 3,
    "log_retention_days": 14,
    "role_permissions_boundary": "arn:aws:iam::123456789012:policy/boundary",
    "tracing": True,
    "alarms": True,
    "alarm_topic_arn": "arn:aws:sns:us-east-1:123456789012:pager",
    "access_logs": True,
    "manage_api_gateway_account": True,
    "event_rule_name": "pypi-rule",
    "event_rule_description": "reindex",
    "tags": {"team": "platform"},
    "trusted_publishing": True,
    "oidc_audience": "pypi.example.com",
    "oidc_issuers": ["https://token.actions.githubusercontent.com", "https://gitlab.example.com"],
}


def camel(name: str) -> str:
    """The schema's name of a Python name (the analyzer's rule)."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def comparable(value: Any) -> Any:
    """Assets and archives by what they hold (they have no equality of their own)."""
    if isinstance(value, pulumi.FileAsset | pulumi.FileArchive):
        return (type(value).__name__, value.path)
    if isinstance(value, pulumi.StringAsset):
        return ("StringAsset", value.text)
    if isinstance(value, pulumi.AssetArchive):
        return {key: comparable(item) for key, item in value.assets.items()}
    if isinstance(value, Mapping):
        return {key: comparable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [comparable(item) for item in value]
    return value


def python_path(overrides: Mapping[str, Any]) -> Program:
    def body() -> dict[str, Any]:
        index = serverless_pypi.ServerlessPyPI(NAME, ServerlessPyPIArgs(**REQUIRED, **overrides))
        return {"trigger": index.deployment_trigger, "format": index.access_log_format}

    return body


def _read_port(process: subprocess.Popen[bytes], timeout: float) -> str:
    """The first stdout line of the plugin (its gRPC port), or fail with its stderr."""
    line: list[bytes] = []
    reader = threading.Thread(
        target=lambda: line.append(process.stdout.readline() if process.stdout else b"")
    )
    reader.start()
    reader.join(timeout)
    if not line or not line[0].strip():
        process.kill()
        _, err = process.communicate(timeout=10)
        pytest.fail(f"the plugin printed no port: {err.decode(errors='replace')[-3000:]}")
    return line[0].decode().strip()


@contextlib.contextmanager
def running_plugin(cwd: Path, engine: str, env: Mapping[str, str] | None = None) -> Iterator[str]:
    """The plugin as the language host starts it (``python <folder> <engine>``) from ``cwd``, without
    this repository on ``PYTHONPATH``; yields its gRPC address and stops it afterwards."""
    environment = {k: v for k, v in (env or os.environ).items() if k != "PYTHONPATH"}
    process = subprocess.Popen(
        [sys.executable, str(PLUGIN), engine],
        cwd=cwd,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        yield f"127.0.0.1:{_read_port(process, timeout=120)}"
    finally:
        process.terminate()
        process.communicate(timeout=30)
