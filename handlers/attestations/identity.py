"""Which signing identity a trusted publisher stands for: the seam between our publisher records and
``pypi-attestations``' publishers (pure).

A GitHub publisher (issuer ``token.actions.githubusercontent.com``) becomes a ``GitHubPublisher``:
the certificate must come from GitHub Actions, for the publisher's repository, from its workflow file
(the environment is recorded, as PyPI does, not checked: Fulcio certificates do not carry it). Any
other issuer has no identity yet and is refused like an unknown signer; GitLab's publisher
(``GitLabPublisher(repository=..., workflow_filepath=...)``) plugs in here once publishing knows it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from handlers.publishing.oidc import GITHUB_ISSUER, Publisher

if TYPE_CHECKING:
    from pypi_attestations import GitHubPublisher


def identity_of(publisher: Publisher) -> GitHubPublisher | None:
    """The ``pypi-attestations`` publisher an attestation signed by ``publisher`` must name, or None
    when this index cannot tell that publisher's signatures yet."""
    from pypi_attestations import GitHubPublisher

    if publisher.issuer.rstrip("/") == GITHUB_ISSUER:
        return GitHubPublisher(
            repository=publisher.repository, workflow=publisher.workflow, environment=publisher.environment
        )
    return None  # GitLab, Google: their claim rules arrive with issue 25
