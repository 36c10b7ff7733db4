"""The layers the docstrings describe are the layers the imports make (docs/ARCHITECTURE.md).

Pure modules import nothing from storage or entry points and work with boto3 and botocore absent;
the component's pure builders import without Pulumi, while the component itself still imports from
the package as before.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HANDLERS = ROOT / "handlers"

#: The parts of ``handlers/``, lowest first: a part imports only from parts before it (or itself).
#: A module directly in ``handlers/`` is a part of its own; a subpackage is one part.
PARTS = [
    "names",
    "contract",
    "layout",
    "config",
    "web",
    "aws",
    "controls",
    "archives",
    "views",
    "simple",
    "auth",
    "publishing",
    "attestations",
    "uploads",
    "proxy",
    "app",
    "api",
    "reindex",
]
#: Modules that run with boto3 and botocore absent: names, rules, rendering, parsing.
PURE = [
    "names",
    "contract",
    "layout",
    "config",
    "web.http",
    "web.negotiation",
    "web.multipart",
    "aws.notifications",
    "controls.rules",
    "controls.recent",
    "archives.distributions",
    "archives.core_metadata",
    "views.assets",
    "views.render",
    "views.readme",
    "views.stored",
    "simple.model",
    "simple.render",
    "simple.pages",
    "simple.rebase",
    "publishing.oidc",
    "publishing.github",
    "publishing.gitlab",
    "publishing.google",
    "publishing.providers",
    "publishing.publisher",
    "publishing.discovery",
    "attestations.identity",
    "attestations.verify",
    "proxy.model",
    "proxy.policy",
    "proxy.render",
]
#: The modules that may talk to S3 (through ``handlers.aws.storage``, client passed in).
STORAGE = [
    "aws.storage",
    "aws.clients",
    "controls.registry",
    "simple.catalog",
    "simple.indexer",
    "simple.viewer",
    "views.site",
    "simple.copies",
    "auth.tokens",
    "auth.minted",
    "auth.credentials",
    "uploads.claims",
    "uploads.publish",
    "uploads.endpoint",
    "publishing.jwks",
    "publishing.publishers",
    "attestations.provenance",
    "proxy.upstream",
    "proxy.cache",
]
ENTRY_POINTS = ["app", "api", "reindex", "publishing.exchange"]
SUBPACKAGES = sorted(p.parent.name for p in HANDLERS.glob("*/__init__.py"))


def module_name(path: Path) -> str:
    """``handlers/web/http.py`` -> ``handlers.web.http`` (a package is its ``__init__``'s folder)."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def python_modules(*folders: str) -> dict[str, Path]:
    """Every module of these top-level folders, by dotted name."""
    found = {}
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "__pycache__" not in path.parts:
                found[module_name(path)] = path
    return found


def _type_checking_only(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def imported_modules(path: Path, known: set[str]) -> set[str]:
    """The known modules a file imports anywhere (inside functions too), ``if TYPE_CHECKING:`` aside."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = {id(n) for block in ast.walk(tree) if _type_checking_only(block) for n in ast.walk(block)}
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # ``from P import m`` imports the module P.m when there is one, else a name of P itself.
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                found.add(submodule if submodule in known else node.module)
    return {name for name in found if name in known}


def handler_modules() -> dict[str, Path]:
    return {name: path for name, path in python_modules("handlers").items() if name != "handlers"}


def part_of(module: str) -> str:
    """``handlers.web.http`` -> ``web``; ``handlers.api`` -> ``api``."""
    return module.split(".")[1]


def test_handlers_is_a_handful_of_shared_modules_and_a_folder_per_concern() -> None:
    top = {p.stem for p in HANDLERS.glob("*.py")} - {"__init__"}
    assert len(top) <= 8, top
    assert len(SUBPACKAGES) >= 4, SUBPACKAGES
    assert top | set(SUBPACKAGES) == set(PARTS)
    for package in SUBPACKAGES:
        init = HANDLERS / package / "__init__.py"
        tree = ast.parse(init.read_text(encoding="utf-8"))
        docstring = ast.get_docstring(tree) or ""
        assert "import" in docstring and len(docstring) > 80, f"{init}: say what it holds and may import"
        assert not [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)], init


def test_every_handlers_module_has_a_layer() -> None:
    modules = {name.removeprefix("handlers.") for name, path in handler_modules().items()}
    modules -= set(SUBPACKAGES)
    assert modules == set(PURE) | set(STORAGE) | set(ENTRY_POINTS)


def test_imports_between_parts_go_one_way() -> None:
    modules = handler_modules()
    known = set(modules) | {f"handlers.{p}" for p in SUBPACKAGES}
    wrong = []
    for name, path in modules.items():
        rank = PARTS.index(part_of(name))
        for target in imported_modules(path, known):
            if PARTS.index(part_of(target)) > rank:
                wrong.append(f"{name} imports {target}")
    assert not wrong, wrong


def test_no_import_cycles() -> None:
    modules = python_modules("handlers", "components", "admin", "devserver")
    graph = {name: imported_modules(path, set(modules)) - {name} for name, path in modules.items()}
    cycles = []
    state: dict[str, int] = {}  # 1 on the stack, 2 done

    def visit(name: str, stack: list[str]) -> None:
        state[name] = 1
        for target in sorted(graph[name]):
            if state.get(target) == 1:
                cycles.append([*stack[stack.index(target) :], target])
            elif target not in state:
                visit(target, [*stack, target])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert not cycles, cycles


@pytest.mark.parametrize("module", PURE)
def test_pure_modules_import_only_pure_modules(module: str) -> None:
    path = handler_modules()[f"handlers.{module}"]
    imported = imported_modules(path, set(handler_modules())) - {f"handlers.{p}" for p in SUBPACKAGES}
    assert {m.removeprefix("handlers.") for m in imported} <= set(PURE), module


@pytest.mark.parametrize("module", STORAGE)
def test_storage_modules_import_no_entry_point(module: str) -> None:
    path = handler_modules()[f"handlers.{module}"]
    imported = {m.removeprefix("handlers.") for m in imported_modules(path, set(handler_modules()))}
    assert not imported & set(ENTRY_POINTS), module


BLOCKER = """
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in {blocked}:
            raise ImportError(f"{{name}} is blocked in this test")
        return None
sys.meta_path.insert(0, Block())
"""


def run_python(code: str, blocked: set[str]) -> subprocess.CompletedProcess[str]:
    program = BLOCKER.format(blocked=sorted(blocked)) + textwrap.dedent(code)
    return subprocess.run(
        [sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )


def test_pure_modules_work_without_boto3() -> None:
    packages = [f"handlers.{p}" for p in SUBPACKAGES]
    imports = "\n".join(f"import {m}" for m in [*packages, *(f"handlers.{m}" for m in PURE)])
    result = run_python(
        f"""
        {imports}
        from handlers import names
        from handlers.simple import model, pages, render
        from handlers.web.negotiation import Format, select
        detail = model.ProjectDetail(names.normalize("Foo.Bar"))
        body, meta = pages.project_page(detail)
        assert pages.read_project(body, meta).files == {{}}
        assert select("application/vnd.pypi.simple.v1+json") is Format.JSON_V1
        assert b"foo-bar" in render.project_html(detail)
        print("ok")
        """.replace("\n        ", "\n"),
        {"boto3", "botocore"},
    )
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr


def test_page_reads_import_nothing_beyond_boto3() -> None:
    # A cold start of the API function: packaging loads only on the upload path.
    result = run_python(
        """
        import sys
        import handlers.api
        heavy = {"packaging", "email", "tarfile", "zipfile", "html", "jwt", "cryptography", "urllib.request"}
        heavy |= {"handlers.simple.render", "handlers.simple.model", "handlers.simple.indexer"}
        heavy |= {"handlers.simple.copies", "handlers.simple.rebase"}
        heavy |= {"handlers.uploads", "handlers.archives", "handlers.publishing", "handlers.auth.minted"}
        heavy |= {"handlers.attestations", "sigstore", "pypi_attestations", "pydantic", "tuf"}
        heavy |= {"handlers.views.render", "handlers.views.readme", "handlers.views.site"}
        heavy |= {"readme_renderer", "docutils", "nh3", "pygments", "comrak"}
        heavy |= {"handlers.proxy"}
        heavy = sorted(m for m in sys.modules if any(m == h or m.startswith(h + ".") for h in heavy))
        print(heavy)
        """.replace("\n        ", "\n"),
        set(),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_component_builders_import_without_pulumi_and_the_component_still_does() -> None:
    result = run_python(
        """
        import components
        from components import policies, routes
        assert routes.not_found_message()
        assert policies.assume_role_policy()
        import devserver.limits, devserver.server
        print("ok")
        """.replace("\n        ", "\n"),
        {"pulumi", "pulumi_aws"},
    )
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr
    loaded = subprocess.run(
        [sys.executable, "-c", "from components import ServerlessPyPI, ServerlessPyPIArgs; print('ok')"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert loaded.stdout.strip() == "ok", loaded.stderr
