"""A newcomer's first hour, run as they would run it: the Makefile's command line, the banner's lines.

The dev server is started with the very command line ``make run-private`` runs (``make -n``), on free
ports with a temporary data directory; its banner is parsed and every command line in it is run with
bash from the repository root, as printed. ``NAME`` and ``dist/*`` are the banner's placeholders for a
project and your files; nothing else is substituted. pip is a fresh virtualenv's own, uv and twine
the test environment's, all isolated from the machine's configuration.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from devserver import banner
from testkit import clients, dists
from testkit.dists import Meta
from tests.support import shell
from tests.support.devserver import CHAIN, READY_TIMEOUT, REAL, REPO_ROOT, Running, free_port

pytestmark = pytest.mark.e2e

PUBLISHED = Meta("newcomer-pub", "1.0")


def make_command(target: str, args: str) -> str:
    """The command line ``make TARGET ARGS=...`` runs (printed by ``make -n``; the venv taken as made)."""
    result = subprocess.run(
        ["make", "--no-print-directory", "-n", "-o", "venv", target, f"ARGS={args}"],
        cwd=REPO_ROOT,
        env=top_level(dict(os.environ)),
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1, result.stdout
    return lines[0]


def top_level(env: dict[str, str]) -> dict[str, str]:
    """``env`` without what a make running these tests (``make test``) passes down to a child make."""
    return {name: value for name, value in env.items() if name not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS")}


def wait_ready(process: subprocess.Popen[bytes], stdout: Path, stderr: Path) -> str:
    """The banner, once the server printed ``ready``."""
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        text = stdout.read_text(encoding="utf-8", errors="replace")
        if "ready" in text.splitlines():
            return text
        if process.poll() is not None:
            break
        time.sleep(0.1)
    raise AssertionError(f"no ready:\n{stdout.read_text()}\n{stderr.read_text()[-4000:]}")


@pytest.fixture
def private_server(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """``make run-private``'s command line on free ports over a fresh data directory: (line, banner)."""
    data = tmp_path / "data"
    dists.wheel(data / "chain-c", CHAIN[2])
    dists.build_project(data / "Real.Pkg", tmp_path / "build", REAL)
    args = f"--port {free_port()} --s3-port {free_port()} --data {shlex.quote(str(data))}"
    line = make_command("run-private", args)
    assert line.startswith("DEVSERVER_MAKE_TARGET=run-private .venv/bin/python -m devserver ")
    assert "--public-read" not in line
    stdout, stderr = tmp_path / "stdout.log", tmp_path / "stderr.log"
    with stdout.open("wb") as out, stderr.open("wb") as err:
        # bash runs a lone simple command with exec: the process is the dev server itself.
        process = subprocess.Popen(
            ["bash", "-c", line],
            cwd=REPO_ROOT,
            stdout=out,
            stderr=err,
            env=clients.isolated_env(tmp_path / "h"),
        )
    try:
        yield line, wait_ready(process, stdout, stderr)
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0, stderr.read_text()[-3000:]


def installed(venv: Path, project: str) -> str:
    """A glue line: fails unless ``project`` is installed in ``venv``; then uninstalls it and chain-c."""
    python = shlex.quote(str(venv / "bin" / "python"))
    return (
        f"{python} -c 'import importlib.metadata as m; print(m.version(\"{project}\"))'"
        f" && {python} -m pip uninstall --quiet --yes {project} chain-c"
    )


def test_private_mode_from_make_to_pip_install(private_server: tuple[str, str], tmp_path: Path) -> None:
    _, text = private_server
    assert "private: every read needs a token" in text.splitlines()[0]
    commands = banner.commands(text)
    read_token = commands[0]
    assert read_token.startswith('TOKEN="$(.venv/bin/python -m admin --endpoint-url http://127.0.0.1:')
    assert read_token.endswith('token create --name reader --scope read)"')
    installs = [line for line in commands if " install " in line]
    assert len(installs) == 4 and all(line.endswith(" NAME") for line in installs)
    assert sum("$TOKEN" in line for line in installs) == 3  # the URL, the URL, UV_INDEX_*_PASSWORD
    # Publishing runs the clients make venv installed, as a new shell finds them (issue 22).
    publishes = [line for line in commands if line.split()[1] in ("upload", "publish")]
    assert [line.split()[0] for line in publishes] == [".venv/bin/twine", ".venv/bin/uv"]

    # Without a token pip says only "from versions: none" (it hides the 401): why the banner leads
    # with the token line.
    index = text.splitlines()[1].split()[-1]
    anonymous = clients.pip(
        "download", "--no-deps", "-d", str(tmp_path / "anon"), "--index-url", index, "real-pkg",
        env=clients.isolated_env(tmp_path / "anon-home"),
    )  # fmt: skip
    assert anonymous.returncode != 0 and "from versions: none" in anonymous.stderr

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    dist = tmp_path / "dist"
    dists.wheel(dist, PUBLISHED)
    script = []
    for line in commands:
        script.append(line.replace(" NAME", " real-pkg").replace(" dist/*", f" {shlex.quote(str(dist))}/*"))
        if " install " in line:
            script.append(installed(venv, "real-pkg"))
    env = clients.isolated_env(tmp_path / "home")
    env.update(
        {
            "PATH": f"{venv / 'bin'}:{REPO_ROOT / '.venv' / 'bin'}:{env['PATH']}",
            "VIRTUAL_ENV": str(venv),  # where `uv pip install` installs, as after `source activate`
            "PIP_NO_CACHE_DIR": "1",  # each install asks the index again (the netrc line must work)
            "UV_NO_CACHE": "1",
        }
    )
    result = shell.bash(script, env)
    assert result.returncode == 0, shell.explain(result)
    assert (tmp_path / "home" / ".netrc").read_text().startswith("machine 127.0.0.1 login __token__ ")
    # twine, then uv publish of the same bytes (a no-op, as on PyPI): it reached the bucket.
    assert "Uploading newcomer_pub-1.0-py3-none-any.whl" in result.stdout + result.stderr


@pytest.mark.parametrize("flag", ["--port", "--s3-port"])
def test_a_busy_port_through_make_names_args(flag: str, tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        other = "--s3-port" if flag == "--port" else "--port"
        args = f"{flag} {port} {other} {free_port()} --data {shlex.quote(str(tmp_path / 'data'))}"
        result = subprocess.run(
            ["make", "--no-print-directory", "-s", "-o", "venv", "run", f"ARGS={args}"],
            cwd=REPO_ROOT,
            env=top_level(clients.isolated_env(tmp_path / "home")),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert result.returncode != 0
    ours = [line for line in result.stderr.splitlines() if not re.match(r"make(\[\d+\])?: ", line)]
    assert len(ours) == 1, result.stderr
    assert "(Address already in use)" in ours[0]
    assert f'pass another one: make run ARGS="{flag} ' in ours[0]


def test_a_busy_port_names_the_flag(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        data = shlex.quote(str(tmp_path))
        result = shell.bash(
            [f".venv/bin/python -m devserver --s3-port {port} --data {data} || test $? = 1"],
            clients.isolated_env(tmp_path / "home"),
        )
    assert result.returncode == 0, shell.explain(result)
    ours = [line for line in result.stderr.splitlines() if not line.startswith("+")]
    assert ours == [
        f"devserver: cannot serve S3 on 127.0.0.1:{port} (Address already in use): "
        "pass another one: --s3-port 0"
    ]


def test_make_runs_banner_installs_as_printed(devserver: Running, tmp_path: Path) -> None:
    """``make run``'s banner (public reads): its install lines, run as printed."""
    assert make_command("run", "").startswith(
        "DEVSERVER_MAKE_TARGET=run .venv/bin/python -m devserver --public-read"
    )
    text = devserver.stdout.read_text(encoding="utf-8")
    assert "(public reads)" in text.splitlines()[0]
    installs = [line for line in banner.commands(text) if " install " in line]
    assert len(installs) == 2
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    script = []
    for line in installs:
        script += [line.replace(" NAME", " chain-c"), installed(venv, "chain-c")]
    env = clients.isolated_env(tmp_path / "home")
    env.update(
        {"PATH": f"{venv / 'bin'}:{REPO_ROOT / '.venv' / 'bin'}:{env['PATH']}", "VIRTUAL_ENV": str(venv)}
    )
    result = shell.bash(script, env)
    assert result.returncode == 0, shell.explain(result)
