"""The functions' code: the ``handlers/`` package and nothing else (no tests, no caches)."""

from __future__ import annotations

from pathlib import Path

import pulumi

#: The repository root: ``handlers/`` sits beside ``components/``.
ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "handlers"


def handler_files(root: Path = ROOT) -> dict[str, Path]:
    """Archive name -> file for every ``handlers/**/*.py``, sorted, caches skipped."""
    files = {}
    for path in sorted((root / PACKAGE).rglob("*.py")):
        relative = path.relative_to(root)
        if "__pycache__" in relative.parts:
            continue
        files[relative.as_posix()] = path
    return files


def handlers_archive(root: Path = ROOT) -> pulumi.AssetArchive:
    """The code asset of both functions (absolute paths: Pulumi compares assets by content hash)."""
    return pulumi.AssetArchive(
        {name: pulumi.FileAsset(str(path)) for name, path in handler_files(root).items()}
    )
