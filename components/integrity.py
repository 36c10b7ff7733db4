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

import functools
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components import routes
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
    parts = contract.INTEGRITY_RESOURCE.strip("/").split("/")
    return ["/" + "/".join(parts[: i + 1]) for i in range(len(parts))]


def _source_arn(execution_arn: str, *, method: str) -> str:
    return f"{execution_arn}/*/{method}{contract.INTEGRITY_RESOURCE}"


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
    tags = dict(tags or {})
    api = aws.apigateway.RestApi(f"{name}-integrity", tags=tags, **API_SETTINGS)
    # Everything the stage serves, hashed into the deployment's trigger (as the index's and the
    # exchange's): a replaced function or a changed setting redeploys the stage.
    snapshot: dict[str, Any] = {"api": API_SETTINGS, "resources": {}, "methods": {}, "integrations": {}}
    parent: pulumi.Input[str] = api.root_resource_id
    resource: aws.apigateway.Resource | None = None
    for number, path in enumerate(resource_paths()):
        resource = aws.apigateway.Resource(
            f"{name}-integrity-{number}",
            rest_api=api.id,
            parent_id=parent,
            path_part=path.rsplit("/", 1)[1],
        )
        snapshot["resources"][path] = [resource.id, path.rsplit("/", 1)[1]]
        parent = resource.id
    assert resource is not None
    integrations = []
    for method in METHODS:
        method_resource = aws.apigateway.Method(
            f"{name}-integrity-{method.lower()}",
            rest_api=api.id,
            resource_id=resource.id,
            http_method=method,
            authorization="NONE",
        )
        integration = aws.apigateway.Integration(
            f"{name}-integrity-{method.lower()}",
            rest_api=api.id,
            resource_id=resource.id,
            http_method=method_resource.http_method,
            type="AWS_PROXY",
            integration_http_method="POST",
            uri=function.invoke_arn,
        )
        integrations.append(integration)
        snapshot["methods"][method] = [method_resource.id, method, "NONE"]
        snapshot["integrations"][method] = [integration.id, "AWS_PROXY", integration.uri]
        aws.lambda_.Permission(
            f"{name}-integrity-{method.lower()}-invoke",
            action="lambda:InvokeFunction",
            function=function.name,
            principal="apigateway.amazonaws.com",
            source_arn=api.execution_arn.apply(functools.partial(_source_arn, method=method)),
        )
    deployment = aws.apigateway.Deployment(
        f"{name}-integrity",
        rest_api=api.id,
        description="Serverless PyPI Integrity API",
        triggers={"redeploy": pulumi.Output.from_input(snapshot).apply(routes.deployment_trigger)},
        opts=pulumi.ResourceOptions(depends_on=integrations),
    )
    stage = aws.apigateway.Stage(
        f"{name}-integrity", rest_api=api.id, deployment=deployment.id, stage_name=STAGE, tags=tags
    )
    mapping = aws.apigateway.BasePathMapping(
        f"{name}-integrity-mapping",
        rest_api=api.id,
        stage_name=stage.stage_name,
        domain_name=domain.domain_name,
        base_path=contract.INTEGRITY_BASE_PATH,
    )
    return IntegrityApi(api, stage, mapping)
