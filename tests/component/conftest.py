"""Fixtures of the component tests: the layer builder is a fake unless a test builds the layer itself.

The mocks and the graph they record live in :mod:`tests.support.pulumi_mocks`.
"""

from __future__ import annotations

from pathlib import Path

import pulumi
import pytest

from tests.support.pulumi_mocks import FAKE_LAYER


@pytest.fixture(autouse=True)
def fake_layer_builder(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Path, str, str]]:
    """Replace the component's default layer builder; returns the calls it got."""
    calls: list[tuple[Path, str, str]] = []

    def build(requirements: Path, architecture: str, runtime: str) -> pulumi.Archive:
        calls.append((requirements, architecture, runtime))
        return pulumi.AssetArchive({name: pulumi.StringAsset(text) for name, text in FAKE_LAYER.items()})

    monkeypatch.setattr("components.layer.build_layer_archive", build)
    return calls


def pytest_configure(config: pytest.Config) -> None:
    """The marker of the one slow test here (tests/component/test_deploy_venv.py)."""
    config.addinivalue_line(
        "markers",
        "deploy_venv: builds the venv pulumi up makes from requirements.txt (PyPI, a minute or more)",
    )
