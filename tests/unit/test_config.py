"""Configuration from the environment, with the original module's names."""

from __future__ import annotations

import pytest

from handlers import config


def test_public_read_defaults_to_the_original_modules_open_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("S3_BUCKET", "b")
    monkeypatch.delenv("PUBLIC_READ", raising=False)
    assert config.load().public_read is True
    monkeypatch.setenv("PUBLIC_READ", "false")
    assert config.load().public_read is False


@pytest.mark.parametrize("ttl", ["0", "abc", "999999999"])
def test_unusable_settings_are_a_configuration_error(monkeypatch: pytest.MonkeyPatch, ttl: str) -> None:
    monkeypatch.setenv("S3_BUCKET", "b")
    monkeypatch.setenv("S3_PRESIGNED_URL_TTL", ttl)
    with pytest.raises(config.ConfigurationError, match="S3_PRESIGNED_URL_TTL"):
        config.load()


def test_fallback_url_gets_its_trailing_slash(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("S3_BUCKET", "b")
    monkeypatch.setenv("FALLBACK_INDEX_URL", "https://pypi.org/simple")
    assert config.load().fallback_index_url == "https://pypi.org/simple/"
