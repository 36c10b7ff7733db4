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


def test_the_proxy_settings_and_their_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("S3_BUCKET", "b")
    for name in (
        "FALLBACK_MODE",
        "MIN_RELEASE_AGE_DAYS",
        "FALLBACK_DENY",
        "FALLBACK_ALLOW",
        "FALLBACK_CACHE_SECONDS",
    ):
        monkeypatch.delenv(name, raising=False)
    settings = config.load()
    assert (settings.fallback_mode, settings.min_release_age_days, settings.fallback_cache_seconds) == (
        "redirect", 0, 600,
    )  # fmt: skip
    assert settings.fallback_deny == frozenset() and settings.fallback_allow is None and not settings.proxy
    monkeypatch.setenv("FALLBACK_MODE", "proxy")
    monkeypatch.setenv("MIN_RELEASE_AGE_DAYS", "7")
    monkeypatch.setenv("FALLBACK_DENY", "Evil.Pkg, other")
    monkeypatch.setenv("FALLBACK_ALLOW", "requests")
    monkeypatch.setenv("FALLBACK_CACHE_SECONDS", "1")
    settings = config.load()
    assert settings.fallback_deny == frozenset({"evil-pkg", "other"})
    assert settings.fallback_allow == frozenset({"requests"})
    assert (settings.min_release_age_days, settings.fallback_cache_seconds) == (7, 1)
    assert not settings.proxy  # no upstream to proxy
    monkeypatch.setenv("FALLBACK_INDEX_URL", "https://pypi.org/simple/")
    assert config.load().proxy


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("FALLBACK_MODE", "mirror"),
        ("MIN_RELEASE_AGE_DAYS", "-1"),
        ("MIN_RELEASE_AGE_DAYS", "seven"),
        ("FALLBACK_CACHE_SECONDS", "0"),
        ("FALLBACK_DENY", "ok,../etc"),
    ],
)
def test_unusable_proxy_settings_name_themselves(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv("S3_BUCKET", "b")
    monkeypatch.setenv(name, value)
    with pytest.raises(config.ConfigurationError, match=name):
        config.load()
