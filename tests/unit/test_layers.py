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
PURE = [
    "names",
    "model",
    "negotiation",
    "render",
    "pages",
    "layout",
    "core_metadata",
    "distributions",
    "multipart",
    "http",
    "config",
    "contract",
    "notifications",
    "controls",
    "oidc",
]
STORAGE = ["storage", "catalog", "registry", "tokens", "uploads", "indexer", "publishers", "minted", "jwks"]
ENTRY_POINTS = ["app", "api", "reindex", "clients", "exchange"]


def handler_imports(module: str) -> set[str]:
    """The ``handlers.*`` modules a handlers module imports, anywhere in it."""
    tree = ast.parse((ROOT / "handlers" / f"{module}.py").read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "handlers":
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("handlers."):
            found.add(str(node.module).split(".")[1])
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("handlers.")}
    return found


def test_every_handlers_module_has_a_layer() -> None:
    modules = {p.stem for p in (ROOT / "handlers").glob("*.py")} - {"__init__"}
    assert modules == set(PURE) | set(STORAGE) | set(ENTRY_POINTS)


@pytest.mark.parametrize("module", PURE)
def test_pure_modules_import_only_pure_modules(module: str) -> None:
    assert handler_imports(module) <= set(PURE), module


@pytest.mark.parametrize("module", STORAGE)
def test_storage_modules_import_no_entry_point(module: str) -> None:
    assert not handler_imports(module) & set(ENTRY_POINTS), module


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
    imports = "\n".join(f"import handlers.{m}" for m in PURE)
    result = run_python(
        f"""
        {imports}
        from handlers import model, names, pages, render
        from handlers.negotiation import Format, select
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
        heavy |= {f"handlers.{m}" for m in ("render", "model", "uploads", "core_metadata", "distributions")}
        heavy = sorted(m for m in sys.modules if m in heavy or m.split(".")[0] in heavy)
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
