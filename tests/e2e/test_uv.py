"""uv against the local index: ``uv pip install`` and ``uv pip compile``."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from testkit.clients import explain, uv
from tests.support.devserver import Running

pytestmark = pytest.mark.e2e


def test_uv_pip_install_the_chain(devserver: Running, client_env: dict[str, str], tmp_path: Path) -> None:
    target = tmp_path / "site"
    result = uv(
        "pip", "install", "--python", sys.executable, "--target", str(target),
        "--index-url", devserver.index_url, "chain-a", "foo.bar-baz",
        env=client_env,
    )  # fmt: skip
    assert result.returncode == 0, explain(result)
    installed = sorted(p.name for p in target.glob("*.dist-info"))
    assert installed == [
        "chain_a-1.0.dist-info",
        "chain_b-1.0.dist-info",
        "chain_c-1.0.dist-info",
        "foo_bar_baz-1.0.dist-info",
    ]


def test_uv_pip_compile_pins_the_chain(
    devserver: Running, client_env: dict[str, str], tmp_path: Path
) -> None:
    requirements = tmp_path / "requirements.in"
    requirements.write_text("chain-a\nreal-pkg\n")
    result = uv(
        "pip", "compile", str(requirements), "--python", sys.executable, "--no-header",
        "--no-annotate", "--generate-hashes", "--index-url", devserver.index_url,
        env=client_env,
    )  # fmt: skip
    assert result.returncode == 0, explain(result)
    pins = [line.split()[0] for line in result.stdout.splitlines() if "==" in line]
    assert pins == ["chain-a==1.0", "chain-b==1.0", "chain-c==1.0", "real-pkg==2.0"]
    assert result.stdout.count("--hash=sha256:") >= 5  # real-pkg: sdist and wheel


def test_uv_resolves_through_metadata(devserver: Running, client_env: dict[str, str], tmp_path: Path) -> None:
    mark = devserver.log_mark()
    requirements = tmp_path / "requirements.in"
    requirements.write_text("big-wheel\n")
    result = uv(
        "pip", "compile", str(requirements), "--python", sys.executable, "--no-header",
        "--index-url", devserver.index_url,
        env=client_env,
    )  # fmt: skip
    assert result.returncode == 0, explain(result)
    log = devserver.log_since(mark)
    assert "big_wheel-1.0-py3-none-any.whl.metadata" in log
    assert "big_wheel-1.0-py3-none-any.whl HTTP" not in log


def test_a_second_install_asks_for_no_metadata(
    devserver: Running, client_env: dict[str, str], tmp_path: Path
) -> None:
    """Issue 27: ``.metadata`` is immutable, so uv's warm cache answers for it."""
    logs = []
    for target in ("first", "second"):
        mark = devserver.log_mark()
        result = uv(
            "pip", "install", "--python", sys.executable, "--target", str(tmp_path / target),
            "--index-url", devserver.index_url, "chain-a",
            env=client_env,
        )  # fmt: skip
        assert result.returncode == 0, explain(result)
        logs.append(devserver.log_since(mark))
    assert logs[0].count(".whl.metadata HTTP") == 3  # chain-a, -b and -c, once each
    assert "chain-a/ HTTP" in logs[1] and ".metadata HTTP" not in logs[1]
