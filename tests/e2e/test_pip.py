"""pip against the local index: installs, hash-checked downloads, metadata-only resolution."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from testkit.clients import explain, pip
from tests.support.devserver import Running, Seed

pytestmark = pytest.mark.e2e


def test_pip_installs_a_dependency_chain(
    devserver: Running, client_env: dict[str, str], tmp_path: Path
) -> None:
    target = tmp_path / "site"
    result = pip(
        "install", "--index-url", devserver.index_url, "--target", str(target), "chain-a",
        env=client_env,
    )  # fmt: skip
    assert result.returncode == 0, explain(result)
    installed = sorted(p.name for p in target.glob("*.dist-info"))
    assert installed == ["chain_a-1.0.dist-info", "chain_b-1.0.dist-info", "chain_c-1.0.dist-info"]
    assert (target / "chain_a" / "__init__.py").read_text().endswith('VERSION = "1.0"\n')


def test_pip_installs_from_a_non_normalized_folder_and_a_real_build(
    devserver: Running, client_env: dict[str, str], tmp_path: Path
) -> None:
    target = tmp_path / "site"
    result = pip(
        "install", "--index-url", devserver.index_url, "--target", str(target),
        "foo-bar-baz", "Real_Pkg==2.0",
        env=client_env,
    )  # fmt: skip
    assert result.returncode == 0, explain(result)
    installed = sorted(p.name for p in target.glob("*.dist-info"))
    assert installed == ["chain_c-1.0.dist-info", "foo_bar_baz-1.0.dist-info", "real_pkg-2.0.dist-info"]


def test_pip_download_require_hashes(
    devserver: Running, seeded: Seed, client_env: dict[str, str], tmp_path: Path
) -> None:
    wanted = {
        "chain-a==1.0": "chain_a-1.0-py3-none-any.whl",
        "chain-b==1.0": "chain_b-1.0-py3-none-any.whl",
        "chain-c==1.0": "chain_c-1.0-py3-none-any.whl",
        "big-wheel==1.0": "big_wheel-1.0-py3-none-any.whl",
    }
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(
        "".join(f"{req} --hash=sha256:{seeded.files[name]}\n" for req, name in wanted.items())
    )
    dest = tmp_path / "downloads"
    result = pip(
        "download", "--index-url", devserver.index_url, "--require-hashes", "--dest", str(dest),
        "-r", str(requirements),
        env=client_env,
    )  # fmt: skip
    assert result.returncode == 0, explain(result)
    assert sorted(p.name for p in dest.iterdir()) == sorted(wanted.values())


def test_pip_download_refuses_a_wrong_hash(
    devserver: Running, client_env: dict[str, str], tmp_path: Path
) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(f"chain-c==1.0 --hash=sha256:{'0' * 64}\n")
    result = pip(
        "download", "--index-url", devserver.index_url, "--require-hashes", "--no-deps",
        "--dest", str(tmp_path / "downloads"), "-r", str(requirements),
        env=client_env,
    )  # fmt: skip
    assert result.returncode != 0
    assert "THESE PACKAGES DO NOT MATCH THE HASHES" in result.stderr


def test_pip_dry_run_resolves_through_metadata_without_downloading_a_wheel(
    devserver: Running, client_env: dict[str, str], tmp_path: Path
) -> None:
    mark = devserver.log_mark()
    result = pip(
        "install", "--dry-run", "--ignore-installed", "--report", "-", "--quiet",
        "--index-url", devserver.index_url, "chain-a", "big-wheel",
        env=client_env,
    )  # fmt: skip
    assert result.returncode == 0, explain(result)
    report = json.loads(result.stdout)
    resolved = {item["metadata"]["name"]: item["metadata"]["version"] for item in report["install"]}
    assert resolved == {"chain-a": "1.0", "chain-b": "1.0", "chain-c": "1.0", "big-wheel": "1.0"}
    requests = re.findall(r'"(?:GET|HEAD) (\S+) HTTP', devserver.log_since(mark))
    assert any(path.endswith(".whl.metadata") for path in requests), requests
    assert not [path for path in requests if path.endswith(".whl")], requests


def test_pip_respects_requires_python_with_lt_and_gt(
    devserver: Running, client_env: dict[str, str], tmp_path: Path
) -> None:
    ok = pip(
        "download", "--index-url", devserver.index_url, "--no-deps", "--dest", str(tmp_path / "a"),
        "py-range",
        env=client_env,
    )  # fmt: skip
    assert ok.returncode == 0, explain(ok)
    too_old = pip(
        "download", "--index-url", devserver.index_url, "--no-deps", "--dest", str(tmp_path / "b"),
        "--python-version", "3.7", "--only-binary", ":all:", "py-range",
        env=client_env,
    )  # fmt: skip
    assert too_old.returncode != 0
    assert "Requires-Python" in too_old.stdout + too_old.stderr


def test_a_second_install_asks_for_no_metadata(
    devserver: Running, client_env: dict[str, str], tmp_path: Path
) -> None:
    """Issue 27: ``.metadata`` is immutable, so pip's HTTP cache answers for it (pip keeps one for
    https and trusted hosts: the local index is plain http)."""
    logs = []
    for target in ("first", "second"):
        mark = devserver.log_mark()
        result = pip(
            "install", "--index-url", devserver.index_url, "--trusted-host", "127.0.0.1",
            "--target", str(tmp_path / target), "chain-a",
            env=client_env,
        )  # fmt: skip
        assert result.returncode == 0, explain(result)
        logs.append(devserver.log_since(mark))
    assert logs[0].count(".whl.metadata HTTP") == 3  # chain-a, -b and -c, once each
    assert "chain-a/ HTTP" in logs[1] and ".metadata HTTP" not in logs[1]
