"""``make tp-demo``: trusted publishing on this machine, in one command, step by step.

It starts the dev server with TLS and a fake CI issuer (:mod:`testkit.oidc`, what the e2e tests use)
on free ports, trusts a workflow with the admin CLI, builds a fresh package from what ``.venv`` holds,
publishes it with the real ``uv publish`` as a GitHub Actions job would (no token, no password: only
the runner's token request), waits for its page, then stops everything it started. Exit 0 when the
package was published; otherwise 1 with the step that failed.
"""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path

from testkit import clients, processes
from testkit.oidc import REPOSITORY, WORKFLOW, Certificates, FakeCI, make_certificates, running_fake_ci

#: The repository root: the dev server and the admin CLI run from there.
ROOT = Path(__file__).resolve().parent.parent
BUCKET = "pypi"
AUDIENCE = "serverless-pypi-demo"
PROJECT = "octo-pkg"
#: How long the dev server may take to print ``ready``, and a publish to reach its page (seconds).
READY_TIMEOUT = 60.0
PAGE_TIMEOUT = 30.0


class DemoError(Exception):
    """A step failed; the message says which and why."""


def _step(text: str) -> None:
    print(f"==> {text}", flush=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _run(args: Sequence[str], env: dict[str, str], what: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        list(args), cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    if done.returncode != 0:
        raise DemoError(f"{what} failed (exit {done.returncode}):\n{done.stdout}{done.stderr}")
    return done


@contextlib.contextmanager
def _devserver(work: Path, certs: Certificates, ci: FakeCI) -> Iterator[tuple[str, str]]:
    """The dev server over HTTPS trusting ``ci``; yields (index URL, S3 URL); stopped at the end."""
    port, s3_port = _free_port(), _free_port()
    (work / "data").mkdir()
    log = work / "devserver.log"
    args = [
        sys.executable, "-m", "devserver", "--data", str(work / "data"), "--bucket", BUCKET,
        "--port", str(port), "--s3-port", str(s3_port), "--tls-cert", str(certs.cert),
        "--tls-key", str(certs.key), "--oidc-issuer", ci.url, "--oidc-audience", AUDIENCE,
        "--public-read",  # reads open, so the page check needs no token: publishing is the point
    ]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(
            args, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=clients.isolated_env(work / "home")
        )
    try:
        deadline = time.monotonic() + READY_TIMEOUT
        while "ready" not in log.read_text(errors="replace").splitlines():
            if process.poll() is not None or time.monotonic() > deadline:
                raise DemoError(f"the dev server did not start:\n{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.1)
        yield f"https://127.0.0.1:{port}/simple/", f"http://127.0.0.1:{s3_port}"
    finally:
        processes.stop(process)
        _step(f"stopped the dev server (exit {process.returncode})")


def _build(work: Path, version: str) -> Path:
    """A fresh wheel of :data:`PROJECT`, built with what this interpreter holds (no isolation)."""
    project = work / "project"
    (project / "octo_pkg").mkdir(parents=True)
    (project / "octo_pkg" / "__init__.py").write_text(f'__version__ = "{version}"\n', encoding="utf-8")
    (project / "pyproject.toml").write_text(
        f'[project]\nname = "{PROJECT}"\nversion = "{version}"\n', encoding="utf-8"
    )
    env = clients.isolated_env(work / "home")
    _run([sys.executable, "-m", "build", "--no-isolation", "--wheel", "--outdir", str(work / "dist"),
          str(project)], env, "building the package")  # fmt: skip
    (wheel,) = (work / "dist").glob("*.whl")
    return wheel


def _page_files(index_url: str, ca: Path) -> list[str]:
    request = urllib.request.Request(  # noqa: S310 (https to the dev server just started)
        f"{index_url}{PROJECT}/", headers={"Accept": "application/vnd.pypi.simple.v1+json"}
    )
    context = ssl.create_default_context(cafile=str(ca))
    try:
        with urllib.request.urlopen(request, context=context, timeout=10) as answer:  # noqa: S310
            return [file["filename"] for file in json.load(answer)["files"]]
    except OSError:
        return []  # not there yet: 404, or the redirect of a miss


def demo(work: Path) -> None:
    """Every step, printed as it runs; raises :class:`DemoError` at the first that fails."""
    _step("making a throwaway CA and a certificate for 127.0.0.1 (uv exchanges tokens over https only)")
    certs = make_certificates(work / "certs")
    with running_fake_ci() as ci:
        _step(f"fake CI issuer (GitHub's claims for {REPOSITORY}, workflow {WORKFLOW}) on {ci.url}")
        with _devserver(work, certs, ci) as (index_url, s3_url):
            _step(f"dev server on {index_url} (S3 {s3_url}), trusting that issuer")
            admin = [sys.executable, "-m", "admin", "--endpoint-url", s3_url, "--bucket", BUCKET]
            trust = ["publisher", "add", "--project", PROJECT, "--repository", REPOSITORY,
                     "--workflow", WORKFLOW, "--issuer", ci.url]  # fmt: skip
            _step(f"trusting the workflow: .venv/bin/python -m admin ... {' '.join(trust)}")
            _run([*admin, *trust], clients.isolated_env(work / "home"), "publisher add")
            version = time.strftime("1.0.%Y%m%d%H%M%S")
            wheel = _build(work, version)
            _step(f"built {wheel.name}")
            env = clients.isolated_env(work / "ci-home")
            env.update(
                {
                    "SSL_CERT_FILE": str(certs.ca),
                    "GITHUB_ACTIONS": "true",
                    "ACTIONS_ID_TOKEN_REQUEST_URL": ci.token_request_url,
                    "ACTIONS_ID_TOKEN_REQUEST_TOKEN": ci.request_token,
                }
            )
            _step(f"uv publish --publish-url {index_url} {wheel.name}  (no token, no password)")
            out = _run(
                [clients.uv_binary(), "publish", "--publish-url", index_url, str(wheel)], env, "uv publish"
            )
            # uv's own account (stderr); its stdout is GitHub's ::add-mask:: of the minted token.
            print(out.stderr, end="", flush=True)
            deadline = time.monotonic() + PAGE_TIMEOUT
            while wheel.name not in _page_files(index_url, certs.ca):
                if time.monotonic() > deadline:
                    raise DemoError(
                        f"{wheel.name} was not on {index_url}{PROJECT}/ within {PAGE_TIMEOUT:.0f} s"
                    )
                time.sleep(0.5)
            _step(f"published: {index_url}{PROJECT}/ lists {wheel.name}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the demo in a temporary directory; exit status 0 when the package was published."""
    del argv  # no options
    with tempfile.TemporaryDirectory(prefix="tp-demo-") as work:
        try:
            demo(Path(work))
        except DemoError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
    print("trusted publishing works: uv published with no credential", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
