"""GitLab CI/CD's claim rules (Warehouse's ``warehouse/oidc/models/gitlab.py``).

A publisher is a GitLab namespace and project (``NAMESPACE/PROJECT``, subgroups allowed), the path of
the CI file that runs the job (``.gitlab-ci.yml`` by default) and optionally an environment. The
token's ``project_path`` names the publisher (case-insensitive, ASCII only); its ``sub`` must be
``project_path:NAMESPACE/PROJECT[:…]``; its ``ci_config_ref_uri`` must be
``HOST/NAMESPACE/PROJECT//CI_FILE@REF`` where ``REF`` is the token's ``ref_path`` or ``sha`` (both
required) and ``HOST`` the issuer's own (``gitlab.com`` for ``https://gitlab.com``, the host of a
self-managed GitLab); its ``environment`` equals the publisher's exactly when it names one. Every
token carries a ``jti``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from handlers.publishing.oidc import (
    GITLAB_ISSUER,
    InvalidPublisher,
    TokenRequestFailed,
    ascii_claim,
    claim,
    fold,
)

if TYPE_CHECKING:
    from handlers.publishing.publisher import Publisher

NAME = "gitlab"
ISSUER = GITLAB_ISSUER
JTI_REQUIRED = True
DEFAULT_CI_FILE = ".gitlab-ci.yml"
_PART = r"[A-Za-z0-9_.][A-Za-z0-9_.-]{0,254}"
_PROJECT_PATH = re.compile(rf"^{_PART}(?:/{_PART})+$")
_CI_FILE = re.compile(r"^(?!/)(?!.*//)[\x21-\x7e]*[^/\s]\.ya?ml$")
_ENVIRONMENT = re.compile(r"^[\x20-\x7e]{1,255}$")
# The CI file path sits between ``//`` and ``@`` and may hold slashes itself (Warehouse's expression).
_CI_FILE_IN_URI = re.compile(r"(?<=//)(.+[^/]\.(yml|yaml))(?=@)")


def validate(publisher: Publisher) -> None:
    """Refuse a record whose fields GitLab's tokens could never carry."""
    if not _PROJECT_PATH.match(publisher.repository) or ".." in publisher.repository:
        raise InvalidPublisher(
            "--gitlab-namespace and --gitlab-project must name a GitLab project, "
            f"not {publisher.repository!r}"
        )
    if "@" in publisher.workflow or not _CI_FILE.match(publisher.workflow):
        raise InvalidPublisher(
            f"--ci-file is the CI file's path in the project such as {DEFAULT_CI_FILE}, "
            f"not {publisher.workflow!r}"
        )
    if publisher.environment is not None and not _ENVIRONMENT.match(publisher.environment):
        raise InvalidPublisher(f"--environment {publisher.environment!r} is not a GitLab environment name")
    if publisher.sub is not None or publisher.repository_owner_id is not None:
        raise InvalidPublisher("--sub and --repository-owner-id are not GitLab fields")


def workflow_name(text: str) -> str:
    """The CI file's path in the project, ``.gitlab-ci.yml`` when none is given."""
    return text.strip().removeprefix("./") or DEFAULT_CI_FILE


def identity(publisher: Publisher) -> str:
    """What ``publisher list`` shows of the CI identity."""
    env = f" environment {publisher.environment}" if publisher.environment else ""
    return f"{publisher.repository} {publisher.workflow}{env}"


def subject(claims: Mapping[str, Any]) -> str:
    """The ``project_path`` claim, by which the exchange finds the candidate publishers."""
    project_path = ascii_claim(claims, "project_path")
    if project_path is None or "/" not in project_path:
        raise TokenRequestFailed("invalid-publisher", "the token names no GitLab project (project_path)")
    ascii_claim(claims, "namespace_path")
    return project_path


def host(issuer: str) -> str:
    """How ``ci_config_ref_uri`` names the GitLab instance of ``issuer``.

    >>> host("https://gitlab.com"), host("https://git.example.com/gitlab/")
    ('gitlab.com', 'git.example.com/gitlab')
    """
    parts = urlsplit(issuer)
    return (parts.netloc + parts.path).rstrip("/")


def ci_file_of(claims: Mapping[str, Any]) -> str | None:
    """The CI file's path from ``ci_config_ref_uri``."""
    uri = ascii_claim(claims, "ci_config_ref_uri")
    found = _CI_FILE_IN_URI.search(uri) if uri is not None else None
    return found.group(0) if found is not None else None


def preference(claims: Mapping[str, Any], publisher: Publisher) -> tuple[bool, ...]:
    """Candidates of the token's own CI file first, and of its environment before any environment."""
    try:
        ci_file = ci_file_of(claims)
    except TokenRequestFailed:
        ci_file = None
    return (publisher.workflow != ci_file, publisher.environment is None)


def check(claims: Mapping[str, Any], publisher: Publisher, issuer: str) -> None:
    """Refuse unless the token's GitLab claims match ``publisher``."""
    project_path = subject(claims)
    if fold(project_path) != fold(publisher.repository):
        raise TokenRequestFailed(
            "invalid-publisher", f"the token is for project {project_path!r}, not {publisher.repository}"
        )
    sub = ascii_claim(claims, "sub") or ""
    parts = sub.split(":")
    if len(parts) < 2 or fold(f"{parts[0]}:{parts[1]}") != fold(f"project_path:{publisher.repository}"):
        raise TokenRequestFailed(
            "invalid-publisher", f"the token's sub {sub[:200]!r} is not project_path:{publisher.repository}"
        )
    uri = ascii_claim(claims, "ci_config_ref_uri")
    if uri is None:
        raise TokenRequestFailed("invalid-publisher", "the token has no ci_config_ref_uri")
    ref_path, sha = claim(claims, "ref_path"), claim(claims, "sha")
    if ref_path is None or sha is None:
        raise TokenRequestFailed("invalid-publisher", "the token has no ref_path and sha")
    # The project part is compared without case (GitLab's paths ignore it), the CI file and ref exactly.
    project = f"{host(issuer)}/{publisher.repository}//"
    if fold(uri[: len(project)]) != fold(project) or uri[len(project) :] not in {
        f"{publisher.workflow}@{ref_path}",
        f"{publisher.workflow}@{sha}",
    }:
        raise TokenRequestFailed(
            "invalid-publisher",
            f"the token comes from CI file {uri[:300]!r}, the publisher names "
            f"{project}{publisher.workflow}@{ref_path}",
        )
    environment = ascii_claim(claims, "environment")
    if publisher.environment is not None:
        if environment is None:
            raise TokenRequestFailed(
                "invalid-publisher",
                f"the publisher requires environment {publisher.environment!r}: "
                f"run the job with `environment: {publisher.environment}`",
            )
        if environment != publisher.environment:
            raise TokenRequestFailed(
                "invalid-publisher",
                f"the job ran in environment {environment!r}, "
                f"the publisher requires {publisher.environment!r}",
            )
