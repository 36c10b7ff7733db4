"""Changes made straight to the embedded S3 reach the index (events) and the data dir (write-back)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TypeVar

import pytest

from testkit import dists
from testkit.clients import explain, pip
from testkit.dists import Meta
from tests.support.devserver import Running, project_files, put, wait_for

pytestmark = pytest.mark.e2e

JSON = "application/vnd.pypi.simple.v1+json"
_T = TypeVar("_T")


def test_a_yank_tag_shows_and_survives_in_the_data_dir(
    devserver: Running, tmp_path: Path, client_env: dict[str, str]
) -> None:
    for version in ("1.0", "2.0"):
        wheel = dists.wheel(tmp_path, Meta("yank-me", version))
        put(devserver, f"yank-me/{wheel.name}", wheel)
    newest = "yank_me-2.0-py3-none-any.whl"
    wait_for(lambda: newest in project_files(devserver, "yank-me"), what="the uploads on the page")

    started = time.monotonic()
    devserver.s3().put_object_tagging(
        Bucket=devserver.bucket,
        Key=f"yank-me/{newest}",
        Tagging={"TagSet": [{"Key": "pypi-yanked", "Value": "broken build"}]},
    )
    wait_for(
        lambda: project_files(devserver, "yank-me")[newest].get("yanked") == "broken build",
        what="the yank on the page",
    )
    assert time.monotonic() - started < 10  # the acceptance bar is 30 s; events take ~1 s
    sidecar = devserver.data / ".pypi-tags.json"
    wait_for(
        lambda: (
            sidecar.exists()
            and json.loads(sidecar.read_text()).get(f"yank-me/{newest}") == {"pypi-yanked": "broken build"}
        ),
        what="the tag in the sidecar",
    )
    result = pip(
        "download", "--index-url", devserver.index_url, "--no-deps", "--dest", str(tmp_path / "d"), "yank-me",
        env=client_env,
    )  # fmt: skip
    assert result.returncode == 0, explain(result)
    assert [p.name for p in (tmp_path / "d").iterdir()] == ["yank_me-1.0-py3-none-any.whl"]

    devserver.s3().delete_object_tagging(Bucket=devserver.bucket, Key=f"yank-me/{newest}")
    wait_for(lambda: not project_files(devserver, "yank-me")[newest].get("yanked"), what="the unyank")
    wait_for(
        lambda: f"yank-me/{newest}" not in json.loads(sidecar.read_text()), what="the tag leaving the sidecar"
    )


def test_a_key_with_plus_and_space_is_indexed_and_written_back(devserver: Running, tmp_path: Path) -> None:
    wheel = dists.wheel(tmp_path, Meta("plus-direct", "1.0+dev.1"))
    assert wheel.name == "plus_direct-1.0+dev.1-py3-none-any.whl"
    put(devserver, f"plus-direct/{wheel.name}", wheel)
    files = wait_for(lambda: project_files(devserver, "plus-direct"), what="the '+' file on the page")
    assert list(files) == [wheel.name]
    assert files[wheel.name]["hashes"]["sha256"] == dists.sha256(wheel)
    copy = devserver.data / "plus-direct" / wheel.name
    wait_for(copy.exists, what="the write-back")
    assert copy.read_bytes() == wheel.read_bytes()

    # A space is encoded as "+" by S3: a key with both must still come back as itself.
    odd = devserver.data / "odd folder"
    devserver.s3().put_object(Bucket=devserver.bucket, Key="odd folder/a+b c.txt", Body=b"odd")
    wait_for((odd / "a+b c.txt").exists, what="the write-back of an odd key")
    assert (odd / "a+b c.txt").read_bytes() == b"odd"


def test_a_delete_reaches_the_page_and_the_data_dir(devserver: Running, tmp_path: Path) -> None:
    wheel = dists.wheel(tmp_path, Meta("gone-soon", "1.0"))
    put(devserver, f"gone-soon/{wheel.name}", wheel)
    copy = devserver.data / "gone-soon" / wheel.name
    wait_for(copy.exists, what="the write-back")
    wait_for(lambda: project_files(devserver, "gone-soon"), what="the page")
    devserver.s3().delete_object(Bucket=devserver.bucket, Key=f"gone-soon/{wheel.name}")
    wait_for(lambda: not copy.exists(), what="the removal from the data dir")
    wait_for(
        lambda: wheel.name not in project_files(devserver, "gone-soon"), what="the removal from the page"
    )
    assert not copy.parent.exists()  # the empty folder goes too


def test_generated_data_is_not_written_back(devserver: Running) -> None:
    keys = [o["Key"] for o in devserver.s3().list_objects_v2(Bucket=devserver.bucket)["Contents"]]
    assert any(k.startswith(".pypi/") for k in keys)
    assert not (devserver.data / ".pypi").exists()
    assert not (devserver.data / "index.html").exists()
