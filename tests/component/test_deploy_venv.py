"""The venv ``pulumi up`` makes runs the admin CLI that the README and docs/deploy.md print after it.

Pulumi.yaml says ``toolchain: pip`` and ``virtualenv: .venv``: ``pulumi up`` in a fresh clone makes
``.venv`` with ``python -m venv`` and installs ``requirements.txt`` into it, and the Deploy block then
runs ``.venv/bin/python -m admin ... token create``. This builds such a venv the same way, with pip's
configuration isolated (no config file, no ``PIP_*`` variable: only what requirements.txt says), and
runs the admin CLI in it against moto's S3. It downloads from PyPI and takes a minute or more: one
test, marked ``deploy_venv`` (``-m deploy_venv`` runs it alone, ``-m 'not deploy_venv'`` skips it).
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer

from tests.support.pulumi_mocks import ROOT

pytestmark = pytest.mark.deploy_venv

#: What the machine's network needs (certificates, proxies); pip's own settings are left out.
PASSED_ON = (
    "PATH",
    "HOME",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "REQUESTS_CA_BUNDLE",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
)


def _environment(**extra: str) -> dict[str, str]:
    env = {name: os.environ[name] for name in PASSED_ON if name in os.environ}
    env["PIP_CONFIG_FILE"] = os.devnull  # no pip.conf anywhere: requirements.txt alone decides
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env.update(extra)
    return env


def _run(argv: Sequence[str | Path], env: dict[str, str], timeout: float) -> str:
    result = subprocess.run(
        [str(arg) for arg in argv],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, (
        f"{argv}: exit {result.returncode}\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}"
    )
    return result.stdout


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def test_the_venv_pulumi_up_makes_runs_the_admin_cli(tmp_path: Path, s3_endpoint: str) -> None:
    venv = tmp_path / ".venv"
    python = venv / "bin" / "python"
    env = _environment()
    _run([sys.executable, "-m", "venv", venv], env, timeout=120)
    _run([python, "-m", "pip", "install", "-r", "requirements.txt"], env, timeout=1200)
    _run([python, "-m", "pip", "check"], env, timeout=120)

    usage = _run([python, "-m", "admin", "--help"], env, timeout=60)
    assert "token" in usage and "--bucket" in usage

    # The README's token line, as printed after `pulumi up`, with boto3 pointed at moto's S3.
    bucket = f"pypi-{uuid.uuid4().hex[:12]}"
    aws = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL_S3": s3_endpoint,
    }
    s3 = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    s3.create_bucket(Bucket=bucket)
    admin_env = _environment(**aws)
    token = _run(
        [python, "-m", "admin", "--bucket", bucket, "token", "create", "--name", "laptop", "--scope", "read"],
        admin_env,
        timeout=120,
    ).strip()
    assert token.startswith("spypi-"), token
    listed = _run([python, "-m", "admin", "--bucket", bucket, "token", "list"], admin_env, timeout=120)
    assert "laptop" in listed
