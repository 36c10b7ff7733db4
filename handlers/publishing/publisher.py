"""A trusted publisher: which CI identity (provider, issuer, and what the provider's tokens name) may
publish which projects. An operator's record: the admin CLI writes it, the exchange reads it.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from handlers.names import NormalizedName, is_valid_project_name, normalize
from handlers.publishing import providers
from handlers.publishing.oidc import GITHUB_ISSUER, InvalidPublisher


@dataclass(frozen=True)
class Publisher:
    """A trusted publisher: which CI identity may publish which projects (an operator's record).

    ``repository`` and ``workflow`` mean what the provider's tokens name: GitHub ``OWNER/REPO`` and a
    workflow file; GitLab ``NAMESPACE/PROJECT`` and the CI file path; Google the service account's
    email and no workflow (``sub`` optional). The provider's module checks them.
    """

    #: ``OWNER/REPO``, ``NAMESPACE/PROJECT`` or a service account email, as the operator spelled it.
    repository: str
    #: GitHub's workflow file under ``.github/workflows/``; GitLab's CI file path; ``""`` for Google.
    workflow: str
    #: Normalized projects the publisher may release (empty when it holds a namespace instead).
    projects: tuple[NormalizedName, ...] = ()
    #: A reserved namespace: the projects equal to it or starting with ``NAMESPACE-``.
    namespace: str | None = None
    #: The CI environment the job must run in, when set (GitHub, GitLab).
    environment: str | None = None
    #: The issuer of the CI's OIDC tokens.
    issuer: str = GITHUB_ISSUER
    #: GitHub's numeric owner id (``repository_owner_id``), guarding against a re-registered owner.
    repository_owner_id: str | None = None
    created: int = field(default_factory=lambda: int(time.time()))
    #: Whose claim rules apply: ``github``, ``gitlab`` or ``google`` (handlers/publishing/providers.py).
    provider: str = "github"
    #: Google's ``sub`` the token must carry, when set.
    sub: str | None = None

    def __post_init__(self) -> None:
        rules = providers.PROVIDERS.get(self.provider)
        if rules is None:
            raise InvalidPublisher(f"--provider must be one of {', '.join(providers.PROVIDERS)}")
        rules.validate(self)
        if bool(self.projects) == bool(self.namespace):
            raise InvalidPublisher("a publisher names either projects (--project) or one --namespace")
        if self.namespace is not None and (normalize(self.namespace) != self.namespace or not self.namespace):
            raise InvalidPublisher(f"--namespace {self.namespace!r} is not a normalized project name prefix")
        if not self.issuer.startswith(("https://", "http://")):
            raise InvalidPublisher(f"--issuer must be an https URL, not {self.issuer!r}")

    @property
    def ident(self) -> str:
        """A stable short id (what ``publisher remove`` takes): a hash of what the publisher matches."""
        import hashlib

        what: list[Any] = [
            self.issuer,
            self.repository.lower(),
            self.workflow,
            self.environment,
            self.projects,
            self.namespace,
        ]
        if self.provider != "github":  # GitHub publishers keep the ids they had before providers
            what += [self.provider, self.sub]
        return hashlib.sha256(json.dumps(what).encode()).hexdigest()[:12]

    def covers(self, project: NormalizedName) -> bool:
        """True when a token minted for this publisher may upload ``project``."""
        if self.namespace is not None:
            return project == self.namespace or project.startswith(self.namespace + "-")
        return project in self.projects

    def describe(self) -> str:
        """One line for ``publisher list`` and the log: id, provider, identity, scope, issuer."""
        scope = f"namespace {self.namespace}" if self.namespace else ", ".join(self.projects)
        who = providers.PROVIDERS[self.provider].identity(self)
        return f"{self.ident}  {self.provider} {who} -> {scope}  ({self.issuer})"

    def to_json(self) -> bytes:
        """The stored form."""
        return json.dumps(
            {
                "provider": self.provider,
                "repository": self.repository,
                "workflow": self.workflow,
                "projects": list(self.projects),
                "namespace": self.namespace,
                "environment": self.environment,
                "issuer": self.issuer,
                "repository_owner_id": self.repository_owner_id,
                "sub": self.sub,
                "created": self.created,
            },
            sort_keys=True,
        ).encode()

    @classmethod
    def from_json(cls, data: bytes) -> Publisher:
        """Read a stored record (one written before providers is GitHub's)."""
        raw: dict[str, Any] = json.loads(data)
        return cls(
            repository=str(raw["repository"]),
            workflow=str(raw.get("workflow") or ""),
            projects=tuple(normalize(p) for p in raw.get("projects") or ()),
            namespace=raw.get("namespace"),
            environment=raw.get("environment"),
            issuer=str(raw.get("issuer") or GITHUB_ISSUER),
            repository_owner_id=raw.get("repository_owner_id"),
            created=int(raw.get("created") or 0),
            provider=str(raw.get("provider") or "github"),
            sub=raw.get("sub"),
        )


def new_publisher(
    *,
    repository: str,
    workflow: str = "",
    projects: tuple[str, ...] = (),
    namespace: str | None = None,
    environment: str | None = None,
    issuer: str | None = None,
    repository_owner_id: str | None = None,
    provider: str = "github",
    sub: str | None = None,
) -> Publisher:
    """A publisher from an operator's arguments (project names checked and normalized)."""
    rules = providers.PROVIDERS.get(provider)
    if rules is None:
        raise InvalidPublisher(f"--provider must be one of {', '.join(providers.PROVIDERS)}")
    for project in projects:
        if not is_valid_project_name(project):
            raise InvalidPublisher(f"--project {project!r} is not a valid project name")
    return Publisher(
        repository=repository,
        workflow=rules.workflow_name(workflow),
        projects=tuple(dict.fromkeys(normalize(p) for p in projects)),
        namespace=normalize(namespace) if namespace else None,
        environment=environment or None,
        issuer=(issuer or rules.ISSUER).rstrip("/"),
        repository_owner_id=repository_owner_id or None,
        provider=provider,
        sub=sub or None,
    )
