"""Dummy credentials for an emulator on loopback, and never anything else."""

from __future__ import annotations

import os
from pathlib import Path

import boto3
import pytest

from handlers.aws.clients import emulator_credentials
from handlers.web.http import is_loopback


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1:9000", True),
        ("http://localhost:9000", True),
        ("http://[::1]:9000", True),
        ("https://s3.eu-west-1.amazonaws.com", False),
        ("http://10.0.0.5:9000", False),
        ("not a url", False),
    ],
)
def test_is_loopback(url: str, loopback: bool) -> None:
    assert is_loopback(url) is loopback


@pytest.mark.usefixtures("no_credentials")
def test_an_emulator_on_loopback_gets_dummy_credentials() -> None:
    assert emulator_credentials(boto3.session.Session(), "http://127.0.0.1:9000") == {
        "aws_access_key_id": "emulator",
        "aws_secret_access_key": "emulator",
    }


@pytest.mark.usefixtures("no_credentials")
def test_no_dummy_credentials_for_aws_or_without_an_endpoint() -> None:
    assert emulator_credentials(boto3.session.Session(), "https://s3.amazonaws.com") == {}
    assert emulator_credentials(boto3.session.Session(), None) == {}


@pytest.mark.usefixtures("no_credentials")
def test_configured_credentials_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "real")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "real")
    assert emulator_credentials(boto3.session.Session(), "http://127.0.0.1:9000") == {}
