"""A REST API of its own on the custom domain, as the exchange, the Integrity API and the web view build it.

:func:`domain_api` makes the ``RestApi`` from its settings (the caller's, execute-api endpoint off),
one ``Resource`` per path of the route table and their parents (``/`` is the API's root), a
``Method`` and an ``AWS_PROXY`` ``Integration`` with the index's API function per route and method,
one lambda ``Permission`` per method, a ``Deployment`` whose trigger hashes everything the stage
serves (:func:`components.routes.deployment_trigger`), the ``Stage``, and one ``BasePathMapping``
per base path on the domain.

Each caller keeps the resource names its stacks already have: the ``*_name`` hooks and the
snapshot's keys default to the exchange's scheme, and the Integrity API and the web view pass their
own, so no existing stack sees a replacement.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components import routes


def slug(path: str) -> str:
    """A resource-name fragment for a path: ``/oidc/github/mint-token`` -> ``oidc-github-mint-token``.

    >>> slug("/pytp/{key}")
    'pytp-key'
    """
    return path.strip("/").replace("/", "-").replace("{", "").replace("}", "")


def invoke_source_arn(execution_arn: str, method: str, path: str) -> str:
    """The one route of an API the invoke permission admits (a path parameter is any one segment).

    >>> invoke_source_arn("arn:x", "GET", "/pytp/{key}")
    'arn:x/*/GET/pytp/*'
    >>> invoke_source_arn("arn:x", "GET", "/")
    'arn:x/*/GET/'
    """
    parts = ["*" if p.startswith("{") else p for p in path.split("/")]
    return f"{execution_arn}/*/{method}{'/'.join(parts)}"


def resource_paths(paths: Sequence[str]) -> list[str]:
    """Every resource path the routes at ``paths`` need, parents first (``/`` is the root, not one).

    >>> resource_paths(["/", "/a/{b}", "/a/c"])
    ['/a', '/a/c', '/a/{b}']
    """
    found: set[str] = set()
    for path in paths:
        parts = [p for p in path.strip("/").split("/") if p]
        found |= {"/" + "/".join(parts[: i + 1]) for i in range(len(parts))}
    return sorted(found)


def _source_arn(
    execution_arn: str, *, method: str, path: str, source_arn: Callable[[str, str, str], str]
) -> str:
    return source_arn(execution_arn, method, path)


@dataclass(frozen=True)
class DomainApi:
    """What :func:`domain_api` created."""

    rest_api: aws.apigateway.RestApi
    deployment: aws.apigateway.Deployment
    stage: aws.apigateway.Stage
    #: Each mapping by the suffix of its resource name (``mapping``, say), in the order given.
    mappings: Mapping[str, aws.apigateway.BasePathMapping]


def domain_api(
    prefix: str,
    *,
    settings: Mapping[str, Any],
    route_table: Mapping[str, Sequence[str]],
    function: aws.lambda_.Function,
    domain: aws.apigateway.DomainName,
    base_paths: Mapping[str, str],
    stage_name: str,
    description: str,
    tags: Mapping[str, str] | None = None,
    resource_name: Callable[[str], str] | None = None,
    route_name: Callable[[str, str], str] | None = None,
    permission_name: Callable[[str, str], str] | None = None,
    snapshot_key: Callable[[str, str], str] = lambda path, method: f"{method} {path}",
    source_arn: Callable[[str, str, str], str] = invoke_source_arn,
) -> DomainApi:
    """The REST API ``prefix`` serving ``route_table`` ({path: methods}) with ``function``, its stage
    ``stage_name`` and one mapping per ``base_paths`` entry ({name suffix: base path}) on ``domain``.

    Names: a resource ``prefix-<slug>`` (``resource_name(path)``), a route's method and integration
    ``prefix-<slug>-<method>`` (``route_name(path, method)``), its permission ``<route name>-invoke``
    (``permission_name(path, method)``), the deployment and stage ``prefix``.
    ``description`` is the deployment's.
    """
    tags = dict(tags or {})
    name_resource = resource_name or (lambda path: f"{prefix}-{slug(path)}")
    name_route = route_name or (lambda path, method: f"{prefix}-{slug(path)}-{method.lower()}")
    name_permission = permission_name or (lambda path, method: f"{name_route(path, method)}-invoke")
    api = aws.apigateway.RestApi(prefix, tags=tags, **settings)
    # Everything the stage serves, hashed into the deployment's trigger (as the index's): a replaced
    # function or a changed setting redeploys the stage.
    snapshot: dict[str, Any] = {"api": dict(settings), "resources": {}, "methods": {}, "integrations": {}}
    resource_ids: dict[str, pulumi.Input[str]] = {"/": api.root_resource_id}
    for path in resource_paths(list(route_table)):
        parent, _, part = path.rpartition("/")
        resource = aws.apigateway.Resource(
            name_resource(path),
            rest_api=api.id,
            parent_id=resource_ids[parent or "/"],
            path_part=part,
        )
        resource_ids[path] = resource.id
        snapshot["resources"][path] = [resource.id, part]
    integrations = []
    for path, methods in route_table.items():
        for method in methods:
            declared = aws.apigateway.Method(
                name_route(path, method),
                rest_api=api.id,
                resource_id=resource_ids[path],
                http_method=method,
                authorization="NONE",
            )
            integration = aws.apigateway.Integration(
                name_route(path, method),
                rest_api=api.id,
                resource_id=resource_ids[path],
                http_method=declared.http_method,
                type="AWS_PROXY",
                integration_http_method="POST",
                uri=function.invoke_arn,
            )
            integrations.append(integration)
            key = snapshot_key(path, method)
            snapshot["methods"][key] = [declared.id, method, "NONE"]
            snapshot["integrations"][key] = [integration.id, "AWS_PROXY", integration.uri]
            aws.lambda_.Permission(
                name_permission(path, method),
                action="lambda:InvokeFunction",
                function=function.name,
                principal="apigateway.amazonaws.com",
                source_arn=api.execution_arn.apply(
                    functools.partial(_source_arn, method=method, path=path, source_arn=source_arn)
                ),
            )
    deployment = aws.apigateway.Deployment(
        prefix,
        rest_api=api.id,
        description=description,
        triggers={"redeploy": pulumi.Output.from_input(snapshot).apply(routes.deployment_trigger)},
        opts=pulumi.ResourceOptions(depends_on=integrations),
    )
    stage = aws.apigateway.Stage(
        prefix, rest_api=api.id, deployment=deployment.id, stage_name=stage_name, tags=tags
    )
    mappings = {
        suffix: aws.apigateway.BasePathMapping(
            f"{prefix}-{suffix}",
            rest_api=api.id,
            stage_name=stage.stage_name,
            domain_name=domain.domain_name,
            base_path=base_path,
        )
        for suffix, base_path in base_paths.items()
    }
    return DomainApi(api, deployment, stage, mappings)
