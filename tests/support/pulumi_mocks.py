"""Pulumi under mocks: a fresh program per run, every registered resource recorded as a graph.

Used by tests/component (its conftest makes the layer builder a fake for every test). The ready
stack (``__main__.py``) runs through :mod:`tests.support.stack`, which hands :func:`run` the config
the Pulumi CLI would.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.mocks import MockCallArgs, MockMonitor, MockResourceArgs

from components import ServerlessPyPI, ServerlessPyPIArgs

ROOT = Path(__file__).resolve().parents[2]

PROJECT = "serverless-pypi"
STACK = "test"
REGION = "us-east-1"
ACCOUNT = "123456789012"
COMPONENT_TYPE = "serverless-pypi:index:ServerlessPyPI"


def _physical_name(args: MockResourceArgs, key: str = "name") -> str:
    given = args.inputs.get(key)
    if given:
        return str(given)
    return f"{args.name}-a1b2c3d"  # Pulumi's auto-name: logical name and a random suffix


class Mocks(pulumi.runtime.Mocks):
    """Provider-computed fields by resource type; the inputs are kept for the assertions."""

    def __init__(self) -> None:
        self.inputs: dict[tuple[str, str], dict[str, Any]] = {}
        self._lock = threading.Lock()

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        """Echo the inputs, add what AWS would compute, and remember the inputs."""
        with self._lock:
            self.inputs[(args.typ, args.name)] = dict(args.inputs)
        state = dict(args.inputs)
        computed, resource_id = self._computed(args)
        state.update({k: v for k, v in computed.items() if k not in state or not state[k]})
        return resource_id, state

    def call(self, args: MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        """No provider function is called by the program; answer empty if one is."""
        return {}, None

    @staticmethod
    def _computed(args: MockResourceArgs) -> tuple[dict[str, Any], str]:
        typ, inputs = args.typ, args.inputs
        prefix = f"{REGION}:{ACCOUNT}"
        if typ == "aws:s3/bucket:Bucket":
            bucket = _physical_name(args, "bucket")
            return {"bucket": bucket, "arn": f"arn:aws:s3:::{bucket}"}, bucket
        if typ == "aws:iam/role:Role":
            name = _physical_name(args)
            return {"name": name, "arn": f"arn:aws:iam::{ACCOUNT}:role/{name}"}, name
        if typ == "aws:lambda/function:Function":
            name = _physical_name(args)
            arn = f"arn:aws:lambda:{prefix}:function:{name}"
            invoke = f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{arn}/invocations"
            return {"name": name, "arn": arn, "invokeArn": invoke}, name
        if typ == "aws:sqs/queue:Queue":
            name = _physical_name(args)
            url = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{name}"
            return {"name": name, "arn": f"arn:aws:sqs:{prefix}:{name}", "url": url}, url
        if typ == "aws:cloudwatch/logGroup:LogGroup":
            name = _physical_name(args)
            return {"name": name, "arn": f"arn:aws:logs:{prefix}:log-group:{name}"}, name
        if typ == "aws:cloudwatch/eventRule:EventRule":
            name = _physical_name(args)
            return {"name": name, "arn": f"arn:aws:events:{prefix}:rule/{name}"}, name
        if typ == "aws:apigateway/restApi:RestApi":
            api_id = "a1b2c3d4e5"
            return {
                "name": _physical_name(args),
                "rootResourceId": "r00tid",
                "executionArn": f"arn:aws:execute-api:{prefix}:{api_id}",
                "arn": f"arn:aws:apigateway:{REGION}::/restapis/{api_id}",
            }, api_id
        if typ == "aws:lambda/layerVersion:LayerVersion":
            name = str(inputs["layerName"])
            return {"arn": f"arn:aws:lambda:{prefix}:layer:{name}:1", "version": "1"}, name
        if typ == "aws:acm/certificate:Certificate":
            domain = str(inputs["domainName"])
            validation = {
                "domainName": domain,
                "resourceRecordName": f"_x1.{domain}.",
                "resourceRecordType": "CNAME",
                "resourceRecordValue": "_x2.acm-validations.aws.",
            }
            arn = f"arn:aws:acm:{prefix}:certificate/c3d4"
            return {"arn": arn, "domainValidationOptions": [validation]}, arn
        if typ == "aws:apigateway/domainName:DomainName":
            domain = str(inputs["domainName"])
            return {
                "regionalDomainName": f"d-abc123.execute-api.{REGION}.amazonaws.com",
                "regionalZoneId": "Z1UJRXOUMOOFQ8",
            }, domain
        if typ == "aws:wafv2/webAcl:WebAcl":
            name = _physical_name(args)
            return {"arn": f"arn:aws:wafv2:{prefix}:regional/webacl/{name}/w1"}, "w1"
        if typ == "aws:apigateway/stage:Stage":
            rest_api, stage = inputs.get("restApi"), inputs.get("stageName")
            url = f"https://{rest_api}.execute-api.{REGION}.amazonaws.com/{stage}"
            arn = f"arn:aws:apigateway:{REGION}::/restapis/{rest_api}/stages/{stage}"
            return {"invokeUrl": url, "arn": arn}, f"ags-{rest_api}-{stage}"
        return {}, f"{args.name}-id"


@dataclass(frozen=True)
class Registered:
    """One registered resource as the engine saw it."""

    urn: str
    type: str
    name: str
    parent: str
    dependencies: tuple[str, ...]
    import_id: str
    inputs: dict[str, Any]
    #: What the mocks answered: the inputs plus what AWS would compute.
    state: dict[str, Any]
    id: str
    protect: bool = False
    retain_on_delete: bool = False


class RecordingMonitor(MockMonitor):
    """The mock monitor, also recording each resource's parent, dependencies and outputs."""

    def __init__(self, mocks: Mocks) -> None:
        super().__init__(mocks)
        self.recording = mocks
        self.registered: dict[str, Registered] = {}
        self.component_outputs: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def RegisterResource(self, request: Any) -> Any:
        """Register as the mock monitor does, then record the registration."""
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        if request.type != "pulumi:pulumi:Stack":
            with self._lock:
                answered = self.resources[response.urn]
                self.registered[response.urn] = Registered(
                    urn=response.urn,
                    type=request.type,
                    name=request.name,
                    parent=request.parent,
                    dependencies=tuple(request.dependencies),
                    import_id=request.importId,
                    inputs=self.recording.inputs.get((request.type, request.name), {}),
                    state=dict(answered.state),
                    id=answered.id,
                    protect=bool(request.protect),
                    retain_on_delete=bool(request.retainOnDelete),
                )
        return response

    def RegisterResourceOutputs(self, request: Any) -> Any:
        """Record a component's ``register_outputs``: its keys, with strings as they are."""
        outputs = request.outputs  # a protobuf Struct: a string value reads as a str
        with self._lock:
            self.component_outputs[request.urn] = {key: outputs[key] for key in outputs}
        return super().RegisterResourceOutputs(request)  # type: ignore[no-untyped-call]


class Graph:
    """What one program registered, with look-ups that fail with the URNs they saw."""

    def __init__(
        self,
        resources: Mapping[str, Registered],
        component_outputs: Mapping[str, dict[str, Any]],
        outputs: Mapping[str, Any],
    ) -> None:
        self.resources = dict(resources)
        self.component_outputs = dict(component_outputs)
        self.outputs = dict(outputs)

    def of_type(self, typ: str) -> list[Registered]:
        """Every resource of one type token, by URN order."""
        return sorted((r for r in self.resources.values() if r.type == typ), key=lambda r: r.urn)

    def one(self, typ: str, name: str | None = None) -> Registered:
        """The single resource of ``typ`` (named ``name`` when given)."""
        found = [r for r in self.of_type(typ) if name is None or r.name == name]
        assert len(found) == 1, f"expected one {typ} {name or ''}, got {[r.urn for r in found]}"
        return found[0]

    def policy(self, typ: str, name: str, key: str = "policy") -> dict[str, Any]:
        """A JSON policy input of one resource, parsed."""
        resource = self.one(typ, name)
        value = resource.inputs.get(key)
        assert isinstance(value, str), f"{resource.urn}: {key} is not JSON text: {value!r}"
        parsed: dict[str, Any] = json.loads(value)
        return parsed


Program = Callable[[], Mapping[str, Any] | None]


def run(program: Program, config: Mapping[str, str] | None = None) -> Graph:
    """Run ``program`` as a fresh Pulumi program under mocks and return what it registered.

    ``config`` is the whole config the program sees, fully qualified keys to their text (default:
    ``aws:region`` alone). ``program`` may return outputs to resolve; they land in ``Graph.outputs``
    beside the exports.
    """
    mocks = Mocks()
    monitor = RecordingMonitor(mocks)
    pulumi_settings.ROOT.set(None)  # a new root stack, so exports never leak between programs
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=STACK, preview=False, monitor=monitor)
    pulumi.runtime.set_all_config(dict({"aws:region": REGION} if config is None else config))
    resolved: dict[str, Any] = {}

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def body() -> pulumi.Output[None] | None:
        returned = dict(program() or {})
        root = pulumi_settings.get_root_resource()
        exports = dict(getattr(root, "outputs", {}) or {})
        wanted = {**exports, **returned}
        if not wanted:
            return None
        return pulumi.Output.all(**wanted).apply(resolved.update)

    body()
    return Graph(monitor.registered, monitor.component_outputs, resolved)


#: The layer the component gets under test instead of pip's (no network, no build).
FAKE_LAYER = {"python/fake_dependency.py": "VERSION = 1\n"}


# -- one component in an API with fixed ids (tests/component) ------------------------------
NAME = "pypi"
API_ID = "a1b2c3d4e5"
ROOT_ID = "r00tid"
EXECUTION_ARN = f"arn:aws:execute-api:us-east-1:123456789012:{API_ID}"

BUCKET = "aws:s3/bucket:Bucket"
FUNCTION = "aws:lambda/function:Function"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
QUEUE = "aws:sqs/queue:Queue"
QUEUE_POLICY = "aws:sqs/queuePolicy:QueuePolicy"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
RULE = "aws:cloudwatch/eventRule:EventRule"
TARGET = "aws:cloudwatch/eventTarget:EventTarget"
MAPPING = "aws:lambda/eventSourceMapping:EventSourceMapping"
PERMISSION = "aws:lambda/permission:Permission"
METHOD = "aws:apigateway/method:Method"
INTEGRATION = "aws:apigateway/integration:Integration"


def program(**overrides: Any) -> Program:
    """A program holding one component in an API with fixed ids; hands back its trigger."""

    def body() -> dict[str, Any]:
        index = ServerlessPyPI(
            NAME,
            ServerlessPyPIArgs(
                rest_api_id=API_ID,
                root_resource_id=ROOT_ID,
                execution_arn=EXECUTION_ARN,
                **overrides,
            ),
        )
        return {"trigger": index.deployment_trigger, "bucket_name": index.bucket_name}

    return body
