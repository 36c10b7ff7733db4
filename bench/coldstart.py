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


def page_memory(path: str) -> float:
    """Peak RSS (MiB) of a fresh interpreter serving one page (e.g. a 10,000-file project) to a
    client without gzip, the worst case: the stored page is inflated in memory.
    """
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return _child("api", path, env, encoding="identity")["max_rss_mib"]
