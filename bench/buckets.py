"""Synthetic buckets: real small wheels (so metadata is extracted), indexed by the real reindexer."""

from __future__ import annotations

import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from handlers.aws.storage import Storage
from handlers.names import NormalizedName
from handlers.simple.catalog import Catalog
from handlers.simple.model import FileFacts
from testkit import dists

#: Projects with many files, by file count, in the 1,000-project bucket.
BIG_PROJECTS = {10: "files-10", 100: "files-100", 1000: "files-1000"}


@dataclass(frozen=True)
class Wheel:
    """A wheel's key and bytes."""

    key: str
    data: bytes


def wheel(name: str, version: str, workdir: Path, *, padding: int = 0) -> Wheel:
    """A real small wheel of ``name`` (built by the test support module, read back as bytes)."""
    path = dists.wheel(workdir, dists.Meta(name, version, requires_python=">=3.9"), padding=padding)
    data = path.read_bytes()
    path.unlink()
    return Wheel(f"{name}/{path.name}", data)


def seed(s3: Any, bucket: str, projects: int, *, with_big: bool) -> int:
    """Create ``bucket`` with ``projects`` projects (one wheel each, or the big ones); returns files."""
    s3.create_bucket(Bucket=bucket)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        wheels = []
        singles = projects - (len(BIG_PROJECTS) if with_big else 0)
        wheels += [wheel(f"proj-{n:05d}", "1.0", workdir) for n in range(singles)]
        if with_big:
            for count, name in BIG_PROJECTS.items():
                wheels += [wheel(name, f"1.{n}", workdir) for n in range(count)]
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda w: s3.put_object(Bucket=bucket, Key=w.key, Body=w.data), wheels))
    return len(wheels)


def synthesize_page(storage: Storage, project: str, files: int) -> None:
    """Write a page of ``files`` files straight from made-up facts (no objects): memory at scale."""
    facts = {
        f"{project}/{project}-1.{n}-py3-none-any.whl": FileFacts(
            filename=f"{project}-1.{n}-py3-none-any.whl",
            key=f"{project}/{project}-1.{n}-py3-none-any.whl",
            etag=f"{n:032x}",
            size=10_000 + n,
            sha256=f"{n:064x}",
            upload_time="2026-01-01T00:00:00.000000Z",
            requires_python=">=3.9",
            metadata_sha256=f"{n + 1:064x}",
        )
        for n in range(files)
    }
    Catalog(storage).write_page(NormalizedName(project), facts, None)
