"""Issue 23: pip and uv through the dev server in proxy mode, with a fake upstream on loopback (a
static PEP 691 index whose ``demo`` has 1.0 at 30 days, 1.1 yanked and 1.2 at 10 days, 2.0 at 2 hours)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from testkit.clients import explain, pip, uv
from tests.support.devserver import Running, running_devserver
from tests.support.upstream import FakeUpstream, demo_upstream, serving

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def upstream() -> Iterator[FakeUpstream]:
    with serving(demo_upstream()) as fake:
        yield fake


@pytest.fixture(scope="module")
def proxy(upstream: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    root = tmp_path_factory.mktemp("proxy")
    (root / "data").mkdir()
    args = ["--fallback-index-url", upstream.index_url, "--fallback-mode", "proxy", "--min-release-age", "7"]
    with running_devserver(
        root / "data", root / "logs", extra_args=[*args, "--fallback-deny", "held"]
    ) as running:
        yield running


def installed(target: Path) -> list[str]:
    return sorted(p.name for p in target.glob("*.dist-info"))


def test_pip_installs_the_newest_version_older_than_the_minimum_age(
    proxy: Running, client_env: dict[str, str], tmp_path: Path
) -> None:
    target = tmp_path / "site"
    result = pip("install", "--index-url", proxy.index_url, "--target", str(target), "demo", env=client_env)
    assert result.returncode == 0, explain(result)
    assert installed(target) == ["demo-1.2.dist-info"]  # 2.0 is too new, 1.1 yanked
    refused = pip(
        "install", "--index-url", proxy.index_url, "--target", str(target), "demo==2.0", env=client_env
    )
    assert refused.returncode != 0 and "demo==2.0" in refused.stderr + refused.stdout


def test_uv_installs_the_newest_version_older_than_the_minimum_age(
    proxy: Running, client_env: dict[str, str], tmp_path: Path
) -> None:
    target = tmp_path / "site"
    result = uv(
        "pip", "install", "--python", sys.executable, "--target", str(target),
        "--index-url", proxy.index_url, "demo",
        env=client_env,
    )  # fmt: skip
    assert result.returncode == 0, explain(result)
    assert installed(target) == ["demo-1.2.dist-info"]


def test_uv_exclude_newer_works_on_proxied_pages(
    proxy: Running, client_env: dict[str, str], tmp_path: Path
) -> None:
    target = tmp_path / "site"
    cutoff = (datetime.now(UTC) - timedelta(days=20)).strftime("%Y-%m-%dT%H:%M:%SZ")
    result = uv(
        "pip", "install", "--python", sys.executable, "--target", str(target),
        "--index-url", proxy.index_url, "--exclude-newer", cutoff, "demo",
        env=client_env,
    )  # fmt: skip
    assert result.returncode == 0, explain(result)
    assert installed(target) == ["demo-1.0.dist-info"]


def test_a_denied_name_is_not_installable(proxy: Running, client_env: dict[str, str], tmp_path: Path) -> None:
    target = tmp_path / "site"
    result = pip("install", "--index-url", proxy.index_url, "--target", str(target), "held", env=client_env)
    assert result.returncode != 0 and installed(target) == []
