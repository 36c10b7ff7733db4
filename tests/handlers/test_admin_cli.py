"""``python -m admin`` against moto, through ``main(argv)`` and once as a real subprocess."""

from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from admin.cli import main
from handlers import reindex
from tests.handlers.conftest import Index
from tests.support.proxy import body_of, make_wheel

JSON = "application/vnd.pypi.simple.v1+json"


def admin(index: Index, endpoint: str, *args: str) -> int:
    return main(["--bucket", index.bucket, "--endpoint-url", endpoint, *args])


def basic(token: str) -> str:
    return "Basic " + base64.b64encode(f"__token__:{token}".encode()).decode()


def test_token_create_prints_the_token_last_and_it_works(
    index: Index, s3_endpoint: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PUBLIC_READ", "false")
    assert (
        admin(index, s3_endpoint, "token", "create", "--name", "ci", "--scope", "read", "--scope", "upload")
        == 0
    )
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert token.startswith("spypi-")
    assert index.get("/", Authorization=basic(token))["statusCode"] == 200
    assert admin(index, s3_endpoint, "token", "list") == 0
    listed = capsys.readouterr().out
    assert "ci\tscopes=read,upload" in listed and token not in listed
    assert admin(index, s3_endpoint, "token", "create", "--name", "ci", "--scope", "read") == 1
    assert "exists" in capsys.readouterr().err
    assert admin(index, s3_endpoint, "token", "revoke", "ci") == 0
    assert admin(index, s3_endpoint, "token", "revoke", "ci") == 1


def test_upload_validates_and_never_overwrites(
    index: Index, s3_endpoint: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good-1.0-py3-none-any.whl"
    good.write_bytes(make_wheel("good", "1.0", requires_python=">=3.9"))
    bad = tmp_path / "bad-1.0-py3-none-any.whl"
    bad.write_bytes(b"not a zip")
    assert admin(index, s3_endpoint, "upload", str(good), str(bad)) == 1
    err = capsys.readouterr().err
    assert "bad-1.0-py3-none-any.whl: refused" in err
    head = index.s3.head_object(Bucket=index.bucket, Key="good/good-1.0-py3-none-any.whl")
    assert head["Metadata"] == {"sha256": head["Metadata"]["sha256"], "requires-python": ">=3.9"}
    assert admin(index, s3_endpoint, "upload", str(good)) == 0  # identical: fine
    good.write_bytes(make_wheel("good", "1.0", summary="changed"))
    assert admin(index, s3_endpoint, "upload", str(good)) == 1
    assert "File already exists" in capsys.readouterr().err


def test_yank_unyank_remove_and_reindex(
    index: Index, s3_endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    index.put("Tool.Kit/tool_kit-1.0-py3-none-any.whl", make_wheel("tool-kit", "1.0"))
    index.put("tool-kit/tool_kit-2.0-py3-none-any.whl", make_wheel("tool-kit", "2.0"))
    reindex.handler({"rebuild": True}, None)
    assert (
        admin(
            index, s3_endpoint, "yank", "tool_kit", "tool_kit-1.0-py3-none-any.whl", "--reason", "CVE-2026-1"
        )
        == 0
    )
    tags = index.s3.get_object_tagging(Bucket=index.bucket, Key="Tool.Kit/tool_kit-1.0-py3-none-any.whl")[
        "TagSet"
    ]
    assert tags == [{"Key": "pypi-yanked", "Value": "CVE-2026-1"}]
    assert admin(index, s3_endpoint, "reindex", "Tool.Kit") == 0
    page = json.loads(body_of(index.get("/tool-kit/", accept=JSON)))
    assert [f["yanked"] for f in page["files"]] == ["CVE-2026-1", False]
    assert admin(index, s3_endpoint, "unyank", "tool-kit", "tool_kit-1.0-py3-none-any.whl") == 0
    assert (
        admin(index, s3_endpoint, "yank", "tool-kit", "tool_kit-1.0-py3-none-any.whl", "--reason", "<bad>")
        == 1
    )
    assert admin(index, s3_endpoint, "remove", "tool-kit", "tool_kit-2.0-py3-none-any.whl", "--yes") == 0
    assert admin(index, s3_endpoint, "remove", "tool-kit", "nope-1.0.tar.gz", "--yes") == 1
    assert admin(index, s3_endpoint, "reindex") == 0
    assert "1/1 projects" in capsys.readouterr().err  # progress of the rebuild
    page = json.loads(body_of(index.get("/tool-kit/", accept=JSON)))
    assert [(f["filename"], f["yanked"]) for f in page["files"]] == [("tool_kit-1.0-py3-none-any.whl", False)]


def test_remove_without_a_terminal_needs_yes(
    index: Index, s3_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    index.put("x/x-1.0.tar.gz", b"x")
    monkeypatch.setattr(sys, "stdin", io.StringIO("y\n"))  # not a terminal, even if it would say yes
    assert admin(index, s3_endpoint, "remove", "x", "x-1.0.tar.gz") == 1
    assert index.s3.head_object(Bucket=index.bucket, Key="x/x-1.0.tar.gz")


def test_missing_bucket_is_one_line_naming_the_fix(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("S3_BUCKET", raising=False)
    assert main(["token", "list"]) == 1
    assert capsys.readouterr().err == "error: no bucket: pass --bucket NAME or set S3_BUCKET\n"


def test_runs_as_a_module(index: Index, s3_endpoint: str) -> None:
    env = {k: v for k, v in os.environ.items() if k.startswith("AWS_") or k in ("PATH", "HOME")}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "admin",
            "--bucket",
            index.bucket,
            "--endpoint-url",
            s3_endpoint,
            "token",
            "create",
            "--name",
            "m",
            "--scope",
            "upload",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).parents[2],
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith("spypi-")
