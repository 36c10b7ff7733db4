"""The component as a Pulumi package: its schema, and the provider host that constructs it.

No Pulumi CLI here: the schema comes from the SDK's own analyzer, ``GetSchema`` is asked of the real
plugin over gRPC, and ``Construct`` runs the SDK's component provider in-process under the mocks,
with the inputs as the wire delivers them. The resources it creates must be the Python path's.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import typing
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml  # type: ignore[import-untyped]  # PyYAML ships without stubs
from google.protobuf import empty_pb2, struct_pb2  # type: ignore[import-untyped]
from pulumi.errors import InputPropertyError
from pulumi.provider.experimental.component import ComponentProvider
from pulumi.provider.server import ComponentInitError
from pulumi.runtime import rpc

from components import args as component_args
from components import package, routes, serverless_pypi
from components.args import ServerlessPyPIArgs
from tests.support.package_plugin import (
    EVERYTHING,
    NAME,
    PLUGIN,
    REQUIRED,
    camel,
    comparable,
    python_path,
    running_plugin,
)
from tests.support.pulumi_mocks import COMPONENT_TYPE, ROOT, Graph, Program, Registered, run

SCHEMA = PLUGIN / "schema.json"
RESOURCE = f"{package.PACKAGE}:index:ServerlessPyPI"
#: Arguments only a Python program can pass (a function), so not in the schema.
PYTHON_ONLY = {"layer_builder"}


@pytest.fixture(scope="module")
def provider() -> ComponentProvider:
    """The provider the plugin serves (the analyzer runs once per module)."""
    return package.provider()


@pytest.fixture(scope="module")
def schema(provider: ComponentProvider) -> dict[str, Any]:
    """The schema the provider answers ``GetSchema`` with, parsed."""
    parsed: dict[str, Any] = json.loads(provider.schema or "{}")
    return parsed


@pytest.fixture(scope="module")
def resource(schema: dict[str, Any]) -> dict[str, Any]:
    """The component's entry in the schema."""
    entry: dict[str, Any] = schema["resources"][RESOURCE]
    return entry


# -- the schema ------------------------------------------------------------------------------------
def test_committed_schema_is_what_the_analyzer_infers(provider: ComponentProvider) -> None:
    assert package.normalize(provider.schema or "{}") == SCHEMA.read_text(encoding="utf-8"), (
        "the package's public surface changed: regenerate serverless-pypi/schema.json with "
        "`.venv/bin/python -m components.package > serverless-pypi/schema.json`, review the diff, "
        "and note it in CHANGELOG.md"
    )


def test_schema_names_the_package_its_version_and_the_type_the_python_path_registers(
    schema: dict[str, Any],
) -> None:
    assert schema["name"] == package.PACKAGE
    assert schema["version"] == package.VERSION
    # One type token for both paths: a stack can move between them without a replacement.
    assert list(schema["resources"]) == [COMPONENT_TYPE] == [serverless_pypi.COMPONENT_TYPE]
    assert schema["resources"][COMPONENT_TYPE]["isComponent"] is True
    import pulumi_aws

    aws_version = json.loads((Path(pulumi_aws.__file__).parent / "pulumi-plugin.json").read_text())["version"]
    assert schema["dependencies"] == [{"name": "aws", "version": aws_version}]


def test_every_argument_is_an_input_and_only_the_ids_are_required(resource: dict[str, Any]) -> None:
    fields = [f for f in dataclasses.fields(ServerlessPyPIArgs) if f.name not in PYTHON_ONLY]
    assert set(resource["inputProperties"]) == {camel(f.name) for f in fields}
    assert set(package.ServerlessPyPIInputs.__annotations__) == {f.name for f in fields}
    without_default = {
        camel(f.name)
        for f in fields
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    }
    assert (
        sorted(resource["requiredInputs"])
        == sorted(without_default)
        == ["executionArn", "restApiId", "rootResourceId"]
    )


def test_every_attribute_is_an_output(resource: dict[str, Any]) -> None:
    python = inspect.get_annotations(serverless_pypi.ServerlessPyPI)
    hosted = inspect.get_annotations(package.ServerlessPyPI)
    assert hosted == python  # the hosted class restates the outputs (for their docs), nothing else
    assert set(resource["properties"]) == {camel(name) for name in python}
    optional = {camel(name) for name, hint in python.items() if type(None) in typing.get_args(hint)}
    assert set(resource["properties"]) - set(resource["required"]) == optional


def test_an_input_and_an_output_share_a_name_only_when_they_are_one_value(resource: dict[str, Any]) -> None:
    # A generated SDK keeps one property per name: a switch and the resource it creates cannot
    # share one. The name asked for and the name given (bucketName) can.
    inputs, outputs = resource["inputProperties"], resource["properties"]
    assert set(inputs) & set(outputs) == {"bucketName"}
    assert _type_of(inputs["bucketName"]) == _type_of(outputs["bucketName"]) == "string"
    assert inputs["tooLargeResponse"]["type"] == inputs["alarms"]["type"] == "boolean"
    assert {"tooLargeGatewayResponse", "notFoundGatewayResponse", "metricAlarms"} <= set(outputs)


def test_every_input_output_and_enum_value_is_described(
    schema: dict[str, Any], resource: dict[str, Any]
) -> None:
    assert resource["description"].startswith("A private Python package index")
    for group in ("inputProperties", "properties"):
        for name, prop in resource[group].items():
            assert prop.get("description", "").strip(), f"{group}.{name} has no description"
    for token, typ in schema["types"].items():
        assert typ["description"], token
        if token != f"{package.PACKAGE}:index:Runtime":  # the values say it all
            assert all(value.get("description") for value in typ["enum"]), token


def _type_of(prop: Mapping[str, Any]) -> str:
    return str(prop.get("type") or prop.get("$ref"))


def test_input_types_follow_the_arguments(resource: dict[str, Any]) -> None:
    """Lists, maps, numbers and switches; plain exactly where the Python path takes no output."""
    # The annotations as written (args.py postpones them): ``pulumi.Input[...]`` at the top means
    # the Python path takes an output there.
    written = {field.name: str(field.type) for field in dataclasses.fields(ServerlessPyPIArgs)}
    expected_type = {bool: "boolean", int: "integer", tuple: "array", dict: "object", str: "string"}
    for field in dataclasses.fields(ServerlessPyPIArgs):
        if field.name in PYTHON_ONLY:
            continue
        prop = resource["inputProperties"][camel(field.name)]
        default = field.default if field.default_factory is dataclasses.MISSING else field.default_factory()
        if default is not dataclasses.MISSING and default is not None and "$ref" not in prop:
            assert prop["type"] == expected_type[type(default)], field.name
        takes_output = written[field.name].startswith("pulumi.Input[")
        assert bool(prop.get("plain")) is not takes_output, field.name


@pytest.mark.parametrize(
    ("field", "enum", "allowed"),
    [
        ("runtime", package.Runtime, component_args.RUNTIMES),
        ("architecture", package.Architecture, component_args.ARCHITECTURES),
        ("endpoint_type", package.EndpointType, component_args.ENDPOINT_TYPES),
        ("authorization", package.Authorization, routes.AUTHORIZATION_TYPES),
    ],
)
def test_enums_are_the_sets_the_component_validates(
    schema: dict[str, Any], resource: dict[str, Any], field: str, enum: type[Any], allowed: tuple[str, ...]
) -> None:
    token = f"{package.PACKAGE}:index:{enum.__name__}"
    assert resource["inputProperties"][camel(field)]["$ref"] == f"#/types/{token}"
    assert [value["value"] for value in schema["types"][token]["enum"]] == list(allowed)
    with pytest.raises(ValueError, match=field):
        ServerlessPyPIArgs(**REQUIRED, **{field: "nope"})  # type: ignore[arg-type]


# -- the plugin ------------------------------------------------------------------------------------
def test_plugin_manifest_runs_python_with_the_stacks_pins() -> None:
    manifest = yaml.safe_load((PLUGIN / "PulumiPlugin.yaml").read_text())
    assert manifest["runtime"]["name"] == "python"
    requirements = (PLUGIN / "requirements.txt").read_text().split("\n")
    assert "-r ../requirements.txt" in requirements
    assert (PLUGIN / "__main__.py").is_file()


def test_changelog_releases_the_packages_version() -> None:
    headings = [
        line.removeprefix("## ").split()[0]
        for line in (ROOT / "CHANGELOG.md").read_text().splitlines()
        if line.startswith("## ")
    ]
    released = [h for h in headings if h[:1].isdigit()]
    assert released, headings
    assert released[0] == package.VERSION


@pytest.fixture
def plugin(tmp_path: Path) -> Iterator[str]:
    """The plugin started as the language host starts it, from the consumer's directory (not this
    repository); the engine is not called for a schema."""
    with running_plugin(tmp_path, "127.0.0.1:1") as address:
        yield address


def test_plugin_answers_get_schema_with_the_committed_schema(plugin: str) -> None:
    import grpc  # type: ignore[import-untyped]
    from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

    with grpc.insecure_channel(plugin) as channel:
        stub = provider_pb2_grpc.ResourceProviderStub(channel)
        answered = stub.GetSchema(provider_pb2.GetSchemaRequest(version=0), timeout=60)
        info = stub.GetPluginInfo(empty_pb2.Empty(), timeout=60)
    assert package.normalize(answered.schema) == SCHEMA.read_text(encoding="utf-8")
    assert info.version == package.VERSION


def test_code_and_layer_resolve_from_the_packages_files(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from components import code, layer

    monkeypatch.chdir(tmp_path)  # the consumer's directory, where the plugin runs
    files = code.handler_files()
    assert "handlers/api.py" in files and "handlers/reindex.py" in files
    for path in files.values():
        assert path.is_absolute() and path.is_file() and path.is_relative_to(ROOT), path
    assert layer.REQUIREMENTS.is_absolute() and layer.REQUIREMENTS.is_file()
    assert layer.CACHE.is_absolute() and layer.CACHE.is_relative_to(ROOT)


# -- Construct: the provider host builds what the Python path builds -------------------------------
def wire(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Python arguments as the provider host receives them: camelCase keys, a protobuf Struct
    (every number a float), deserialized as ``ProviderServicer.Construct`` does."""
    struct = struct_pb2.Struct()
    struct.update({camel(key): value for key, value in inputs.items()})
    received: dict[str, Any] = rpc.deserialize_properties(struct, keep_unknowns=True)
    return received


def _resources(graph: Graph) -> dict[str, tuple[Any, ...]]:
    def shape(r: Registered) -> tuple[Any, ...]:
        return (
            r.parent,
            sorted(r.dependencies),
            r.import_id,
            r.protect,
            r.retain_on_delete,
            comparable(r.inputs),
        )

    return {urn: shape(r) for urn, r in graph.resources.items()}


def provider_path(
    provider: ComponentProvider, overrides: Mapping[str, Any], state: dict[str, Any]
) -> Program:
    def body() -> dict[str, Any]:
        result = provider.construct(NAME, RESOURCE, wire({**REQUIRED, **overrides}), pulumi.ResourceOptions())
        state.update(result.state)
        return {"trigger": result.state["deploymentTrigger"], "format": result.state["accessLogFormat"]}

    return body


def test_everything_covers_every_input() -> None:
    assert set(EVERYTHING) == set(package.ServerlessPyPIInputs.__annotations__) - set(REQUIRED)


@pytest.mark.parametrize("overrides", [{}, EVERYTHING], ids=["defaults", "everything"])
def test_construct_builds_the_python_paths_graph(
    provider: ComponentProvider, overrides: dict[str, Any]
) -> None:
    state: dict[str, Any] = {}
    hosted = run(provider_path(provider, overrides, state))
    direct = run(python_path(overrides))
    assert len(direct.resources) > 30
    assert _resources(hosted) == _resources(direct)
    assert hosted.component_outputs == direct.component_outputs
    assert hosted.outputs == direct.outputs
    # The state handed back holds every output the component set, by its schema name.
    attributes = inspect.get_annotations(serverless_pypi.ServerlessPyPI)
    component = hosted.one(COMPONENT_TYPE, NAME)
    set_outputs = {camel(name) for name in hosted.component_outputs[component.urn]}
    assert set(state) == set_outputs and set_outputs <= {camel(name) for name in attributes}


def test_construct_turns_wire_numbers_back_into_ints(provider: ComponentProvider) -> None:
    assert wire({"api_memory_size": 1024})["apiMemorySize"] == 1024.0  # what the wire carries
    graph = run(provider_path(provider, {"presigned_url_ttl": 600, "api_memory_size": 1024}, {}))
    api = graph.one("aws:lambda/function:Function", f"{NAME}-api").inputs
    assert api["environment"]["variables"]["S3_PRESIGNED_URL_TTL"] == "600"


def test_construct_reports_a_missing_input_by_its_schema_name(provider: ComponentProvider) -> None:
    with pytest.raises(InputPropertyError, match="restApiId"):
        provider.construct(NAME, RESOURCE, wire({"root_resource_id": "r", "execution_arn": "a"}), None)


def test_construct_refuses_a_value_outside_an_enum(provider: ComponentProvider) -> None:
    with pytest.raises(InputPropertyError, match="Architecture"):
        provider.construct(NAME, RESOURCE, wire({**REQUIRED, "architecture": "ppc64"}), None)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"api_memory_size": 64}, "api_memory_size must be 128 to 10240 MB"),
        ({"api_memory_size": 512.5}, "apiMemorySize must be a whole number"),
        ({"endpoint_type": "PRIVATE"}, "endpoint_type PRIVATE needs vpc_endpoint_ids"),
    ],
)
def test_construct_runs_the_arguments_validation(
    provider: ComponentProvider, overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(ComponentInitError, match=message):
        provider.construct(NAME, RESOURCE, wire({**REQUIRED, **overrides}), None)


def test_plain_inputs_refuse_outputs() -> None:
    def body() -> None:
        with pytest.raises(ValueError, match="apiMemorySize must be a plain value"):
            package.to_args({**REQUIRED, "api_memory_size": pulumi.Output.from_input(512)})
        # An Input field takes one, as in Python.
        assert package.to_args({**REQUIRED, "bucket_name": pulumi.Output.from_input("b")}).bucket_name

    run(body)


def test_python_programs_keep_the_old_attribute_names() -> None:
    seen: dict[str, Any] = {}

    def body() -> None:
        index = serverless_pypi.ServerlessPyPI(NAME, ServerlessPyPIArgs(**REQUIRED, not_found_response=False))
        seen.update(
            too_large=index.too_large_response is index.too_large_gateway_response is not None,
            not_found=index.not_found_response is index.not_found_gateway_response is None,
            alarms=index.alarms is index.metric_alarms and len(index.alarms) >= 3,
        )

    run(body)
    assert seen == {"too_large": True, "not_found": True, "alarms": True}
