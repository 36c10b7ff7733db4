"""Issue 23: the proxy's component arguments, checked before anything is created."""

from __future__ import annotations

from typing import Any

import pytest

from components.args import ServerlessPyPIArgs
from tests.support.package_plugin import REQUIRED

UPSTREAM: dict[str, Any] = {"fallback_index_url": "https://pypi.org/simple/"}


def test_the_defaults_are_a_redirect_with_no_policy() -> None:
    args = ServerlessPyPIArgs(**REQUIRED)
    assert (args.fallback_mode, args.min_release_age_days) == ("redirect", 0)
    assert args.fallback_cache_seconds == 600
    assert args.fallback_deny == () and args.fallback_allow == ()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"fallback_mode": "mirror", **UPSTREAM}, "fallbackMode"),
        ({"fallback_mode": "proxy"}, "needs fallback_index_url"),
        ({"min_release_age_days": -1}, "min_release_age_days"),
        ({"fallback_cache_seconds": 0}, "fallback_cache_seconds"),
        ({"fallback_deny": ["ok", "../x"]}, "fallback_deny: '../x'"),
        ({"fallback_allow": "requests"}, "a list of names"),
    ],
)
def test_unusable_values_are_refused_by_name(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ServerlessPyPIArgs(**REQUIRED, **overrides)


def test_a_proxy_with_a_policy_is_accepted() -> None:
    args = ServerlessPyPIArgs(
        **REQUIRED, **UPSTREAM, fallback_mode="proxy", min_release_age_days=7, fallback_deny=["internal"]
    )
    assert args.fallback_mode == "proxy"
