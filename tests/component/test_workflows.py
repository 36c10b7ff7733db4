"""The CI workflows keep their contract (``make lint`` checks their syntax and security with
actionlint, GitHub's workflow schema and zizmor): a pinned Pulumi CLI no older than the SDK the tests
run, AWS by OIDC, the preview commented on the pull request, the deploy behind an environment."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]  # PyYAML ships without stubs; Pulumi depends on it

from tests.support.pulumi_mocks import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"
PINNED = re.compile(r"^[\w.-]+/[\w.-]+@[0-9a-f]{40}$")


def _load(name: str) -> dict[str, Any]:
    loaded: dict[Any, Any] = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    # YAML 1.1 reads the key `on` as True.
    loaded["on"] = loaded.pop(True, loaded.get("on"))
    return loaded


def _steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def _sdk_version() -> tuple[int, ...]:
    for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("pulumi=="):
            return _version(line.removeprefix("pulumi=="))
    raise AssertionError("requirements.txt pins no pulumi")


@pytest.mark.parametrize("name", ["test.yml", "preview.yml", "deploy.yml"])
def test_every_action_is_pinned_to_a_commit_and_permissions_start_empty(name: str) -> None:
    workflow = _load(name)
    assert workflow["permissions"] == {}
    text = (WORKFLOWS / name).read_text(encoding="utf-8")
    for step in _steps(workflow):
        if "uses" in step:
            assert PINNED.match(step["uses"]), step["uses"]
            assert re.search(re.escape(step["uses"]) + r" # v\d", text), f"{step['uses']} names no version"
    for job in workflow["jobs"].values():
        assert "permissions" in job
        for step in job["steps"]:
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False


def test_the_tests_run_on_pull_requests_and_pushes() -> None:
    workflow = _load("test.yml")
    assert {"pull_request", "push"} <= set(workflow["on"])
    runs = [step.get("run") for step in _steps(workflow)]
    assert "make test" in runs and "make test-runtime" in runs


@pytest.mark.parametrize(("name", "command"), [("preview.yml", "preview"), ("deploy.yml", "up")])
def test_pulumi_runs_with_a_pinned_cli_and_aws_by_oidc(name: str, command: str) -> None:
    workflow = _load(name)
    (job,) = workflow["jobs"].values()
    assert job["permissions"]["id-token"] == "write"
    assert job["environment"]
    steps = job["steps"]
    pulumi = [s for s in steps if s.get("uses", "").startswith("pulumi/actions@")]
    assert pulumi and all(_version(str(s["with"]["pulumi-version"])) >= _sdk_version() for s in pulumi)
    (run,) = [s for s in pulumi if s["with"].get("command")]
    assert run["with"]["command"] == command
    credentials = [s for s in steps if s.get("uses", "").startswith("aws-actions/configure-aws-credentials@")]
    (assume,) = credentials
    assert assume["with"]["role-to-assume"].startswith("${{ vars.")
    assert "aws-access-key-id" not in assume["with"]
    assert steps.index(assume) < steps.index(run)


def test_the_preview_is_commented_on_every_pull_request() -> None:
    workflow = _load("preview.yml")
    assert "pull_request" in workflow["on"] and "pull_request_target" not in workflow["on"]
    (job,) = workflow["jobs"].values()
    assert job["permissions"] == {"contents": "read", "id-token": "write", "pull-requests": "write"}
    (run,) = [s for s in job["steps"] if s.get("with", {}).get("command") == "preview"]
    assert run["with"]["comment-on-pr"] is True


def test_the_deploy_runs_on_main_behind_an_environment_one_at_a_time() -> None:
    workflow = _load("deploy.yml")
    assert workflow["on"] == {"push": {"branches": ["main"]}}
    assert workflow["concurrency"]["cancel-in-progress"] is False
    (job,) = workflow["jobs"].values()
    assert job["environment"] == "production"
    assert job["permissions"] == {"contents": "read", "id-token": "write"}
