"""``python -m bench``: every request path on synthetic buckets, the cold start, clients end to end."""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import boto3

from bench import buckets, coldstart, hostile, report
from bench.measure import Figures, body_size, counting, measure, replayed_cpu_ms
from handlers import api, reindex
from handlers.auth.tokens import TokenStore
from handlers.aws import clients
from handlers.aws.storage import Storage
from handlers.controls import recent
from testkit.forms import CONTENT_TYPE, form_body, twine_fields

RESULTS = Path(__file__).parent / "results"
JSON_ACCEPT = "application/vnd.pypi.simple.v1+json"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; prints the table and writes ``bench/results/``."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="100 and 1,000 projects instead of 1,000 and 10,000"
    )
    parser.add_argument("--runs", type=int, default=30, help="calls per request scenario")
    parser.add_argument("--no-clients", action="store_true", help="skip pip and uv end to end")
    args = parser.parse_args(argv)
    small, large = (100, 1000) if args.quick else (1000, 10_000)
    from bench.motoserver import moto_server

    started = time.monotonic()
    with moto_server() as endpoint:
        _environment(endpoint)
        results = _request_paths(small, large, args.runs)
        results["cold_start"] = coldstart.cold_start("/")
        results["import_against_seed"] = coldstart.import_against_seed()
        _log("worst-case uploads, each in a fresh interpreter ...")
        token = TokenStore(Storage(clients.s3(), "bench-small")).create("bench-hostile", ("upload",))
        results["hostile"] = hostile.worst_cases(endpoint, "bench-small", token)
        results["largest_upload"] = hostile.largest_accepted(endpoint, "bench-small", token)
    if not args.no_clients:
        from bench import endtoend

        results["clients"] = endtoend.end_to_end()
    results["seconds"] = round(time.monotonic() - started, 1)
    table = report.markdown(results)
    print(table)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.md").write_text(table + "\n", encoding="utf-8")
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    print(
        f"\nwritten to {RESULTS.relative_to(Path.cwd()) if RESULTS.is_relative_to(Path.cwd()) else RESULTS}/"
    )
    return 0


def _environment(endpoint: str) -> None:
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        del os.environ[name]
    os.environ.update(
        AWS_ENDPOINT_URL_S3=endpoint,
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",  # noqa: S106 - moto's dummy credentials
        AWS_DEFAULT_REGION="us-east-1",
        PUBLIC_READ="true",
        UPLOADS_ENABLED="true",
    )
    os.environ.pop("FALLBACK_INDEX_URL", None)
    os.environ.pop("REINDEX_QUEUE_URL", None)


def _event(
    path: str, accept: str | None = None, encoding: str = "gzip", method: str = "GET"
) -> dict[str, Any]:
    headers = {"Accept-Encoding": encoding}
    if accept:
        headers["Accept"] = accept
    return {"httpMethod": method, "path": path, "headers": headers}


def _request_paths(small: int, large: int, runs: int) -> dict[str, Any]:
    s3 = boto3.client("s3")
    figures: list[Figures] = []
    facts: dict[str, Any] = {"projects": [small, large]}

    _log(f"seeding {large} projects ...")
    os.environ["S3_BUCKET"] = "bench-large"
    files = buckets.seed(s3, "bench-large", large, with_big=False)
    with counting() as calls:
        wall = time.perf_counter()
        reindex.handler({"rebuild": True}, None)
        facts["rebuild"] = {
            "files": files,
            "seconds": round(time.perf_counter() - wall, 1),
            "s3_requests": dict(calls),
        }
    _log(f"rebuilt {files} files in {facts['rebuild']['seconds']} s")
    figures.append(_get(f"GET / ({large} projects)", "/", None, runs))
    figures += _upload_events(s3, "bench-large", large)

    _log(f"seeding {small} projects with 10, 100 and 1,000 files ...")
    os.environ["S3_BUCKET"] = "bench-small"
    buckets.seed(s3, "bench-small", small, with_big=True)
    reindex.handler({"rebuild": True}, None)
    figures.append(_get(f"GET / ({small} projects)", "/", None, runs))
    for count, name in buckets.BIG_PROJECTS.items():
        figures.append(_get(f"GET page HTML, {count} files", f"/{name}/", None, runs))
        figures.append(_get(f"GET page JSON, {count} files", f"/{name}/", JSON_ACCEPT, runs))
    # The worst case: no page read on this instance just before (else the redirect costs nothing).
    recent.forget()
    figures.append(_get("GET file (redirect)", "/files-10/files_10-1.0-py3-none-any.whl", None, runs))
    figures.append(_get("GET .metadata", "/files-10/files_10-1.0-py3-none-any.whl.metadata", None, runs))
    figures.append(_upload())

    storage = Storage(clients.s3(), "bench-small")
    buckets.synthesize_page(storage, "files-10000", 10_000)
    facts["memory_10000_files_mib"] = round(coldstart.page_memory("/files-10000/"), 1)
    from bench import proxied

    facts["proxy"] = proxied.proxied_pages(runs)
    facts["figures"] = [f.__dict__ for f in figures]
    return facts


def _log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _get(name: str, path: str, accept: str | None, runs: int) -> Figures:
    event = _event(path, accept)
    figures = measure(name, lambda: api.handler(event, None), runs)
    figures.replayed_cpu_ms_median = replayed_cpu_ms(event, runs)
    figures.bytes_gzip = body_size(api.handler(event, None))
    figures.bytes_plain = body_size(api.handler(_event(path, accept, encoding="identity"), None))
    return figures


def _upload_events(s3: Any, bucket: str, projects: int) -> list[Figures]:
    workdir = Path(tempfile.mkdtemp())
    results = []
    for label, name in (("known project", "proj-00001"), ("new project", "brand-new")):
        wheel = buckets.wheel(name, "9.9", workdir)
        etag = s3.put_object(Bucket=bucket, Key=wheel.key, Body=wheel.data)["ETag"].strip('"')
        event = {
            "source": "aws.s3",
            "detail-type": "Object Created",
            "detail": {
                "bucket": {"name": bucket},
                "object": {"key": wheel.key, "etag": etag, "size": len(wheel.data)},
            },
        }
        with counting() as calls:
            wall, cpu = time.perf_counter(), time.process_time()
            reindex.handler(event, None)
            cpu_ms, wall_ms = (time.process_time() - cpu) * 1000, (time.perf_counter() - wall) * 1000
        results.append(
            Figures(
                name=f"reindex 1 upload event, {label} ({projects} projects)",
                s3_requests=dict(calls),
                wall_ms_median=wall_ms,
                wall_ms_p90=wall_ms,
                cpu_ms_median=cpu_ms,
                runs=1,
            )
        )
    return results


def _upload() -> Figures:
    token = TokenStore(Storage(clients.s3(), "bench-small")).create("bench", ("upload",))
    auth = "Basic " + base64.b64encode(f"__token__:{token}".encode()).decode()
    workdir = Path(tempfile.mkdtemp())
    runs = 5
    events = []
    for number in range(runs + 1):  # measure() calls once more, for memory; each a new file
        version = f"2.0.{number}"
        wheel = buckets.wheel("uploaded", version, workdir, padding=1024 * 1024)
        filename = wheel.key.split("/")[1]
        body = form_body(twine_fields(filename, wheel.data, "uploaded", version), (filename, wheel.data))
        events.append(
            {
                "httpMethod": "POST",
                "path": "/",
                "headers": {"Content-Type": CONTENT_TYPE, "Authorization": auth},
                "body": base64.b64encode(body).decode(),
                "isBase64Encoded": True,
            }
        )
    pending = iter(events)

    def post() -> None:
        status = api.handler(next(pending), None)["statusCode"]
        assert status == 200, status

    return measure("POST upload, 1 MB wheel", post, runs)
