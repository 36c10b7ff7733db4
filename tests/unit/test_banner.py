"""The dev server's banner: which lines it prints in each mode, and how tests find its commands."""

from __future__ import annotations

import pytest

from devserver.banner import Banner, commands, with_token


def banner(public_read: bool) -> Banner:
    return Banner(
        index_url="http://127.0.0.1:8080/simple/",
        s3_endpoint="http://127.0.0.1:41471",
        bucket="pypi",
        files=3,
        data="/tmp/data",
        public_read=public_read,
    )


@pytest.mark.parametrize("public_read", [True, False])
def test_every_admin_line_runs_from_the_repository_root(public_read: bool) -> None:
    lines = commands("\n".join(banner(public_read).lines()))
    admin = [line for line in lines if "-m admin" in line]
    assert admin and all(
        ".venv/bin/python -m admin --endpoint-url http://127.0.0.1:41471 --bucket pypi token create" in line
        for line in admin
    )


def test_private_mode_leads_with_a_read_token_and_installs_carry_it() -> None:
    lines = commands("\n".join(banner(False).lines()))
    assert lines[0].endswith('--scope read)"') and lines[0].startswith('TOKEN="$(')
    assert 'pip install --index-url "http://__token__:$TOKEN@127.0.0.1:8080/simple/" NAME' in lines
    assert any(line.startswith("UV_INDEX_LOCAL_USERNAME=__token__ ") for line in lines)
    assert any("~/.netrc" in line for line in lines)


def test_public_mode_installs_need_no_token() -> None:
    lines = commands("\n".join(banner(True).lines()))
    assert lines[:2] == [
        "pip install --index-url http://127.0.0.1:8080/simple/ NAME",
        "uv pip install --index-url http://127.0.0.1:8080/simple/ NAME",
    ]
    assert not any("--scope read" in line for line in lines)


def test_with_token_puts_the_variable_in_the_user_part() -> None:
    assert with_token("http://[::1]:8080/simple/") == "http://__token__:$TOKEN@[::1]:8080/simple/"
