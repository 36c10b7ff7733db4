"""Trusted publishing, the pure part: publishers, OIDC token verification and the claim rules.

Warehouse (``warehouse/oidc/``) is the reference: RS256 only; ``iss``, ``aud`` (exactly one),
``iat`` and ``exp`` required, ``nbf`` checked when present, 30 s of leeway; for GitHub the
``repository`` (case-insensitive), ``repository_owner_id`` when recorded, the workflow file named
by ``job_workflow_ref``, the ``environment`` when the publisher names one, and never an
``event_name`` of ``pull_request_target``. Every refusal is a :class:`TokenRequestFailed` carrying
the code and description of the 422 body the clients show.

Imported only by the token exchange: PyJWT and cryptography never load on a page read.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import jwt

from handlers.names import NormalizedName, is_valid_project_name, normalize

GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
#: Issuers trusted when the deployment names none.
DEFAULT_ISSUERS = (GITHUB_ISSUER,)
ALGORITHMS = ["RS256"]
LEEWAY = 30
REQUIRED_CLAIMS = ["iss", "aud", "iat", "exp"]
_REPOSITORY = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,99})/[A-Za-z0-9._-]{1,100}$")
_WORKFLOW = re.compile(r"^[A-Za-z0-9._-]{1,200}\.ya?ml$")
_ENVIRONMENT = re.compile(r"^[^\x00-\x1f/]{1,255}$")
_NAMESPACE = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")


class TokenRequestFailed(Exception):
    """A refused exchange: the 422 body's ``code`` and ``description`` (what to fix)."""

    def __init__(self, code: str, description: str):
        super().__init__(f"{code}: {description}")
        self.code = code
        self.description = description


class InvalidPublisher(ValueError):
    """A publisher record an operator cannot store (the message names the field)."""


@dataclass(frozen=True)
class Publisher:
    """A trusted publisher: which CI identity may publish which projects (an operator's record)."""

    #: ``OWNER/REPO`` as the operator spelled it (compared case-insensitively).
    repository: str
    #: The workflow file name under ``.github/workflows/``, e.g. ``release.yml``.
    workflow: str
    #: Normalized projects the publisher may release (empty when it holds a namespace instead).
    projects: tuple[NormalizedName, ...] = ()
    #: A reserved namespace: the projects equal to it or starting with ``NAMESPACE-``.
    namespace: str | None = None
    #: The GitHub environment the job must run in, when set.
    environment: str | None = None
    #: The issuer of the CI's OIDC tokens.
    issuer: str = GITHUB_ISSUER
    #: GitHub's numeric owner id (``repository_owner_id``), guarding against a re-registered owner.
    repository_owner_id: str | None = None
    created: int = field(default_factory=lambda: int(time.time()))

    def __post_init__(self) -> None:
        if not _REPOSITORY.match(self.repository):
            raise InvalidPublisher(f"--repository must be OWNER/REPO, not {self.repository!r}")
        if not _WORKFLOW.match(self.workflow):
            raise InvalidPublisher(
                "--workflow is a file name under .github/workflows/ such as release.yml, "
                f"not {self.workflow!r}"
            )
        if self.environment is not None and not _ENVIRONMENT.match(self.environment):
            raise InvalidPublisher(f"--environment {self.environment!r} is not a GitHub environment name")
        if bool(self.projects) == bool(self.namespace):
            raise InvalidPublisher("a publisher names either projects (--project) or one --namespace")
        if self.namespace is not None and not _NAMESPACE.match(self.namespace):
            raise InvalidPublisher(f"--namespace {self.namespace!r} is not a normalized project name prefix")
        if not self.issuer.startswith(("https://", "http://")):
            raise InvalidPublisher(f"--issuer must be an https URL, not {self.issuer!r}")

    @property
    def ident(self) -> str:
        """A stable short id (what ``publisher remove`` takes): a hash of what the publisher matches."""
        import hashlib

        what = json.dumps(
            [
                self.issuer,
                self.repository.lower(),
                self.workflow,
                self.environment,
                self.projects,
                self.namespace,
            ]
        )
        return hashlib.sha256(what.encode()).hexdigest()[:12]

    def covers(self, project: NormalizedName) -> bool:
        """True when a token minted for this publisher may upload ``project``."""
        if self.namespace is not None:
            return project == self.namespace or project.startswith(self.namespace + "-")
        return project in self.projects

    def describe(self) -> str:
        """One line for ``publisher list`` and the log."""
        scope = f"namespace {self.namespace}" if self.namespace else ", ".join(self.projects)
        env = f" environment {self.environment}" if self.environment else ""
        return f"{self.ident}  {self.repository} {self.workflow}{env} -> {scope}  ({self.issuer})"

    def to_json(self) -> bytes:
        """The stored form."""
        return json.dumps(
            {
                "repository": self.repository,
                "workflow": self.workflow,
                "projects": list(self.projects),
                "namespace": self.namespace,
                "environment": self.environment,
                "issuer": self.issuer,
                "repository_owner_id": self.repository_owner_id,
                "created": self.created,
            },
            sort_keys=True,
        ).encode()

    @classmethod
    def from_json(cls, data: bytes) -> Publisher:
        """Read a stored record."""
        raw: dict[str, Any] = json.loads(data)
        return cls(
            repository=str(raw["repository"]),
            workflow=str(raw["workflow"]),
            projects=tuple(normalize(p) for p in raw.get("projects") or ()),
            namespace=raw.get("namespace"),
            environment=raw.get("environment"),
            issuer=str(raw.get("issuer") or GITHUB_ISSUER),
            repository_owner_id=raw.get("repository_owner_id"),
            created=int(raw.get("created") or 0),
        )


def new_publisher(
    *,
    repository: str,
    workflow: str,
    projects: tuple[str, ...] = (),
    namespace: str | None = None,
    environment: str | None = None,
    issuer: str = GITHUB_ISSUER,
    repository_owner_id: str | None = None,
) -> Publisher:
    """A publisher from an operator's arguments (project names checked and normalized)."""
    for project in projects:
        if not is_valid_project_name(project):
            raise InvalidPublisher(f"--project {project!r} is not a valid project name")
    return Publisher(
        repository=repository,
        workflow=workflow.rsplit("/", 1)[-1],
        projects=tuple(dict.fromkeys(normalize(p) for p in projects)),
        namespace=normalize(namespace) if namespace else None,
        environment=environment or None,
        issuer=issuer.rstrip("/"),
        repository_owner_id=repository_owner_id or None,
    )


# -- tokens -------------------------------------------------------------------------------------
def unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The header and claims of a JWT before any check (to pick the issuer and the key)."""
    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as error:
        raise TokenRequestFailed("invalid-payload", f"the token is not a JWT: {error}") from error
    if not isinstance(claims, dict):
        raise TokenRequestFailed("invalid-payload", "the token's claims are not a JSON object")
    return header, claims


def issuer_of(claims: Mapping[str, Any], trusted: tuple[str, ...]) -> str:
    """The token's issuer when this index trusts it, else a refusal naming it."""
    issuer = claims.get("iss")
    if not isinstance(issuer, str) or not issuer:
        raise TokenRequestFailed("invalid-token", "the token has no issuer (iss)")
    if issuer.rstrip("/") not in {t.rstrip("/") for t in trusted}:
        raise TokenRequestFailed(
            "invalid-token",
            f"unknown issuer {issuer[:200]!r}: this index trusts tokens of {', '.join(trusted)} only",
        )
    return issuer


def verify(token: str, key: Any, *, issuer: str, audience: str) -> dict[str, Any]:
    """The claims of a token signed by ``key``, after every check of Warehouse; else a refusal."""
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key=key,
            algorithms=ALGORITHMS,
            audience=audience,
            issuer=issuer,
            leeway=LEEWAY,
            options={"require": REQUIRED_CLAIMS, "verify_nbf": True},
        )
    except jwt.ExpiredSignatureError as error:
        raise TokenRequestFailed("invalid-token", "the token has expired: request a fresh one") from error
    except jwt.InvalidAudienceError as error:
        raise TokenRequestFailed(
            "invalid-token", f"wrong audience: ask the CI provider for a token with audience {audience!r}"
        ) from error
    except jwt.InvalidSignatureError as error:
        raise TokenRequestFailed(
            "invalid-token", "bad signature: the token was not signed by its issuer's keys"
        ) from error
    except jwt.PyJWTError as error:
        raise TokenRequestFailed("invalid-token", f"the token is not valid: {error}") from error
    aud = claims.get("aud")
    if isinstance(aud, list) and len(aud) != 1:
        raise TokenRequestFailed("invalid-token", "the token must name exactly one audience")
    return claims


# -- claims -------------------------------------------------------------------------------------
def _claim(claims: Mapping[str, Any], name: str) -> str | None:
    value = claims.get(name)
    return value if isinstance(value, str) and value else None


def workflow_of(claims: Mapping[str, Any]) -> tuple[str, str] | None:
    """``(repository, workflow file)`` from ``job_workflow_ref``.

    >>> workflow_of({"job_workflow_ref": "octo/repo/.github/workflows/release.yml@refs/heads/main"})
    ('octo/repo', 'release.yml')
    """
    ref = _claim(claims, "job_workflow_ref") or _claim(claims, "workflow_ref")
    if ref is None:
        return None
    path = ref.partition("@")[0]
    repository, marker, workflow = path.partition("/.github/workflows/")
    if not marker or not workflow or "/" in workflow:
        return None
    return repository, workflow


def check_claims(claims: Mapping[str, Any], publisher: Publisher) -> None:
    """Refuse unless the token's GitHub claims match ``publisher`` (its repository matched already)."""
    repository = _claim(claims, "repository") or ""
    if repository.lower() != publisher.repository.lower():
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
    if found[1] != publisher.workflow or found[0].lower() != publisher.repository.lower():
        raise TokenRequestFailed(
            "invalid-publisher",
            f"the token comes from workflow {found[0]}/.github/workflows/{found[1]}, "
            f"the publisher names {publisher.workflow}",
        )
    if publisher.environment is not None:
        environment = _claim(claims, "environment")
        if environment is None:
            raise TokenRequestFailed(
                "invalid-publisher",
                f"the publisher requires environment {publisher.environment!r}: "
                "run the job with `environment: " + publisher.environment + "`",
            )
        if environment.lower() != publisher.environment.lower():
            raise TokenRequestFailed(
                "invalid-publisher",
                f"the job ran in environment {environment!r}, "
                f"the publisher requires {publisher.environment!r}",
            )


def match(claims: Mapping[str, Any], candidates: list[Publisher]) -> Publisher:
    """The first publisher the claims satisfy; else the refusal of the closest candidate."""
    if not candidates:
        raise TokenRequestFailed(
            "invalid-publisher",
            f"no trusted publisher for repository {str(claims.get('repository'))[:200]!r}: "
            "an operator adds one with `python -m admin publisher add`",
        )
    # The refusal worth showing is the one of a publisher of the token's own workflow, if any.
    found = workflow_of(claims)
    workflow = found[1] if found is not None else None
    ordered = sorted(candidates, key=lambda p: p.workflow != workflow)
    first: TokenRequestFailed | None = None
    for publisher in ordered:
        try:
            check_claims(claims, publisher)
        except TokenRequestFailed as error:
            first = first or error
            continue
        return publisher
    assert first is not None
    raise first


def error_body(error: TokenRequestFailed) -> dict[str, Any]:
    """The 422 body the clients (uv, pypa/gh-action-pypi-publish) expect."""
    return {
        "message": "Token request failed",
        "errors": [{"code": error.code, "description": error.description}],
    }
