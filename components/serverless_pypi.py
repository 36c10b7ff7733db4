"""``ServerlessPyPI``: everything the index needs on AWS, inside a REST API (v1) you bring.

A private bucket (:mod:`components.bucket`); S3 events through EventBridge into a queue with a
dead-letter queue, drained by the reindex function; the API function behind GET/HEAD/POST routes;
one role and one log group per function, both using the dependency layer; gateway responses,
alarms and, when asked, a private API policy, an access-log group and the account's logging role.
Policies, the event pattern, the routes and the alarms are plain data from
:mod:`components.policies`, :mod:`components.routes` and :mod:`components.observability`; this
module only wires resources together.
"""

import functools
import json
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import pulumi
import pulumi_aws as aws

from components import layer, observability, policies, routes
from components.args import ServerlessPyPIArgs
from components.bucket import make_bucket
from components.code import handlers_archive
from handlers import contract

COMPONENT_TYPE = "serverless-pypi:index:ServerlessPyPI"

API_HANDLER = "handlers.api.handler"
REINDEX_HANDLER = "handlers.reindex.handler"

#: SQS batch for one reindex invocation (the handler groups the work by project).
#: Receives before a message goes to the dead-letter queue.
#: AWS's advice for a Lambda event source: visibility timeout of six times the function timeout.
VISIBILITY_TIMEOUT_FACTOR = 6
#: The dead-letter queue keeps messages as long as SQS allows (counted from the first enqueue).
DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 3600

#: AWS managed policies, attached only when their feature is on.
XRAY_POLICY_ARN = "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess"
API_GATEWAY_LOGS_POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"


def _load_quietly() -> None:
    """Load the pulumi_aws modules used here now, muting their import-time deprecation notices.

    pulumi-aws 7 warns when ``s3`` and ``lambda_`` load that ``s3.BucketV2``, the ``*V2`` bucket
    configurations and ``lambda_.MicrovmsImage`` are deprecated: classes this component never uses.
    Only that message is muted, only while loading, so ``python -W error`` and the tests still see
    any deprecation in what the component does use.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore",
            message=r".* has been deprecated in favor of ",
            category=DeprecationWarning,
            module=r"pulumi_aws\.",
        )
        # pulumi_aws loads a module on first attribute access.
        _ = (aws.s3.Bucket, aws.lambda_.Function, aws.sqs.Queue, aws.iam.Role)
        _ = (aws.cloudwatch.LogGroup, aws.apigateway.Method, aws.cloudwatch.MetricAlarm)


_load_quietly()


def metric_alarm(
    name: str,
    alarm: observability.Alarm,
    *,
    actions: list[pulumi.Input[str]],
    tags: Mapping[str, pulumi.Input[str]],
    opts: pulumi.ResourceOptions | None = None,
) -> aws.cloudwatch.MetricAlarm:
    """The CloudWatch alarm ``alarm`` describes, notifying ``actions`` when it fires and clears."""
    return aws.cloudwatch.MetricAlarm(
        name,
        alarm_description=alarm.description,
        namespace=alarm.namespace,
        metric_name=alarm.metric_name,
        dimensions=alarm.dimensions,
        statistic=alarm.statistic,
        threshold=alarm.threshold,
        comparison_operator=alarm.comparison,
        period=alarm.period,
        evaluation_periods=alarm.evaluation_periods,
        treat_missing_data="notBreaching",
        alarm_actions=actions,
        ok_actions=actions,
        tags=tags,
        opts=opts,
    )


def _json(build: Callable[..., Mapping[str, Any]], **inputs: Any) -> pulumi.Output[str]:
    """``json.dumps(build(**inputs))`` once every input is known (nothing is created in it)."""
    return pulumi.Output.all(**inputs).apply(lambda values: json.dumps(build(**values)))


class ServerlessPyPI(pulumi.ComponentResource):
    """A private Python package index in a REST API (v1): bucket, event pipeline, functions, routes.

    Redeploy the API whenever :attr:`deployment_trigger` changes, e.g.
    ``aws.apigateway.Deployment(..., triggers={"redeploy": index.deployment_trigger})``.
    """

    bucket: aws.s3.Bucket
    bucket_name: pulumi.Output[str]
    bucket_arn: pulumi.Output[str]
    api_function: aws.lambda_.Function
    reindex_function: aws.lambda_.Function
    api_role: aws.iam.Role
    reindex_role: aws.iam.Role
    api_log_group: aws.cloudwatch.LogGroup
    reindex_log_group: aws.cloudwatch.LogGroup
    queue: aws.sqs.Queue
    dead_letter_queue: aws.sqs.Queue
    event_rule: aws.cloudwatch.EventRule
    proxy_resource: aws.apigateway.Resource
    methods: dict[str, aws.apigateway.Method]
    integrations: dict[str, aws.apigateway.Integration]
    too_large_gateway_response: aws.apigateway.Response | None
    not_found_gateway_response: aws.apigateway.Response | None
    rest_api_policy: aws.apigateway.RestApiPolicy | None
    dependencies_layer: aws.lambda_.LayerVersion
    metric_alarms: dict[str, aws.cloudwatch.MetricAlarm]
    access_log_group: aws.cloudwatch.LogGroup | None
    access_log_format: str
    api_gateway_account: aws.apigateway.Account | None
    deployment_trigger: pulumi.Output[str]

    def __init__(
        self, name: str, args: ServerlessPyPIArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        """Create the index's resources, each a child of this component named ``{name}-...``."""
        super().__init__(COMPONENT_TYPE, name, None, opts)
        self._name = name
        self._args = args
        self._tags = dict(args.tags)
        self._make_bucket()
        self._make_queues()
        self._make_functions()
        self._make_event_rule()
        self._make_routes()
        self._make_observability()
        self.register_outputs(
            {
                "bucket": self.bucket,
                "bucket_name": self.bucket_name,
                "bucket_arn": self.bucket_arn,
                "api_function": self.api_function,
                "reindex_function": self.reindex_function,
                "api_role": self.api_role,
                "reindex_role": self.reindex_role,
                "api_log_group": self.api_log_group,
                "reindex_log_group": self.reindex_log_group,
                "queue": self.queue,
                "dead_letter_queue": self.dead_letter_queue,
                "event_rule": self.event_rule,
                "proxy_resource": self.proxy_resource,
                "methods": self.methods,
                "integrations": self.integrations,
                "too_large_gateway_response": self.too_large_gateway_response,
                "not_found_gateway_response": self.not_found_gateway_response,
                "rest_api_policy": self.rest_api_policy,
                "dependencies_layer": self.dependencies_layer,
                "metric_alarms": self.metric_alarms,
                "access_log_group": self.access_log_group,
                "access_log_format": self.access_log_format,
                "api_gateway_account": self.api_gateway_account,
                "deployment_trigger": self.deployment_trigger,
            }
        )

    # The alarms and the gateway responses were attributes named like the switches that create
    # them. The package schema cannot carry an input and an output of one name and two types (a
    # generated SDK keeps one), so they are ``metric_alarms`` and ``*_gateway_response`` now; the
    # old names stay for programs that read them.
    @property
    def alarms(self) -> dict[str, aws.cloudwatch.MetricAlarm]:
        """The CloudWatch alarms by name: :attr:`metric_alarms`."""
        return self.metric_alarms

    @property
    def too_large_response(self) -> aws.apigateway.Response | None:
        """The ``REQUEST_TOO_LARGE`` gateway response: :attr:`too_large_gateway_response`."""
        return self.too_large_gateway_response

    @property
    def not_found_response(self) -> aws.apigateway.Response | None:
        """The ``MISSING_AUTHENTICATION_TOKEN`` gateway response: :attr:`not_found_gateway_response`."""
        return self.not_found_gateway_response

    def _opts(self, *depends_on: pulumi.Resource, **extra: Any) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, depends_on=list(depends_on), **extra)

    # -- bucket ------------------------------------------------------------------------------------
    def _make_bucket(self) -> None:
        self.bucket = make_bucket(self._name, self._args, self._tags, self._opts)
        self.bucket_name = self.bucket.bucket
        self.bucket_arn = self.bucket.arn

    # -- queues ------------------------------------------------------------------------------------
    def _make_queues(self) -> None:
        name, tags = self._name, self._tags
        self.dead_letter_queue = aws.sqs.Queue(
            f"{name}-reindex-dlq",
            message_retention_seconds=DEAD_LETTER_RETENTION_SECONDS,
            sqs_managed_sse_enabled=True,
            tags=tags,
            opts=self._opts(),
        )
        redrive = self.dead_letter_queue.arn.apply(
            lambda arn: json.dumps(
                {"deadLetterTargetArn": arn, "maxReceiveCount": contract.MAX_RECEIVE_COUNT}
            )
        )
        self.queue = aws.sqs.Queue(
            f"{name}-reindex",
            visibility_timeout_seconds=VISIBILITY_TIMEOUT_FACTOR * self._args.reindex_timeout,
            redrive_policy=redrive,
            sqs_managed_sse_enabled=True,
            tags=tags,
            opts=self._opts(),
        )

    # -- functions ---------------------------------------------------------------------------------
    def _log_group(self, label: str, function_name: pulumi.Input[str] | None) -> aws.cloudwatch.LogGroup:
        # A named function logs where Lambda would by default; otherwise the group is auto-named and
        # the function is pointed at it (logging_config), so it exists, with its retention, first.
        log_name = None if function_name is None else pulumi.Output.concat("/aws/lambda/", function_name)
        return aws.cloudwatch.LogGroup(
            f"{self._name}-{label}-logs",
            name=log_name,
            retention_in_days=self._args.log_retention_days,
            tags=self._tags,
            opts=self._opts(),
        )

    def _role(self, label: str, policy: pulumi.Output[str]) -> tuple[aws.iam.Role, list[pulumi.Resource]]:
        """A function's role and what must exist before the function: its policy (and X-Ray's)."""
        role = aws.iam.Role(
            f"{self._name}-{label}-role",
            assume_role_policy=json.dumps(policies.assume_role_policy()),
            description=f"serverless-pypi {label} function",
            permissions_boundary=self._args.role_permissions_boundary,
            tags=self._tags,
            opts=self._opts(),
        )
        inline = aws.iam.RolePolicy(
            f"{self._name}-{label}-policy", role=role.id, policy=policy, opts=self._opts()
        )
        granted: list[pulumi.Resource] = [inline]
        if self._args.tracing:
            # X-Ray's write actions take no resource-level scope: AWS's managed policy for them.
            granted.append(
                aws.iam.RolePolicyAttachment(
                    f"{self._name}-{label}-xray",
                    role=role.name,
                    policy_arn=XRAY_POLICY_ARN,
                    opts=self._opts(),
                )
            )
        return role, granted

    def _function(
        self,
        label: str,
        *,
        handler: str,
        function_name: pulumi.Input[str] | None,
        description: str,
        memory_size: int,
        timeout: int,
        environment: Mapping[str, pulumi.Input[str]],
        role: aws.iam.Role,
        log_group: aws.cloudwatch.LogGroup,
        depends_on: list[pulumi.Resource],
        code: pulumi.Archive,
    ) -> aws.lambda_.Function:
        return aws.lambda_.Function(
            f"{self._name}-{label}",
            name=function_name,
            description=description,
            role=role.arn,
            code=code,
            handler=handler,
            runtime=self._args.runtime,
            architectures=[self._args.architecture],
            memory_size=memory_size,
            timeout=timeout,
            environment={"variables": dict(environment)},
            logging_config={"log_format": "Text", "log_group": log_group.name},
            # The pinned runtime dependencies: the SDK the tests ran, not the runtime's bundled one.
            layers=[self.dependencies_layer.arn],
            tracing_config={"mode": "Active" if self._args.tracing else "PassThrough"},
            tags=self._tags,
            # The policy first: the function logs (and the queue is polled) from its first moment.
            opts=self._opts(*depends_on),
        )

    def _make_layer(self) -> None:
        args = self._args
        build = args.layer_builder or layer.build_layer_archive  # looked up now: tests replace it
        self.dependencies_layer = aws.lambda_.LayerVersion(
            f"{self._name}-dependencies",
            layer_name=f"{self._name}-{pulumi.get_stack()}-dependencies"[:140],
            description="serverless-pypi: handlers/requirements.txt, hash-pinned",
            code=build(layer.REQUIREMENTS, args.architecture, args.runtime),
            compatible_runtimes=[args.runtime],
            compatible_architectures=[args.architecture],
            opts=self._opts(),
        )

    def _make_functions(self) -> None:
        args = self._args
        self._make_layer()
        self.api_log_group = self._log_group("api", args.api_function_name)
        self.reindex_log_group = self._log_group("reindex", args.reindex_function_name)
        self.api_role, api_policy = self._role(
            "api",
            _json(
                policies.api_policy,
                bucket_arn=self.bucket_arn,
                log_group_arn=self.api_log_group.arn,
                uploads=args.uploads,
                kms_key_arn=args.kms_key_arn,
                trusted_publishing=args.trusted_publishing,
                proxy=args.fallback_mode == "proxy",
            ),
        )
        self.reindex_role, reindex_policy = self._role(
            "reindex",
            _json(
                policies.reindex_policy,
                bucket_arn=self.bucket_arn,
                queue_arn=self.queue.arn,
                log_group_arn=self.reindex_log_group.arn,
                kms_key_arn=args.kms_key_arn,
            ),
        )
        code = handlers_archive()
        api_env: dict[str, pulumi.Input[str]] = {
            **args.api_environment,
            contract.ENV_BUCKET: self.bucket_name,
            contract.ENV_PRESIGNED_URL_TTL: str(args.presigned_url_ttl),
            contract.ENV_PUBLIC_READ: "true" if args.public_read else "false",
            contract.ENV_UPLOADS_ENABLED: "true" if args.uploads else "false",
        }
        if args.uploads:  # an upload's attestations are verified offline against sigstore's cached root
            api_env.update(contract.SIGSTORE_ENVIRONMENT)
        if args.fallback_index_url is not None:
            api_env[contract.ENV_FALLBACK_INDEX_URL] = args.fallback_index_url
        if args.fallback_mode == "proxy":  # redirect (the default) sets nothing: no diff on update
            api_env.update(
                {
                    contract.ENV_FALLBACK_MODE: args.fallback_mode,
                    contract.ENV_MIN_RELEASE_AGE_DAYS: str(args.min_release_age_days),
                    contract.ENV_FALLBACK_DENY: ",".join(args.fallback_deny),
                    contract.ENV_FALLBACK_ALLOW: ",".join(args.fallback_allow),
                    contract.ENV_FALLBACK_CACHE_SECONDS: str(args.fallback_cache_seconds),
                }
            )
        if args.trusted_publishing:
            api_env[contract.ENV_OIDC_AUDIENCE] = (
                args.oidc_audience
                if args.oidc_audience is not None
                else pulumi.Output.concat("serverless-pypi:", self.bucket_name)
            )
            api_env[contract.ENV_OIDC_ISSUERS] = ",".join(args.oidc_issuers)
        self.api_function = self._function(
            "api",
            handler=API_HANDLER,
            function_name=args.api_function_name,
            description=args.api_description,
            memory_size=args.api_memory_size,
            timeout=args.api_timeout,
            environment=api_env,
            role=self.api_role,
            log_group=self.api_log_group,
            depends_on=api_policy,
            code=code,
        )
        self.reindex_function = self._function(
            "reindex",
            handler=REINDEX_HANDLER,
            function_name=args.reindex_function_name,
            description=args.reindex_description,
            memory_size=args.reindex_memory_size,
            timeout=args.reindex_timeout,
            environment={
                **args.reindex_environment,
                contract.ENV_BUCKET: self.bucket_name,
                contract.ENV_REINDEX_QUEUE_URL: self.queue.url,
            },
            role=self.reindex_role,
            log_group=self.reindex_log_group,
            depends_on=reindex_policy,
            code=code,
        )
        # Lambda checks the role's SQS permissions when the mapping is created: policy first.
        aws.lambda_.EventSourceMapping(
            f"{self._name}-reindex-queue",
            event_source_arn=self.queue.arn,
            function_name=self.reindex_function.arn,
            batch_size=contract.REINDEX_BATCH_SIZE,
            function_response_types=["ReportBatchItemFailures"],
            scaling_config={"maximum_concurrency": args.reindex_max_concurrency},
            tags=self._tags,
            opts=self._opts(*reindex_policy),
        )

    # -- event rule --------------------------------------------------------------------------------
    def _make_event_rule(self) -> None:
        name, args = self._name, self._args
        self.event_rule = aws.cloudwatch.EventRule(
            f"{name}-reindex",
            name=args.event_rule_name,
            description=args.event_rule_description,
            event_pattern=_json(policies.event_pattern, bucket_name=self.bucket_name),
            tags=self._tags,
            opts=self._opts(),
        )
        queue_policies = [
            aws.sqs.QueuePolicy(
                f"{name}-{label}-policy",
                queue_url=queue.url,
                policy=_json(policies.queue_policy, queue_arn=queue.arn, rule_arn=self.event_rule.arn),
                opts=self._opts(),
            )
            for label, queue in (("reindex", self.queue), ("reindex-dlq", self.dead_letter_queue))
        ]
        # The whole event goes to the queue (the handler reads the detail-type); what EventBridge
        # cannot deliver goes to the dead-letter queue instead of being dropped.
        aws.cloudwatch.EventTarget(
            f"{name}-reindex",
            rule=self.event_rule.name,
            arn=self.queue.arn,
            dead_letter_config={"arn": self.dead_letter_queue.arn},
            opts=self._opts(*queue_policies),
        )

    # -- routes ------------------------------------------------------------------------------------
    def _make_routes(self) -> None:
        name, args = self._name, self._args
        self.proxy_resource = aws.apigateway.Resource(
            f"{name}-package",
            rest_api=args.rest_api_id,
            parent_id=args.root_resource_id,
            path_part=routes.PROXY_PATH_PART,
            opts=self._opts(),
        )
        resource_ids = {"root": args.root_resource_id, "proxy": self.proxy_resource.id}
        self.methods, self.integrations = {}, {}
        snapshot: dict[str, Any] = {
            "resources": {"proxy": [self.proxy_resource.id, routes.PROXY_PATH_PART]},
            "methods": {},
            "integrations": {},
            "responses": {},
        }
        for route in routes.ROUTES:
            method = aws.apigateway.Method(
                f"{name}-{route.slug}",
                rest_api=args.rest_api_id,
                resource_id=resource_ids[route.resource],
                http_method=route.http_method,
                authorization=args.authorization,
                authorizer_id=args.authorizer_id,
                opts=self._opts(),
            )
            integration = aws.apigateway.Integration(
                f"{name}-{route.slug}",
                rest_api=args.rest_api_id,
                resource_id=method.resource_id,
                http_method=method.http_method,
                type="AWS_PROXY",
                integration_http_method="POST",
                uri=self.api_function.invoke_arn,
                opts=self._opts(),
            )
            self.methods[route.key] = method
            self.integrations[route.key] = integration
            snapshot["methods"][route.key] = [
                method.id,
                route.http_method,
                args.authorization,
                args.authorizer_id,
            ]
            snapshot["integrations"][route.key] = [integration.id, "AWS_PROXY", integration.uri]
        for http_method in routes.http_methods():
            aws.lambda_.Permission(
                f"{name}-invoke-{http_method.lower()}",
                action="lambda:InvokeFunction",
                function=self.api_function.name,
                principal="apigateway.amazonaws.com",
                source_arn=pulumi.Output.from_input(args.execution_arn).apply(
                    functools.partial(routes.invoke_source_arn, http_method=http_method)
                ),
                opts=self._opts(),
            )
        self.too_large_gateway_response = self.not_found_gateway_response = None
        if args.too_large_response:
            # The gateway's own answer, for bodies API Gateway or Lambda refuse before the handler
            # runs. It belongs to the API, but only the component knows the bucket to name.
            self.too_large_gateway_response = self._gateway_response(
                "too-large",
                routes.TOO_LARGE_RESPONSE_TYPE,
                routes.TOO_LARGE_STATUS,
                self.bucket_name.apply(routes.too_large_body),
                snapshot,
            )
        if args.not_found_response:
            self.not_found_gateway_response = self._gateway_response(
                "not-found",
                routes.NOT_FOUND_RESPONSE_TYPE,
                routes.not_found_status(args.authorization),
                routes.not_found_body(args.authorization),
                snapshot,
            )
        self.rest_api_policy = None
        if args.endpoint_type == "PRIVATE":
            policy = _json(
                policies.private_api_policy,
                execution_arn=args.execution_arn,
                vpc_endpoint_ids=list(args.vpc_endpoint_ids),
            )
            self.rest_api_policy = aws.apigateway.RestApiPolicy(
                f"{name}-private", rest_api_id=args.rest_api_id, policy=policy, opts=self._opts()
            )
            snapshot["policy"] = [self.rest_api_policy.id, policy]
        # RestApi-level settings a deployment snapshots too (binary media types, endpoint, ...).
        snapshot["api"] = dict(args.rest_api_settings)
        self.deployment_trigger = pulumi.Output.from_input(snapshot).apply(routes.deployment_trigger)

    def _gateway_response(
        self,
        label: str,
        response_type: str,
        status_code: str,
        body: pulumi.Input[str],
        snapshot: dict[str, Any],
    ) -> aws.apigateway.Response:
        """One plain-text gateway response of the API, recorded in the deployment snapshot."""
        response = aws.apigateway.Response(
            f"{self._name}-{label}",
            rest_api_id=self._args.rest_api_id,
            response_type=response_type,
            status_code=status_code,
            response_templates=pulumi.Output.from_input(body).apply(routes.plain_text_templates),
            response_parameters=routes.PLAIN_TEXT_PARAMETERS,
            opts=self._opts(),
        )
        snapshot["responses"][label] = [
            response.id,
            response.response_type,
            response.status_code,
            response.response_templates,
            response.response_parameters,
        ]
        return response

    # -- observability -----------------------------------------------------------------------------
    def _make_observability(self) -> None:
        name, args = self._name, self._args
        self.metric_alarms = {}
        if args.alarms:
            actions = [] if args.alarm_topic_arn is None else [args.alarm_topic_arn]
            for alarm in observability.alarms(
                dead_letter_queue_name=self.dead_letter_queue.name,
                queue_name=self.queue.name,
                reindex_timeout=args.reindex_timeout,
                reindex_function_name=self.reindex_function.name,
                api_function_name=self.api_function.name,
                api_name=args.api_name,
                stage_name=args.stage_name,
            ):
                self.metric_alarms[alarm.label] = metric_alarm(
                    f"{name}-{alarm.label}", alarm, actions=actions, tags=self._tags, opts=self._opts()
                )
        self.access_log_format = observability.access_log_format()
        self.access_log_group = None
        if args.access_logs:
            self.access_log_group = aws.cloudwatch.LogGroup(
                f"{name}-access-logs",
                retention_in_days=args.log_retention_days,
                tags=self._tags,
                opts=self._opts(),
            )
        self.api_gateway_account = None
        if args.manage_api_gateway_account:
            role = aws.iam.Role(
                f"{name}-apigateway-logs-role",
                assume_role_policy=json.dumps(policies.assume_role_policy("apigateway.amazonaws.com")),
                description="API Gateway writes access and execution logs (one per account and region)",
                permissions_boundary=args.role_permissions_boundary,
                tags=self._tags,
                opts=self._opts(),
            )
            attachment = aws.iam.RolePolicyAttachment(
                f"{name}-apigateway-logs-policy",
                role=role.name,
                policy_arn=API_GATEWAY_LOGS_POLICY_ARN,
                opts=self._opts(),
            )
            self.api_gateway_account = aws.apigateway.Account(
                f"{name}-apigateway-account", cloudwatch_role_arn=role.arn, opts=self._opts(attachment)
            )
