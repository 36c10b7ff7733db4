"""The pure route table, invoke permissions, deployment trigger and 413 message (no Pulumi)."""

from __future__ import annotations

import re

import pytest

from components import routes

EXECUTION_ARN = "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5"


def test_routes_as_the_original_module() -> None:
    assert {route.key for route in routes.ROUTES} == {
        "GET /",
        "HEAD /",
        "POST /",
        "GET /{package+}",
        "HEAD /{package+}",
    }
    assert len({route.slug for route in routes.ROUTES}) == len(routes.ROUTES)
    assert routes.http_methods() == ["GET", "HEAD", "POST"]


def _arn_like(pattern: str, arn: str) -> bool:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, arn) is not None


def test_invoke_source_arn_covers_its_method_on_every_route_only() -> None:
    get = routes.invoke_source_arn(EXECUTION_ARN, "GET")
    assert get == f"{EXECUTION_ARN}/*/GET/*"
    # What API Gateway sends: <execution arn>/<stage>/<method>/<path>, the root's path empty.
    assert _arn_like(get, f"{EXECUTION_ARN}/simple/GET/")
    assert _arn_like(get, f"{EXECUTION_ARN}/simple/GET/foo/foo-1.0.tar.gz")
    assert not _arn_like(get, f"{EXECUTION_ARN}/simple/DELETE/foo")
    assert not _arn_like(get, "arn:aws:execute-api:us-east-1:123456789012:otherapi/simple/GET/")


def test_deployment_trigger_is_canonical() -> None:
    one = {"methods": {"GET /": ["id1", "GET", "NONE", None]}, "resources": {"proxy": ["r1"]}}
    same = {"resources": {"proxy": ["r1"]}, "methods": {"GET /": ["id1", "GET", "NONE", None]}}
    assert routes.deployment_trigger(one) == routes.deployment_trigger(same)
    assert re.fullmatch(r"[0-9a-f]{40}", routes.deployment_trigger(one))


def test_deployment_trigger_changes_with_an_in_place_change() -> None:
    before = {"methods": {"GET /": ["id1", "GET", "NONE", None]}}
    after = {"methods": {"GET /": ["id1", "GET", "AWS_IAM", None]}}
    assert routes.deployment_trigger(before) != routes.deployment_trigger(after)


def test_too_large_body_names_the_other_way() -> None:
    body = routes.too_large_body("my-bucket")
    message = body  # plain text, as the dev server answers
    assert message == routes.too_large_message("my-bucket")
    # Runnable as printed from the repository root after `make venv`.
    assert "`.venv/bin/python -m admin --bucket my-bucket upload FILE`" in message
    local = routes.too_large_message("pypi", "http://127.0.0.1:9000")
    assert (
        "`.venv/bin/python -m admin --endpoint-url http://127.0.0.1:9000 --bucket pypi upload FILE`" in local
    )
    assert "6 MB" in message
    assert "10 MB" in message
    # It is used as an API Gateway (Velocity) template as it is.
    assert "$" not in body
    assert "#" not in body


def test_not_found_body_names_the_index_path() -> None:
    body = routes.not_found_body()
    assert body == routes.not_found_message()
    assert "/simple/" in body
    assert "twine" in body
    assert "$" not in body
    assert "#" not in body


def test_a_template_with_velocity_syntax_is_refused() -> None:
    with pytest.raises(ValueError, match="template"):
        routes.too_large_body("$bucket")


def test_gateway_templates_answer_plain_text_whatever_the_accept() -> None:
    templates = routes.plain_text_templates("hello")
    assert templates == {"application/json": "hello", "text/plain": "hello"}
    assert routes.PLAIN_TEXT_PARAMETERS["gatewayresponse.header.Content-Type"].startswith("'text/plain")
