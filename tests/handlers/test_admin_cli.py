"""``python -m admin`` against moto, through ``main(argv)`` and once as a real subprocess."""

from __future__ import annotations

import argparse
import base64
import io
import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import NoReturn

import pytest
from botocore.exceptions import ClientError

from admin import cli
from admin.cli import main
from handlers import reindex
from handlers.aws import clients as handler_clients
from handlers.aws.storage import Storage
from testkit import clients
from tests.support import shell
from tests.support.moto import Index
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


def test_global_flags_work_after_the_command_too(
    index: Index, s3_endpoint: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("S3_BUCKET", raising=False)
    flags = ["--bucket", index.bucket, "--endpoint-url", s3_endpoint]
    assert main(["token", "create", "--name", "late", "--scope", "read", *flags]) == 0
    capsys.readouterr()
    assert main(["token", "list", *flags]) == 0
    assert "late\tscopes=read" in capsys.readouterr().out
    # One before the command, one after: both count; after the command wins for the same flag.
    assert (
        main(["--bucket", "no-such-bucket", "--endpoint-url", s3_endpoint, "token", "list", *flags[:2]]) == 0
    )
    assert "late\tscopes=read" in capsys.readouterr().out
    assert main(["token", "list"]) == 1  # and without any, the usual error naming --bucket
    assert "--bucket" in capsys.readouterr().err


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


def test_no_bucket_is_one_line_naming_the_fix(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("S3_BUCKET", raising=False)
    assert main(["token", "list"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: no bucket: pass --bucket NAME or set S3_BUCKET")
    assert err.count("\n") == 1


def one_line_error(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Run the CLI, expect exit 1 and exactly one line on stderr, nothing on stdout; that line."""
    assert main(list(argv)) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("error: ") and captured.err.count("\n") == 1, captured.err
    assert "Traceback" not in captured.err
    return captured.err


def test_a_bucket_that_does_not_exist_names_bucket(
    index: Index, s3_endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    err = one_line_error(capsys, "--endpoint-url", s3_endpoint, "--bucket", "no-such-bucket", "token", "list")
    assert "no bucket 'no-such-bucket'" in err and "--bucket NAME" in err and "S3_BUCKET" in err


def test_an_unreachable_endpoint_names_endpoint_url(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as sock:  # a port nobody listens on: bound, never listening
        sock.bind(("127.0.0.1", 0))
        endpoint = f"http://127.0.0.1:{sock.getsockname()[1]}"
        err = one_line_error(capsys, "--endpoint-url", endpoint, "--bucket", "pypi", "token", "list")
    assert f"cannot reach {endpoint}:" in err and "--endpoint-url" in err


def test_missing_credentials_name_the_variables(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    err = one_line_error(capsys, "--region", "eu-west-1", "--bucket", "pypi", "token", "list")
    assert "no AWS credentials" in err and "AWS_PROFILE" in err and "--endpoint-url" in err


@pytest.mark.parametrize(
    ("code", "fix"),
    [
        ("AccessDenied", "AWS_PROFILE"),
        ("InvalidAccessKeyId", "AWS_ACCESS_KEY_ID"),
        ("PermanentRedirect", "--region REGION"),
    ],
)
def test_refusals_by_s3_name_the_fix(
    index: Index,
    s3_endpoint: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    code: str,
    fix: str,
) -> None:
    def refuse(self: Storage, *args: object, **kwargs: object) -> NoReturn:
        raise ClientError({"Error": {"Code": code, "Message": "refused"}}, "ListObjectsV2")

    # moto grants everything: S3's refusal, as botocore raises it, on the CLI's first S3 call.
    monkeypatch.setattr(Storage, "list", refuse)
    err = one_line_error(capsys, "--endpoint-url", s3_endpoint, "--bucket", index.bucket, "token", "list")
    assert fix in err


def test_the_s3_client_is_configured_as_the_handlers_one(
    index: Index, s3_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", s3_endpoint)
    handlers_config = handler_clients.s3().meta.config
    argv = ["--endpoint-url", s3_endpoint, "--bucket", index.bucket, "token", "list"]
    args = cli._parser().parse_args(argv)
    config = cli._storage(args).client.meta.config
    for name in ("connect_timeout", "read_timeout", "retries", "s3", "signature_version"):
        assert getattr(config, name) == getattr(handlers_config, name), name


def test_help_opens_with_prose_and_explains_scope() -> None:
    parser = cli._parser()
    text = parser.format_help()
    description = text.split("\n\n", 2)[1]
    assert description.startswith("Manage a serverless-pypi index")
    assert "``" not in text and ":func:" not in text
    create = subcommand(subcommand(parser, "token"), "create").format_help()
    assert "repeat it for both: --scope read --scope upload" in " ".join(create.split())
    assert "--name NAME" in create and "revoke it by" in " ".join(create.split())
    assert "30 s" in subcommand(parser, "token").format_help()


def subcommand(parser: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser:
    """The parser of a subcommand."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            found: argparse.ArgumentParser = action.choices[name]
            return found
    raise KeyError(name)


def test_errors_as_printed_have_no_traceback(tmp_path: Path) -> None:
    """The CLI as the README and banner print it: ``.venv/bin/python -m admin`` from the root."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        endpoint = f"http://127.0.0.1:{sock.getsockname()[1]}"
        result = shell.bash(
            [f".venv/bin/python -m admin --endpoint-url {endpoint} --bucket pypi token list || test $? = 1"],
            clients.isolated_env(tmp_path / "home"),
        )
    assert result.returncode == 0, shell.explain(result)
    errors = [line for line in result.stderr.splitlines() if not line.startswith("+")]
    assert len(errors) == 1 and errors[0].startswith("error: cannot reach"), result.stderr


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
