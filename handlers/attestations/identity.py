"""Which signing identity a trusted publisher stands for: the seam between our publisher records and
``pypi-attestations``' publishers (pure).

Each provider of :mod:`handlers.publishing.providers` maps to the publisher kind PyPI verifies
against: GitHub -> ``GitHubPublisher`` (the certificate from GitHub Actions, for the publisher's
repository and workflow file; the environment is recorded, as PyPI does, not checked: Fulcio
certificates do not carry it), GitLab -> ``GitLabPublisher`` (its project and CI file), Google ->
``GooglePublisher`` (its service account email). A provider added later without a mapping here has
no identity and is refused like an unknown signer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from handlers.publishing.publisher import Publisher

if TYPE_CHECKING:
    from typing import TypeAlias

    from pypi_attestations import GitHubPublisher, GitLabPublisher, GooglePublisher

    Identity: TypeAlias = GitHubPublisher | GitLabPublisher | GooglePublisher


def identity_of(publisher: Publisher) -> Identity | None:
    """The ``pypi-attestations`` publisher an attestation signed by ``publisher`` must name, or None
    when this index cannot tell that publisher's signatures."""
    from pypi_attestations import GitHubPublisher, GitLabPublisher, GooglePublisher

    if publisher.provider == "github":
        return GitHubPublisher(
            repository=publisher.repository, workflow=publisher.workflow, environment=publisher.environment
        )
    if publisher.provider == "gitlab":
        return GitLabPublisher(
            repository=publisher.repository,
            workflow_filepath=publisher.workflow,
            environment=publisher.environment,
        )
    if publisher.provider == "google":
        return GooglePublisher(email=publisher.repository)
    return None


def describe(identity: Identity) -> str:
    """One line naming the identity, for a refusal's message."""
    workflow = getattr(identity, "workflow", None) or getattr(identity, "workflow_filepath", "")
    who = getattr(identity, "repository", None) or getattr(identity, "email", "")
    return f"{who} {workflow} ({identity.kind})".replace("  ", " ")
