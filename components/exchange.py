"""The trusted publishing exchange's own REST API, mapped at base path ``_`` of the custom domain.

Clients keep only the publish URL's host and ask ``https://HOST/_/oidc/…``, so the exchange must
answer at the host root; the index's REST API and its routes stay exactly as they are (a project
named ``oidc`` is still ``/simple/oidc/``). This second API has one resource per exchange route
(``/oidc/audience`` GET, ``/oidc/mint-token``, ``/oidc/github/mint-token``, ``/oidc/burn-token``
POST, and PEP 807's discovery ``/pytp/{key}`` GET), each an ``AWS_PROXY`` integration with the
index's API function, which tells the exchange by the event's ``resource``. It is mapped at base
path ``.well-known`` too, so ``https://HOST/.well-known/pytp/<key>`` reaches discovery. Its
execute-api endpoint is off: the domain is the only way in. Its deployment is replaced whenever what
the stage serves changes (a route, the function behind it, the API's settings), and with ``alarms`` a
CloudWatch alarm watches its 5XX answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components import domain_api, observability, routes
from components.domain_api import invoke_source_arn as invoke_source_arn
from components.domain_api import slug as slug
from components.serverless_pypi import metric_alarm
from handlers import contract

#: The stage of the exchange API (what the base path ``_`` maps to).
STAGE = "oidc"
#: Throttling of the exchange stage: a CI job makes three requests; a flood of forged tokens gets 429s.
BURST_LIMIT = 50
RATE_LIMIT = 20

#: The exchange API's own settings, which its deployment trigger covers too.
API_SETTINGS: dict[str, Any] = {
    "description": "Serverless PyPI: trusted publishing token exchange (/_/oidc/*)",
    "endpoint_configuration": {"types": "REGIONAL"},
    # Every body passes as bytes, as in the index's API.
    "binary_media_types": ["*/*"],
    "disable_execute_api_endpoint": True,
}


def resource_paths() -> list[str]:
    """Every resource path of the exchange API, parents first.

    >>> resource_paths()[:4]
    ['/oidc', '/oidc/audience', '/oidc/burn-token', '/oidc/github']
    """
    return domain_api.resource_paths(list(contract.OIDC_ROUTES))


def deployment_trigger(snapshot: Mapping[str, Any]) -> str:
    """The hash of everything the exchange's stage serves (as :func:`routes.deployment_trigger`):
    its resources, methods, integrations with their targets and the API's settings, ids included.
    A new function (``apiFunctionName`` changed, say) is a new integration URI, so a new deployment;
    hashing the route table alone would leave the stage on a deployment that calls the old one.

    >>> deployment_trigger({"a": 1}) == routes.deployment_trigger({"a": 1})
    True
    """
    return routes.deployment_trigger(snapshot)


@dataclass(frozen=True)
class ExchangeApi:
    """What :func:`exchange_api` created."""

    rest_api: aws.apigateway.RestApi
    stage: aws.apigateway.Stage
    mapping: aws.apigateway.BasePathMapping
    #: ``.well-known`` on the domain: PEP 807 discovery.
    discovery: aws.apigateway.BasePathMapping
    deployment: aws.apigateway.Deployment
    alarm: aws.cloudwatch.MetricAlarm | None


def exchange_api(
    name: str,
    *,
    function: aws.lambda_.Function,
    domain: aws.apigateway.DomainName,
    tags: dict[str, str] | None = None,
    alarms: bool = True,
    alarm_topic_arn: pulumi.Input[str] | None = None,
) -> ExchangeApi:
    """The exchange's REST API, its stage and the ``_`` and ``.well-known`` mappings on ``domain``;
    with ``alarms``, an alarm on the stage's 5XX answers that notifies ``alarm_topic_arn`` when given."""
    tags = dict(tags or {})
    built = domain_api.domain_api(
        f"{name}-oidc",
        settings=API_SETTINGS,
        route_table={path: (method,) for path, method in contract.OIDC_ROUTES.items()},
        function=function,
        domain=domain,
        base_paths={"mapping": contract.OIDC_BASE_PATH, "discovery-mapping": contract.DISCOVERY_BASE_PATH},
        stage_name=STAGE,
        description="Serverless PyPI trusted publishing",
        tags=tags,
        # One method a route: its permission's name has no method.
        permission_name=lambda path, method: f"{name}-oidc-{slug(path)}-invoke",
        source_arn=invoke_source_arn,
    )
    api, stage = built.rest_api, built.stage
    aws.apigateway.MethodSettings(
        f"{name}-oidc-throttling",
        rest_api=api.id,
        stage_name=stage.stage_name,
        method_path="*/*",
        settings={"throttling_burst_limit": BURST_LIMIT, "throttling_rate_limit": RATE_LIMIT},
    )
    alarm = None
    if alarms:
        alarm = metric_alarm(
            f"{name}-oidc-5xx",
            observability.api_5xx(
                "oidc-5xx",
                "The trusted publishing exchange (/_/oidc/*) answered 5xx: CI jobs cannot publish. "
                "Read the API function's logs.",
                api.name,
                STAGE,
            ),
            actions=[] if alarm_topic_arn is None else [alarm_topic_arn],
            tags=tags,
        )
    mappings = built.mappings
    return ExchangeApi(
        api, stage, mappings["mapping"], mappings["discovery-mapping"], built.deployment, alarm
    )
