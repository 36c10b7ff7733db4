"""The ready stack as the Pulumi CLI runs it: a stack's config, Pulumi.yaml applied, ``__main__.py``.

Before the program starts, the CLI (``ValidateStackConfigAndApplyProjectConfig`` in pulumi/pulumi,
``sdk/go/common/workspace/config.go``) writes every ``default`` of ``Pulumi.yaml`` that the stack
does not set into the stack's config, then refuses the stack if a value does not fit its key's
declared ``type``. The program gets every value as text: a string as it is, a boolean or number as
its JSON text (``false``, ``900``), a list or mapping as JSON. :func:`cli_config` does the same;
:func:`run_stack` runs ``__main__.py`` under the mocks with it. Every stack test goes through here:
a test that hands the program config another way tests a world the CLI never creates.

A stack here is what ``Pulumi.<stack>.yaml`` holds under ``config:``, as YAML loads it: strings
(what ``pulumi config set KEY VALUE`` stores), booleans and numbers, lists and mappings. A key
without a namespace is the project's, as ``pulumi config set`` takes it.
"""

from __future__ import annotations

import functools
import json
import math
import re
import runpy
from collections.abc import Mapping
from typing import Any

import yaml  # type: ignore[import-untyped]  # PyYAML ships without stubs; Pulumi depends on it

from tests.support.pulumi_mocks import PROJECT, REGION, ROOT, STACK, Graph, run

MAIN = ROOT / "__main__.py"
PULUMI_YAML = ROOT / "Pulumi.yaml"

#: Go's ``strconv.Atoi``: an optional sign and decimal digits, in int64's range.
_ATOI = re.compile(r"[+-]?[0-9]+")
_INT64 = range(-(2**63), 2**63)


class StackConfigError(ValueError):
    """The CLI would refuse this stack before running the program."""


@functools.cache
def project() -> dict[str, Any]:
    """Pulumi.yaml, loaded once."""
    loaded: dict[str, Any] = yaml.safe_load(PULUMI_YAML.read_text(encoding="utf-8"))
    return loaded


def qualified(key: str) -> str:
    """``publicRead`` -> ``serverless-pypi:publicRead``; a namespaced key stays as it is."""
    return key if ":" in key else f"{PROJECT}:{key}"


def stored(value: object) -> tuple[str, bool]:
    """How the CLI keeps one config value: its text, and whether that text is a JSON object value.

    A string is kept as it is; a boolean or number as its JSON text, still a plain (non-object)
    value; a list or mapping as JSON, an object value.
    """
    if isinstance(value, str):
        return value, False
    if isinstance(value, bool | int | float):
        return json.dumps(value), False
    if isinstance(value, list | dict):
        return json.dumps(value), True
    raise TypeError(f"not a config value: {value!r}")


def fits(kind: str, items: Mapping[str, Any] | None, value: object) -> bool:
    """``ValidateConfigValue`` of pulumi/pulumi (``sdk/go/common/workspace/project.go``): does a
    stack value (text, or the parsed JSON of an object value) fit the declared ``type``?"""
    if kind == "string":
        return isinstance(value, str)
    if kind == "integer":
        if isinstance(value, bool):
            return False
        if isinstance(value, int):
            return True
        if isinstance(value, float):
            return value == math.trunc(value)
        return isinstance(value, str) and bool(_ATOI.fullmatch(value)) and int(value) in _INT64
    if kind == "boolean":
        return value in ("true", "false") if isinstance(value, str) else isinstance(value, bool)
    if kind == "object":
        return isinstance(value, dict)
    if not isinstance(value, list) or items is None:
        return False
    return all(fits(items["type"], items.get("items"), item) for item in value)


def cli_config(stack: Mapping[str, object] | None = None) -> dict[str, str]:
    """The config the program gets for ``stack`` (``aws:region`` added unless it sets one).

    Raises :class:`StackConfigError` where the CLI refuses the stack: a value that does not fit its
    key's type, a declared key with neither a stack value nor a default. Also, stricter than the
    CLI, a project key that Pulumi.yaml does not declare: a test's typo, which the CLI would pass
    to a program that never reads it.
    """
    declared: dict[str, dict[str, Any]] = project()["config"]
    values = {"aws:region": (REGION, False)}
    values.update({qualified(key): stored(value) for key, value in (stack or {}).items()})
    known = {qualified(key) for key in declared}
    unknown = sorted(key for key in values if key.startswith(f"{PROJECT}:") and key not in known)
    if unknown:
        raise StackConfigError(f"Pulumi.yaml declares no key {', '.join(unknown)}")
    missing = []
    for key, declaration in sorted(declared.items()):
        name = qualified(key)
        if name in values:
            continue
        if "default" in declaration or "value" in declaration:
            values[name] = stored(declaration.get("default", declaration.get("value")))
        elif name.startswith(f"{PROJECT}:"):
            missing.append(key)
    if missing:
        raise StackConfigError(
            f"Stack '{STACK}' is missing configuration value{'s' if len(missing) > 1 else ''} "
            + ", ".join(f"'{key}'" for key in missing)
        )
    for key, declaration in sorted(declared.items()):
        if "type" not in declaration:
            continue
        text, is_object = values[qualified(key)]
        content = json.loads(text) if is_object else text
        if not fits(declaration["type"], declaration.get("items"), content):
            raise StackConfigError(
                f"Stack '{STACK}' with configuration key '{key}' must be of type '{declaration['type']}'"
            )
    return {name: text for name, (text, _) in values.items()}


def run_main(stack: Mapping[str, object] | None = None) -> tuple[Graph, dict[str, Any]]:
    """Run ``__main__.py`` as ``pulumi up`` would for ``stack``; also its module namespace."""
    config = cli_config(stack)
    namespace: dict[str, Any] = {}

    def program() -> None:
        namespace.update(runpy.run_path(str(MAIN)))

    return run(program, config), namespace


def run_stack(stack: Mapping[str, object] | None = None) -> Graph:
    """The resources and outputs of ``__main__.py`` for ``stack`` (see :func:`run_main`)."""
    return run_main(stack)[0]
