"""Fixtures of the e2e tests: one seeded dev server for the session, an isolated client environment.

What they are built from lives in :mod:`tests.support.devserver`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from testkit.clients import isolated_env
from tests.support.devserver import Running, Seed, running_devserver, seed


@pytest.fixture(scope="session")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Seed:
    """The session's data directory, seeded once."""
    root = tmp_path_factory.mktemp("seed")
    return seed(root / "data", root)


@pytest.fixture(scope="session")
def devserver(seeded: Seed, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """The session's dev server over the seeded data directory."""
    with running_devserver(seeded.data, tmp_path_factory.mktemp("devserver")) as running:
        yield running


@pytest.fixture
def client_env(tmp_path: Path) -> dict[str, str]:
    """An isolated environment for one client run (private HOME and caches)."""
    return isolated_env(tmp_path / "home")
