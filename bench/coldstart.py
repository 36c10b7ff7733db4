"""Cold start: a fresh interpreter's import of ``handlers.api`` and its first request.

Each figure is the median of several fresh interpreters, the two imports interleaved, measured inside
the child with ``perf_counter`` (interpreter start-up itself is not counted: Lambda pays it either way).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

_CHILD = r"""
import json, resource, sys, time

def peak_rss_mib():
    # VmHWM belongs to this process image; ru_maxrss would also count the parent's pages from
    # before exec (the bench process, hundreds of MB after seeding).
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

started = time.perf_counter()
if sys.argv[1] == "boto3":
    import boto3
    imported = time.perf_counter()
    first = imported
else:
    import boto3
    boto3_done = time.perf_counter()
    import handlers.api
    imported = time.perf_counter()
    event = {"httpMethod": "GET", "path": sys.argv[2], "headers": {"Accept-Encoding": sys.argv[3]}}
    status = handlers.api.handler(event, None)["statusCode"]
    assert status == 200, status
    first = time.perf_counter()
print(json.dumps({
    "import_ms": (imported - started) * 1000,
    "api_import_ms": ((imported - boto3_done) * 1000) if sys.argv[1] != "boto3" else 0.0,
    "first_request_ms": (first - imported) * 1000,
    "max_rss_mib": peak_rss_mib(),
}))
"""


def _child(kind: str, path: str, env: dict[str, str], encoding: str = "gzip") -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, "-c", _CHILD, kind, path, encoding],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    ).stdout
    result: dict[str, float] = json.loads(output)
    return result


def cold_start(path: str, runs: int = 7) -> dict[str, Any]:
    """Medians over ``runs`` fresh interpreters of each kind, interleaved."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    boto3_runs, api_runs = [], []
    for _ in range(runs):
        boto3_runs.append(_child("boto3", path, env))
        api_runs.append(_child("api", path, env))
    return {
        "boto3_import_ms": statistics.median(r["import_ms"] for r in boto3_runs),
        "boto3_and_api_import_ms": statistics.median(r["import_ms"] for r in api_runs),
        "api_import_beyond_boto3_ms": statistics.median(r["api_import_ms"] for r in api_runs),
        "first_request_ms": statistics.median(r["first_request_ms"] for r in api_runs),
        "runs": runs,
    }


#: The commit whose ``handlers.api`` import the current one is held to (issue 11: the seed's plus 10 %).
SEED_COMMIT = "020bf91"
_IMPORT_ONLY = r"""
import time
import boto3
started = time.perf_counter()
import handlers.api
print((time.perf_counter() - started) * 1000)
"""


def import_against_seed(runs: int = 15) -> dict[str, Any] | None:
    """``import handlers.api`` (beyond boto3) here and in the seed's handlers, interleaved in fresh
    interpreters on this machine now: a comparison that holds whatever the machine's speed.

    None when the seed cannot be read from git (a shallow clone).
    """
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(
            ["git", "archive", SEED_COMMIT, "handlers"], cwd=ROOT, capture_output=True, check=False
        )
        if archive.returncode != 0:
            return None
        subprocess.run(["tar", "-x", "-C", tmp], input=archive.stdout, check=True)
        env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
        here: list[float] = []
        seed: list[float] = []
        for number in range(runs + 1):  # the first round compiles both (bytecode cached), uncounted
            for folder, into in ((ROOT, here), (Path(tmp), seed)):
                output = subprocess.run(
                    [sys.executable, "-c", _IMPORT_ONLY], cwd=folder, env=env, capture_output=True,
                    text=True, check=True, timeout=120,
                )  # fmt: skip
                if number:
                    into.append(float(output.stdout))
    return {"here_ms": statistics.median(here), "seed_ms": statistics.median(seed), "seed": SEED_COMMIT}


def page_memory(path: str) -> float:
    """Peak RSS (MiB) of a fresh interpreter serving one page (e.g. a 10,000-file project) to a
    client without gzip, the worst case: the stored page is inflated in memory.
    """
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return _child("api", path, env, encoding="identity")["max_rss_mib"]
