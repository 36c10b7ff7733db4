"""The web view's own REST API (pages for people), mapped at base path ``project`` of the custom domain.

The index's REST API keeps exactly its routes (``/`` and ``/{package+}``); this second API has ``/``
and ``/{view+}`` (GET and HEAD), each an ``AWS_PROXY`` integration with the index's API function,
which tells a view's event by its stage, ``project``. Served only on the custom domain, beside
``/simple/``: the view's install lines name the index at ``../simple/`` of the page's own URL. Its
execute-api endpoint is off.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi_aws as aws

from components import domain_api
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
#: Each route's fragment of its resource names.
_SLUGS = {"/": "root", contract.VIEWS_RESOURCE: "proxy"}


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
    built = domain_api.domain_api(
        f"{name}-views",
        settings=API_SETTINGS,
        route_table=ROUTES,
        function=function,
        domain=domain,
        base_paths={"mapping": contract.VIEWS_BASE_PATH},
        stage_name=contract.VIEWS_STAGE,
        description="Serverless PyPI web view",
        tags=tags,
        # The names its stacks have: the root's routes and the proxy's.
        resource_name=lambda path: f"{name}-views-{_SLUGS[path]}",
        route_name=lambda path, method: f"{name}-views-{_SLUGS[path]}-{method.lower()}",
    )
    return ViewsApi(built.rest_api, built.stage, built.mappings["mapping"])
