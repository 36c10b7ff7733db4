"""The web view's own REST API (pages for people), mapped at base path ``project`` of the custom domain.

The index's REST API keeps exactly its routes (``/`` and ``/{package+}``); this second API has ``/``
and ``/{view+}`` (GET and HEAD), each an ``AWS_PROXY`` integration with the index's API function,
which tells a view's event by its stage, ``project``. Served only on the custom domain, beside
``/simple/``: the view's install lines name the index at ``../simple/`` of the page's own URL. Its
execute-api endpoint is off.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components import routes
from handlers import contract

#: Each resource of the view API and its methods.
ROUTES = {"/": ("GET", "HEAD"), contract.VIEWS_RESOURCE: ("GET", "HEAD")}
#: The view API's own settings, which its deployment trigger covers too.
API_SETTINGS: dict[str, Any] = {
    "description": "Serverless PyPI: pages for people (/project/*)",
    "endpoint_configuration": {"types": "REGIONAL"},
    "binary_media_types": ["*/*"],
    # The custom domain is the only way in.
    "disable_execute_api_endpoint": True,
}


def _source_arn(execution_arn: str, *, method: str, path: str) -> str:
    return f"{execution_arn}/*/{method}{'/*' if path != '/' else '/'}"


@dataclass(frozen=True)
class ViewsApi:
    """What :func:`views_api` created."""

    rest_api: aws.apigateway.RestApi
    stage: aws.apigateway.Stage
    mapping: aws.apigateway.BasePathMapping


def views_api(
    name: str,
    *,
    function: aws.lambda_.Function,
    domain: aws.apigateway.DomainName,
    tags: dict[str, str] | None = None,
) -> ViewsApi:
    """The web view's REST API, its stage ``project`` and the ``project`` mapping on ``domain``."""
    tags = dict(tags or {})
    api = aws.apigateway.RestApi(f"{name}-views", tags=tags, **API_SETTINGS)
    # Everything the stage serves, hashed into the deployment's trigger (as the index's and the
    # exchange's): a replaced function or a changed setting redeploys the stage.
    snapshot: dict[str, Any] = {"api": API_SETTINGS, "resources": {}, "methods": {}, "integrations": {}}
    proxy = aws.apigateway.Resource(
        f"{name}-views-proxy", rest_api=api.id, parent_id=api.root_resource_id, path_part="{view+}"
    )
    snapshot["resources"]["/{view+}"] = [proxy.id, "{view+}"]
    integrations = []
    for path, methods in ROUTES.items():
        resource_id = api.root_resource_id if path == "/" else proxy.id
        slug = "root" if path == "/" else "proxy"
        for method in methods:
            declared = aws.apigateway.Method(
                f"{name}-views-{slug}-{method.lower()}",
                rest_api=api.id,
                resource_id=resource_id,
                http_method=method,
                authorization="NONE",
            )
            integration = aws.apigateway.Integration(
                f"{name}-views-{slug}-{method.lower()}",
                rest_api=api.id,
                resource_id=resource_id,
                http_method=declared.http_method,
                type="AWS_PROXY",
                integration_http_method="POST",
                uri=function.invoke_arn,
            )
            integrations.append(integration)
            snapshot["methods"][f"{method} {path}"] = [declared.id, method, "NONE"]
            snapshot["integrations"][f"{method} {path}"] = [integration.id, "AWS_PROXY", integration.uri]
            aws.lambda_.Permission(
                f"{name}-views-{slug}-{method.lower()}-invoke",
                action="lambda:InvokeFunction",
                function=function.name,
                principal="apigateway.amazonaws.com",
                source_arn=api.execution_arn.apply(functools.partial(_source_arn, method=method, path=path)),
            )
    deployment = aws.apigateway.Deployment(
        f"{name}-views",
        rest_api=api.id,
        description="Serverless PyPI web view",
        triggers={"redeploy": pulumi.Output.from_input(snapshot).apply(routes.deployment_trigger)},
        opts=pulumi.ResourceOptions(depends_on=integrations),
    )
    stage = aws.apigateway.Stage(
        f"{name}-views", rest_api=api.id, deployment=deployment.id, stage_name=contract.VIEWS_STAGE, tags=tags
    )
    mapping = aws.apigateway.BasePathMapping(
        f"{name}-views-mapping",
        rest_api=api.id,
        stage_name=stage.stage_name,
        domain_name=domain.domain_name,
        base_path=contract.VIEWS_BASE_PATH,
    )
    return ViewsApi(api, stage, mapping)
