"""PEP 740's Integrity API as a REST API of its own, mapped at base path ``integrity`` of the custom
domain: ``GET /integrity/<project>/<version>/<filename>/provenance`` at the host's root, as PyPI
serves it, beside ``/simple/`` and ``/_/oidc/``.

The index's REST API stays exactly as it is (its routes ``/`` and ``/{package+}``); this API has one
resource path, :data:`handlers.contract.INTEGRITY_RESOURCE`, with GET and HEAD, each an ``AWS_PROXY``
integration with the index's API function, which tells it by the event's ``resource``. Its
execute-api endpoint is off: the domain is the only way in, so a stack without a domain has no
Integrity API (its pages still link ``../../integrity/…``, which such a host does not answer).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi_aws as aws

from components import domain_api
from handlers import contract

#: The stage the base path ``integrity`` maps to.
STAGE = "integrity"
METHODS = ("GET", "HEAD")
#: The Integrity API's own settings, which its deployment trigger covers too.
API_SETTINGS: dict[str, Any] = {
    "description": "Serverless PyPI: PEP 740 provenance (/integrity/*)",
    "endpoint_configuration": {"types": "REGIONAL"},
    "binary_media_types": ["*/*"],
    # The custom domain is the only way in.
    "disable_execute_api_endpoint": True,
}


def resource_paths() -> list[str]:
    """The resource paths of the API, parents first.

    >>> resource_paths()[-1]
    '/{project}/{version}/{filename}/provenance'
    """
    return domain_api.resource_paths([contract.INTEGRITY_RESOURCE])


@dataclass(frozen=True)
class IntegrityApi:
    """What :func:`integrity_api` created."""

    rest_api: aws.apigateway.RestApi
    stage: aws.apigateway.Stage
    mapping: aws.apigateway.BasePathMapping


def integrity_api(
    name: str,
    *,
    function: aws.lambda_.Function,
    domain: aws.apigateway.DomainName,
    tags: dict[str, str] | None = None,
) -> IntegrityApi:
    """The Integrity API's REST API, its stage and the ``integrity`` mapping on ``domain``."""
    numbers = {path: number for number, path in enumerate(resource_paths())}
    built = domain_api.domain_api(
        f"{name}-integrity",
        settings=API_SETTINGS,
        route_table={contract.INTEGRITY_RESOURCE: METHODS},
        function=function,
        domain=domain,
        base_paths={"mapping": contract.INTEGRITY_BASE_PATH},
        stage_name=STAGE,
        description="Serverless PyPI Integrity API",
        tags=tags,
        # The names (and the trigger's keys) its stacks have: resources by depth, routes by method.
        resource_name=lambda path: f"{name}-integrity-{numbers[path]}",
        route_name=lambda path, method: f"{name}-integrity-{method.lower()}",
        snapshot_key=lambda path, method: method,
    )
    return IntegrityApi(built.rest_api, built.stage, built.mappings["mapping"])
