"""GitHub Actions' claim rules (Warehouse's ``warehouse/oidc/models/github.py``).

A publisher is ``OWNER/REPO`` and a workflow file under ``.github/workflows/``, optionally an
environment and the owner's numeric id. The token's ``repository`` (case-insensitive, ASCII only)
names the publisher; its ``job_workflow_ref`` must name the same repository and workflow file, its
``environment`` the publisher's (case-insensitive) when it names one, its ``repository_owner_id`` the
recorded one, and its ``event_name`` is never ``pull_request_target``. Every token carries a ``jti``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from handlers.publishing.oidc import GITHUB_ISSUER, InvalidPublisher, TokenRequestFailed, ascii_claim, fold

if TYPE_CHECKING:
    from handlers.publishing.publisher import Publisher

NAME = "github"
ISSUER = GITHUB_ISSUER
JTI_REQUIRED = True
_REPOSITORY = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,99})/[A-Za-z0-9._-]{1,100}$")
_WORKFLOW = re.compile(r"^[A-Za-z0-9._-]{1,200}\.ya?ml$")
_ENVIRONMENT = re.compile(r"^[\x20-\x7e]{1,255}$")


def validate(publisher: Publisher) -> None:
    """Refuse a record whose fields GitHub's tokens could never carry."""
    if not _REPOSITORY.match(publisher.repository):
        raise InvalidPublisher(f"--repository must be OWNER/REPO, not {publisher.repository!r}")
    if not _WORKFLOW.match(publisher.workflow):
        raise InvalidPublisher(
            "--workflow is a file name under .github/workflows/ such as release.yml, "
            f"not {publisher.workflow!r}"
        )
    if publisher.environment is not None and (
        not _ENVIRONMENT.match(publisher.environment) or "/" in publisher.environment
    ):
        raise InvalidPublisher(f"--environment {publisher.environment!r} is not a GitHub environment name")
    if publisher.sub is not None:
        raise InvalidPublisher("--sub is for Google Cloud publishers")


def workflow_name(text: str) -> str:
    """The operator may give the workflow's path: only its file name counts."""
    return text.rsplit("/", 1)[-1]


def identity(publisher: Publisher) -> str:
    """What ``publisher list`` shows of the CI identity."""
    env = f" environment {publisher.environment}" if publisher.environment else ""
    return f"{publisher.repository} {publisher.workflow}{env}"


def subject(claims: Mapping[str, Any]) -> str:
    """The ``repository`` claim, by which the exchange finds the candidate publishers."""
    repository = ascii_claim(claims, "repository")
    if repository is None or "/" not in repository:
        raise TokenRequestFailed("invalid-publisher", "the token names no repository")
    ascii_claim(claims, "repository_owner")
    return repository


def workflow_of(claims: Mapping[str, Any]) -> tuple[str, str] | None:
    """``(repository, workflow file)`` from ``job_workflow_ref``.

    >>> workflow_of({"job_workflow_ref": "octo/repo/.github/workflows/release.yml@refs/heads/main"})
    ('octo/repo', 'release.yml')
    """
    ref = ascii_claim(claims, "job_workflow_ref") or ascii_claim(claims, "workflow_ref")
    if ref is None:
        return None
    path = ref.partition("@")[0]
    repository, marker, workflow = path.partition("/.github/workflows/")
    if not marker or not workflow or "/" in workflow:
        return None
    return repository, workflow


def preference(claims: Mapping[str, Any], publisher: Publisher) -> tuple[bool, ...]:
    """Candidates of the token's own workflow first: their refusal is the one worth showing."""
    try:
        found = workflow_of(claims)
    except TokenRequestFailed:
        found = None
    return (found is None or publisher.workflow != found[1], publisher.environment is None)


def check(claims: Mapping[str, Any], publisher: Publisher, issuer: str) -> None:
    """Refuse unless the token's GitHub claims match ``publisher``."""
    repository = subject(claims)
    if fold(repository) != fold(publisher.repository):
        raise TokenRequestFailed(
            "invalid-publisher", f"the token is for repository {repository!r}, not {publisher.repository}"
        )
    if publisher.repository_owner_id is not None and (
        str(claims.get("repository_owner_id")) != publisher.repository_owner_id
    ):
        raise TokenRequestFailed(
            "invalid-publisher",
            "the repository's owner id differs from the one recorded: the owner was renamed or replaced",
        )
    if claims.get("event_name") == "pull_request_target":
        raise TokenRequestFailed(
            "invalid-publisher",
            "workflows triggered by pull_request_target may not publish (they run code from forks)",
        )
    found = workflow_of(claims)
    if found is None:
        raise TokenRequestFailed(
            "invalid-publisher", "the token has no job_workflow_ref naming a workflow file"
        )
    if found[1] != publisher.workflow or fold(found[0]) != fold(publisher.repository):
        raise TokenRequestFailed(
            "invalid-publisher",
            f"the token comes from workflow {found[0]}/.github/workflows/{found[1]}, "
            f"the publisher names {publisher.workflow}",
        )
    environment = ascii_claim(claims, "environment")
    if publisher.environment is not None:
        if environment is None:
            raise TokenRequestFailed(
                "invalid-publisher",
                f"the publisher requires environment {publisher.environment!r}: "
                "run the job with `environment: " + publisher.environment + "`",
            )
        if fold(environment) != fold(publisher.environment):
            raise TokenRequestFailed(
                "invalid-publisher",
                f"the job ran in environment {environment!r}, "
                f"the publisher requires {publisher.environment!r}",
            )
