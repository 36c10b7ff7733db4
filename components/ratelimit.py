"""An optional per-client-IP rate limit in front of the stage: a WAF web ACL with one rate rule.

Off by default. It belongs to the stack, beside the stage it is associated with: the component's
children all exist before the deployment and the stage, so the association cannot be one of them.
A client over the limit gets 429 until its rate falls; everyone else is not slowed at all (unlike
a stage throttle, which all clients share).
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

#: WAF counts each client's requests over this window, in seconds.
WINDOW_SECONDS = 300
#: WAF's smallest rate-based limit, per window.
MINIMUM_LIMIT = 10


def rate_limit(
    name: str, *, limit: int, stage: aws.apigateway.Stage, tags: dict[str, str] | None = None
) -> aws.wafv2.WebAcl:
    """A web ACL answering 429 to a client IP over ``limit`` requests per 5 minutes, on ``stage``."""
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
    aws.wafv2.WebAclAssociation(
        f"{name}-rate-limit", resource_arn=stage.arn, web_acl_arn=acl.arn, opts=pulumi.ResourceOptions()
    )
    return acl
