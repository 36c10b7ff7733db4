"""The data directory outlives the server: what reached the bucket is served again after a restart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from testkit import dists
from testkit.dists import Meta
from tests.support.devserver import project_files, running_devserver, wait_for

pytestmark = pytest.mark.e2e


def test_restart_serves_what_reached_the_bucket(tmp_path: Path) -> None:
    data = tmp_path / "data"
    kept = dists.wheel(data / "Keep_Me", Meta("keep-me", "1.0"))
    direct = dists.wheel(tmp_path / "elsewhere", Meta("direct", "1.0", requires_python="<4,>3"))

    with running_devserver(data, tmp_path / "first") as first:
        first.s3().put_object(Bucket=first.bucket, Key=f"direct/{direct.name}", Body=direct.read_bytes())
        first.s3().put_object_tagging(
            Bucket=first.bucket,
            Key=f"Keep_Me/{kept.name}",
            Tagging={"TagSet": [{"Key": "pypi-yanked", "Value": "old"}]},
        )
        wait_for((data / "direct" / direct.name).exists, what="the write-back")
        wait_for(
            lambda: (
                (data / ".pypi-tags.json").exists()
                and json.loads((data / ".pypi-tags.json").read_text()).get(f"Keep_Me/{kept.name}")
            ),
            what="the tag in the sidecar",
        )
        # A file dropped into the data directory while the server runs is served too.
        dropped = dists.wheel(data / "dropped", Meta("dropped", "1.0"))
        wait_for(lambda: dropped.name in project_files(first, "dropped"), what="the dropped file")

    with running_devserver(data, tmp_path / "second") as second:
        assert list(project_files(second, "direct")) == [direct.name]
        assert project_files(second, "direct")[direct.name]["requires-python"] == "<4,>3"
        assert project_files(second, "keep-me")[kept.name]["yanked"] == "old"
        assert list(project_files(second, "dropped")) == [dropped.name]
        # Removing a file from the data directory removes it from the index.
        dropped.unlink()
        wait_for(lambda: not project_files(second, "dropped"), what="the removal")
        assert not (data / "dropped").exists()
