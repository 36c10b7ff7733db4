"""``python -m admin publisher add|list|remove`` against moto, through ``main(argv)``."""

from __future__ import annotations

import pytest

from admin.cli import main
from handlers import layout
from tests.support.moto import Index


def admin(index: Index, endpoint: str, *args: str) -> int:
    return main(["--bucket", index.bucket, "--endpoint-url", endpoint, "publisher", *args])


def test_add_list_remove(index: Index, s3_endpoint: str, capsys: pytest.CaptureFixture[str]) -> None:
    add = ["add", "--project", "Foo.Bar", "--repository", "Octo/Repo", "--workflow", "release.yml"]
    assert admin(index, s3_endpoint, *add, "--environment", "pypi") == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("added ") and "Octo/Repo release.yml environment pypi -> foo-bar" in line
    ident = line.split()[1]
    keys = [o["Key"] for o in index.s3.list_objects_v2(Bucket=index.bucket)["Contents"]]
    assert keys == [
        layout.publishers_prefix("https://token.actions.githubusercontent.com", "octo/repo") + ident
    ]
    assert admin(index, s3_endpoint, *add, "--environment", "pypi") == 0
    assert capsys.readouterr().out.startswith("already there: ")
    assert admin(index, s3_endpoint, "list") == 0
    assert ident in capsys.readouterr().out
    assert admin(index, s3_endpoint, "remove", ident) == 0
    assert admin(index, s3_endpoint, "remove", ident) == 1
    assert "publisher list" in capsys.readouterr().err
    assert admin(index, s3_endpoint, "list") == 0
    assert capsys.readouterr().out.strip() == "no trusted publishers"


def test_a_namespace_publisher(index: Index, s3_endpoint: str, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["add", "--namespace", "Acme", "--repository", "acme/tools", "--workflow", "pub.yaml"]
    assert admin(index, s3_endpoint, *args) == 0
    assert "-> namespace acme" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--project", "x", "--repository", "noslash", "--workflow", "a.yml"], "OWNER/REPO"),
        (["--project", "x", "--repository", "o/r", "--workflow", "a.txt"], "--workflow"),
        (["--project", "bad name!", "--repository", "o/r", "--workflow", "a.yml"], "--project"),
        (["--project", "x", "--repository", "o/r", "--workflow", "a.yml", "--issuer", "ftp://x"], "--issuer"),
    ],
)
def test_bad_publishers_are_one_line_errors(
    index: Index, s3_endpoint: str, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert admin(index, s3_endpoint, "add", *args) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and len(err.strip().splitlines()) == 1
    assert "Contents" not in index.s3.list_objects_v2(Bucket=index.bucket)


def test_project_and_namespace_exclude_each_other(index: Index, s3_endpoint: str) -> None:
    with pytest.raises(SystemExit):
        admin(
            index,
            s3_endpoint,
            "add",
            "--project",
            "a",
            "--namespace",
            "b",
            "--repository",
            "o/r",
            "--workflow",
            "w.yml",
        )
