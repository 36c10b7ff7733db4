"""The real plugin answers ``Construct`` over gRPC, as the engine asks it, and builds the Python path.

The engine's side is played by this process: the mock monitor of ``conftest`` served over gRPC (the
plugin registers its resources there) and an engine that takes log messages. The plugin runs as
the Python language host starts it, from another directory, with a prebuilt layer in its cache so
no pip runs. Its resources must be those ``ServerlessPyPI(...)`` registers in-process.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable, Iterator
from concurrent import futures
from pathlib import Path
from typing import Any

import grpc  # type: ignore[import-untyped]
import pytest
from google.protobuf import empty_pb2, struct_pb2  # type: ignore[import-untyped]
from pulumi.runtime.proto import (
    engine_pb2,
    engine_pb2_grpc,
    provider_pb2,
    provider_pb2_grpc,
    resource_pb2,
    resource_pb2_grpc,
)

from components import layer, package
from tests.support.package_plugin import (
    EVERYTHING,
    NAME,
    REQUIRED,
    camel,
    comparable,
    python_path,
    running_plugin,
)
from tests.support.pulumi_mocks import (
    COMPONENT_TYPE,
    PROJECT,
    STACK,
    Graph,
    Mocks,
    RecordingMonitor,
    Registered,
    run,
)

LAYER = "aws:lambda/layerVersion:LayerVersion"


class FixedMonitor(RecordingMonitor):
    """The recording mock monitor, naming URNs by the test's project and stack on any thread."""

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        """As the mock monitor does, without reading Pulumi's settings (gRPC threads have none)."""
        if parent:
            type_ = parent.split("::")[2].split("$")[-1] + "$" + type_
        return "urn:pulumi:" + "::".join([STACK, PROJECT, type_, name])


class Monitor(resource_pb2_grpc.ResourceMonitorServicer):
    """The resource monitor the engine serves to a provider, backed by the mock monitor."""

    def __init__(self, mock: FixedMonitor) -> None:
        self.mock = mock
        self.lock = threading.Lock()

    def GetDeploymentInfo(self, request: Any, context: Any) -> Any:
        return self.mock.GetDeploymentInfo(request)  # type: ignore[no-untyped-call]

    def SupportsFeature(self, request: Any, context: Any) -> Any:
        answer = self.mock.SupportsFeature(request)  # type: ignore[no-untyped-call]
        return resource_pb2.SupportsFeatureResponse(hasSupport=answer.hasSupport)

    def RegisterResource(self, request: Any, context: Any) -> Any:
        return self._locked(self.mock.RegisterResource, request)

    def RegisterResourceOutputs(self, request: Any, context: Any) -> Any:
        return self._locked(self.mock.RegisterResourceOutputs, request)

    def RegisterPackage(self, request: Any, context: Any) -> Any:
        return self.mock.RegisterPackage(request)  # type: ignore[no-untyped-call]

    def Invoke(self, request: Any, context: Any) -> Any:
        return self._locked(self.mock.Invoke, request)

    def _locked(self, call: Callable[[Any], Any], request: Any) -> Any:
        """One call at a time, in an event loop of its own that is closed after it (the mock
        monitor would leave one open on every server thread)."""
        with self.lock:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            try:
                return call(request)
            finally:
                asyncio.set_event_loop(None)
                loop.close()


class Engine(engine_pb2_grpc.EngineServicer):
    """The engine's log and root-resource calls: messages kept for the assertions."""

    def __init__(self) -> None:
        self.messages: list[tuple[int, str]] = []

    def Log(self, request: Any, context: Any) -> Any:
        self.messages.append((request.severity, request.message))
        return empty_pb2.Empty()

    def GetRootResource(self, request: Any, context: Any) -> Any:
        return engine_pb2.GetRootResourceResponse(urn="")

    def SetRootResource(self, request: Any, context: Any) -> Any:
        return engine_pb2.SetRootResourceResponse()


@pytest.fixture
def engine() -> Iterator[tuple[str, FixedMonitor, Engine]]:
    """The engine's gRPC services on a free port: its address, the monitor, the engine."""
    monitor, log = FixedMonitor(Mocks()), Engine()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    resource_pb2_grpc.add_ResourceMonitorServicer_to_server(Monitor(monitor), server)
    engine_pb2_grpc.add_EngineServicer_to_server(log, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        yield f"127.0.0.1:{port}", monitor, log
    finally:
        server.stop(grace=None)


def _fake_layer(cache: Path, architecture: str, runtime: str) -> None:
    """A built layer in ``cache`` where the plugin will look for it, so it runs no pip."""
    key = layer.cache_key(layer.REQUIREMENTS.read_bytes(), architecture, runtime)
    built = cache / f"{architecture}-{runtime}-{key}" / "python"
    built.mkdir(parents=True)
    (built / "fake_dependency.py").write_text("VERSION = 1\n")


@pytest.fixture
def plugin(tmp_path: Path, engine: tuple[str, FixedMonitor, Engine]) -> Iterator[str]:
    """The plugin, started as the language host starts it, from a consumer's empty directory."""
    cache = tmp_path / "layers"
    for architecture, runtime in (
        ("arm64", "python3.13"),
        (EVERYTHING["architecture"], EVERYTHING["runtime"]),
    ):
        _fake_layer(cache, architecture, runtime)
    consumer = tmp_path / "consumer"
    consumer.mkdir()
    with running_plugin(consumer, engine[0], {**os.environ, layer.CACHE_VARIABLE: str(cache)}) as address:
        yield address


def _construct(plugin: str, monitor: str, parent: str, overrides: dict[str, Any]) -> Any:
    """``Construct`` as the engine sends it for ``new ServerlessPyPI(NAME, {...})``."""
    inputs = struct_pb2.Struct()
    inputs.update({camel(key): value for key, value in {**REQUIRED, **overrides}.items()})
    request = provider_pb2.ConstructRequest(
        project=PROJECT,
        stack=STACK,
        organization="organization",
        dryRun=False,
        parallel=4,
        monitorEndpoint=monitor,
        type=COMPONENT_TYPE,
        name=NAME,
        parent=parent,
        inputs=inputs,
    )
    with grpc.insecure_channel(plugin) as channel:
        return provider_pb2_grpc.ResourceProviderStub(channel).Construct(request, timeout=120)


def _shape(resources: dict[str, Registered]) -> dict[str, Any]:
    """Each resource's parent, dependencies, options and inputs; the layer's archive left out (a
    prebuilt directory here, the tests' in-memory archive in-process)."""
    shaped = {}
    for urn, r in resources.items():
        inputs = {k: v for k, v in r.inputs.items() if not (r.type == LAYER and k == "code")}
        shaped[urn] = (r.parent, sorted(r.dependencies), r.protect, r.retain_on_delete, comparable(inputs))
    return shaped


@pytest.mark.parametrize("overrides", [{}, EVERYTHING], ids=["defaults", "everything"])
def test_the_plugin_constructs_the_python_paths_resources(
    plugin: str, engine: tuple[str, FixedMonitor, Engine], overrides: dict[str, Any]
) -> None:
    direct: Graph = run(python_path(overrides))
    component = direct.one(COMPONENT_TYPE, NAME)
    address, monitor, log = engine

    response = _construct(plugin, address, component.parent, overrides)

    assert response.urn == component.urn
    assert _shape(monitor.registered) == _shape(direct.resources)
    assert monitor.component_outputs[component.urn] == direct.component_outputs[component.urn]
    state = response.state.fields
    assert state["deploymentTrigger"].string_value == direct.outputs["trigger"]
    assert state["accessLogFormat"].string_value == direct.outputs["format"]
    assert state["bucketName"].string_value
    assert "tooLargeResponse" not in state and "alarms" not in state
    layer_code = monitor.registered[direct.one(LAYER).urn].inputs["code"]
    assert Path(layer_code.path).parent.name == "layers"  # the prebuilt one: no pip ran
    assert [m for severity, m in log.messages if severity >= engine_pb2.WARNING] == []


def test_the_plugin_refuses_bad_inputs_by_their_schema_names(
    plugin: str, engine: tuple[str, FixedMonitor, Engine]
) -> None:
    direct = run(python_path({}))
    parent = direct.one(COMPONENT_TYPE, NAME).parent
    with pytest.raises(grpc.RpcError) as refused:
        _construct(plugin, engine[0], parent, {"architecture": "ppc64"})
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(grpc.RpcError, match="apiMemorySize must be a whole number"):
        _construct(plugin, engine[0], parent, {"api_memory_size": 100.5})
    assert engine[1].registered == {}  # refused before anything was created
    assert package.PACKAGE in COMPONENT_TYPE
