"""An optional per-client-IP rate limit in front of the stages: a WAF web ACL with one rate rule.

Off by default. It belongs to the stack, beside the stages it is associated with (the index's and,
with trusted publishing, the exchange's): the component's children all exist before the deployment
and the stage, so an association cannot be one of them. One rule in one web ACL counts a client's
requests to every associated stage together. A client over the limit gets 429 until its rate falls;
everyone else is not slowed at all (unlike a stage throttle, which all clients share).
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi_aws as aws

#: WAF counts each client's requests over this window, in seconds.
WINDOW_SECONDS = 300
#: WAF's smallest rate-based limit, per window.
MINIMUM_LIMIT = 10


def rate_limit(
    name: str,
    *,
    limit: int,
    stages: Mapping[str, aws.apigateway.Stage],
    tags: dict[str, str] | None = None,
) -> aws.wafv2.WebAcl:
    """A web ACL answering 429 to a client IP over ``limit`` requests per 5 minutes, on each of
    ``stages`` (the name of its association -> the stage)."""
    if limit < MINIMUM_LIMIT:
        raise ValueError(f"rateLimitPerIp must be 0 (off) or at least {MINIMUM_LIMIT}")
    metric = f"{name}-rate-limit"
    acl = aws.wafv2.WebAcl(
        f"{name}-rate-limit",
        scope="REGIONAL",
        description=f"serverless-pypi: at most {limit} requests per client IP per 5 minutes",
        default_action={"allow": {}},
        rules=[
            {
                "name": "per-client-ip",
                "priority": 0,
                "action": {"block": {"custom_response": {"response_code": 429}}},
                "statement": {
                    "rate_based_statement": {
                        "limit": limit,
                        "aggregate_key_type": "IP",
                        "evaluation_window_sec": WINDOW_SECONDS,
                    }
                },
                "visibility_config": {
                    "cloudwatch_metrics_enabled": True,
                    "metric_name": f"{metric}-per-ip",
                    "sampled_requests_enabled": True,
                },
            }
        ],
        visibility_config={
            "cloudwatch_metrics_enabled": True,
            "metric_name": metric,
            "sampled_requests_enabled": True,
        },
        tags=dict(tags or {}),
    )
    for association, stage in stages.items():
        aws.wafv2.WebAclAssociation(association, resource_arn=stage.arn, web_acl_arn=acl.arn)
    return acl
