"""The dev server's data-directory watcher: never a half-written file, never a replaced release."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

import pytest

from devserver import datadir
from devserver.datadir import DataDir
from devserver.httpd import printable
from tests.support.moto import Index
from tests.support.proxy import make_wheel

KEY = "demo/demo-1.0-py3-none-any.whl"


@pytest.fixture
def watched(index: Index, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[DataDir, Path]:
    monkeypatch.setattr(datadir, "SETTLE_SECONDS", 0.0)
    data = DataDir(tmp_path / "data", index.s3, index.bucket)
    data.load()
    return data, tmp_path / "data" / "demo" / "demo-1.0-py3-none-any.whl"


def stored(index: Index) -> bytes | None:
    try:
        body: bytes = index.s3.get_object(Bucket=index.bucket, Key=KEY)["Body"].read()
    except index.s3.exceptions.NoSuchKey:
        return None
    return body


def test_a_file_is_published_only_once_it_stopped_changing(
    index: Index, watched: tuple[DataDir, Path]
) -> None:
    data, path = watched
    path.parent.mkdir()
    path.write_bytes(make_wheel("demo", "1.0")[:100])  # half copied
    assert data.scan() == 0 and stored(index) is None
    with path.open("ab") as more:  # the copy goes on: size and mtime change
        more.write(make_wheel("demo", "1.0")[100:])
    assert data.scan() == 0 and stored(index) is None
    assert data.scan() == 1  # unchanged for a whole scan: published
    assert stored(index) == make_wheel("demo", "1.0")


def test_a_published_file_is_never_replaced(
    index: Index, watched: tuple[DataDir, Path], caplog: pytest.LogCaptureFixture
) -> None:
    data, path = watched
    path.parent.mkdir()
    path.write_bytes(make_wheel("demo", "1.0"))
    data.scan()
    data.scan()
    assert stored(index) == make_wheel("demo", "1.0")
    path.write_bytes(make_wheel("demo", "1.0", summary="other bytes"))
    later = time.time() - 100  # another mtime, in the past: settled
    os.utime(path, (later, later))
    with caplog.at_level(logging.WARNING, logger="devserver.datadir"):
        data.scan()
        data.scan()
        data.scan()
    assert stored(index) == make_wheel("demo", "1.0")
    warnings = [r for r in caplog.records if "never replaced" in r.getMessage()]
    assert len(warnings) == 1  # said once, not at every scan


def test_the_access_log_escapes_control_characters() -> None:
    forged = 'GET /simple/\r\n127.0.0.1 "GET /admin" 200 \x1b[2J'
    logged = printable(forged)
    assert "\r" not in logged and "\n" not in logged and "\x1b" not in logged
    assert logged == 'GET /simple/\\r\\n127.0.0.1 "GET /admin" 200 \\x1b[2J'
