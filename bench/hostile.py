"""Worst-case uploads through ``handlers.api.handler``: peak memory and CPU against an ordinary upload.

Each case runs in a fresh interpreter (``python -m bench.hostile FILE``) so that one case's memory
never shows in another's figure. The child builds the proxy event first, resets the kernel's peak-RSS
mark (``/proc/self/clear_refs``), then calls the handler once: its peak RSS (VmHWM) and CPU time are
the call's own. The budget (issue 10): no hostile file costs more than 32 MiB of peak memory or 0.5 s
of CPU beyond an ordinary upload of the same request size.
"""

from __future__ import annotations

import base64
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from testkit import hostile
from testkit.forms import CONTENT_TYPE, form_body, twine_fields

ROOT = Path(__file__).resolve().parents[1]

#: name -> (filename, content): each what an upload token may send in well under the API's limit.
CASES: dict[str, tuple[str, Callable[[], bytes]]] = {
    "16 MiB METADATA line": (
        "ll-1.0-py3-none-any.whl",
        lambda: hostile.wheel_with_metadata("ll", "1.0", hostile.long_line_metadata("ll", "1.0", 16 << 20)),
    ),
    "3.3 million METADATA header lines": (
        "hh-1.0-py3-none-any.whl",
        lambda: hostile.wheel_with_metadata(
            "hh", "1.0", hostile.many_headers_metadata("hh", "1.0", 3_300_000)
        ),
    ),
    "2,000 Requires-Dist fields (the field cap)": (
        "rd-1.0-py3-none-any.whl",
        lambda: hostile.wheel_with_metadata(
            "rd",
            "1.0",
            hostile.many_headers_metadata("rd", "1.0", 1990).replace(
                b"Classifier: a",
                b"Requires-Dist: foo[bar,baz]>=1.0,<2; python_version >= '3.8' and extra == 'x'",
            ),
        ),
    ),
    "sdist inflating to 1 GiB before PKG-INFO": (
        "bomb-1.0.tar.gz",
        lambda: hostile.sdist_bomb("bomb", "1.0", 1 << 30),
    ),
    "zip central directory of 2 MiB (30,000 entries)": (
        "ee-1.0-py3-none-any.whl",
        lambda: hostile.wheel_with_many_entries("ee", "1.0", 30_000),
    ),
    "README of 1.9 MiB (real shape, accepted)": (
        "rr-1.0-py3-none-any.whl",
        lambda: hostile.wheel_with_metadata(
            "rr", "1.0", hostile.long_description_metadata("rr", "1.0", 1900 << 10)
        ),
    ),
}


#: The largest upload the API takes: a wheel whose form, base64-encoded, fills Lambda's 6 MB event.
LARGEST_ACCEPTED = 4_300_000


def largest_accepted(endpoint: str, bucket: str, token: str) -> dict[str, Any]:
    """Peak memory and CPU of the largest ordinary upload: what the API function is sized from."""
    env = {**os.environ, "AWS_ENDPOINT_URL_S3": endpoint, "S3_BUCKET": bucket, "BENCH_TOKEN": token}
    name, content = _ordinary(LARGEST_ACCEPTED)
    with tempfile.TemporaryDirectory() as tmp:
        row = _run_child(Path(tmp), name, content, env)
    return {"bytes": len(content), **row}


def _ordinary(size: int) -> tuple[str, bytes]:
    """A valid wheel of about ``size`` bytes, mostly incompressible data (the baseline)."""
    from testkit import dists

    with tempfile.TemporaryDirectory() as tmp:
        path = dists.wheel(Path(tmp), dists.Meta("ordinary", f"1.{size}"), padding=max(0, size - 2048))
        return path.name, path.read_bytes()


def worst_cases(endpoint: str, bucket: str, token: str) -> list[dict[str, Any]]:
    """Every case and its ordinary twin of the same size, each in a fresh interpreter."""
    env = {**os.environ, "AWS_ENDPOINT_URL_S3": endpoint, "S3_BUCKET": bucket, "BENCH_TOKEN": token}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, (filename, make) in CASES.items():
            content = make()
            hostile_row = _run_child(Path(tmp), filename, content, env)
            plain_name, plain = _ordinary(len(content))
            ordinary_row = _run_child(Path(tmp), plain_name, plain, env)
            rows.append(
                {
                    "case": name,
                    "bytes": len(content),
                    "status": hostile_row["status"],
                    "answer": hostile_row["answer"],
                    "peak_mib": hostile_row["peak_mib"],
                    "cpu_s": hostile_row["cpu_s"],
                    "ordinary_status": ordinary_row["status"],
                    "ordinary_peak_mib": ordinary_row["peak_mib"],
                    "ordinary_cpu_s": ordinary_row["cpu_s"],
                    "extra_mib": round(hostile_row["peak_mib"] - ordinary_row["peak_mib"], 1),
                    "extra_cpu_s": round(hostile_row["cpu_s"] - ordinary_row["cpu_s"], 3),
                }
            )
            print(
                f"  {name}: {rows[-1]['extra_mib']} MiB, {rows[-1]['extra_cpu_s']} s extra", file=sys.stderr
            )
    return rows


def _run_child(tmp: Path, filename: str, content: bytes, env: dict[str, str]) -> dict[str, Any]:
    path = tmp / filename
    path.write_bytes(content)
    output = subprocess.run(
        [sys.executable, "-m", "bench.hostile", str(path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    row: dict[str, Any] = json.loads(output.stdout.strip().splitlines()[-1])
    return row


def _vm_hwm_mib() -> float:
    with Path("/proc/self/status").open(encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _child(path: Path) -> None:
    from handlers import api

    content = path.read_bytes()
    name, version = path.name.split("-")[:2]
    version = version.removesuffix(".tar.gz")
    body = form_body(twine_fields(path.name, content, name, version), (path.name, content))
    auth = base64.b64encode(f"__token__:{os.environ['BENCH_TOKEN']}".encode()).decode()
    event = {
        "httpMethod": "POST",
        "path": "/",
        "headers": {"Content-Type": CONTENT_TYPE, "Authorization": f"Basic {auth}"},
        "body": base64.b64encode(body).decode(),
        "isBase64Encoded": True,
    }
    del body, content
    api.handler({"httpMethod": "GET", "path": "/"}, None)  # the client and first imports, not counted
    gc.collect()
    with Path("/proc/self/clear_refs").open("w", encoding="ascii") as clear:
        clear.write("5")  # reset VmHWM to the current RSS
    cpu = time.process_time()
    response = api.handler(event, None)
    cpu_s = time.process_time() - cpu
    print(
        json.dumps(
            {
                "status": response["statusCode"],
                "answer": str(response["body"])[:120] if not response["isBase64Encoded"] else "",
                "peak_mib": round(_vm_hwm_mib(), 1),
                "cpu_s": round(cpu_s, 3),
            }
        )
    )


if __name__ == "__main__":
    _child(Path(sys.argv[1]))
