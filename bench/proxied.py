"""The fallback proxy's cost (issue 23): S3 and upstream requests for an uncached and a cached page.

A fake upstream on loopback serves one static PEP 691 page for any name; the API handler runs in
proxy mode against the bench's moto bucket. ``python -m bench.proxied`` runs this part alone
(against its own moto server); ``make bench`` adds it to the report.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from bench.measure import counting
from handlers import api

JSON_ACCEPT = "application/vnd.pypi.simple.v1+json"
_PAGE = json.dumps(
    {
        "meta": {"api-version": "1.1"},
        "versions": ["1.0", "2.0"],
        "files": [
            {"filename": f"demo-{v}-py3-none-any.whl", "url": f"/files/demo-{v}-py3-none-any.whl",
             "hashes": {"sha256": "ab" * 32}, "yanked": False, "size": 1, "upload-time": when}
            for v, when in (("1.0", "2020-01-01T00:00:00Z"), ("2.0", "2999-01-01T00:00:00Z"))
        ],
    }
).encode()  # fmt: skip


@contextmanager
def upstream() -> Iterator[tuple[str, list[str]]]:
    """A loopback upstream: its index URL and the paths it was asked for."""
    asked: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", JSON_ACCEPT)
            self.send_header("Content-Length", str(len(_PAGE)))
            self.end_headers()
            self.wfile.write(_PAGE)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/simple/", asked
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def proxied_pages(runs: int) -> dict[str, Any]:
    """Requests per call, S3 by operation and upstream, for a proxied page uncached and cached."""
    results: dict[str, Any] = {}
    with upstream() as (url, asked):
        os.environ.update(FALLBACK_INDEX_URL=url, FALLBACK_MODE="proxy", MIN_RELEASE_AGE_DAYS="7")
        try:

            def get(name: str) -> None:
                event = {"httpMethod": "GET", "path": f"/{name}/", "headers": {"Accept": JSON_ACCEPT}}
                response = api.handler(event, None)
                assert response["statusCode"] == 200, response

            get("warm-up")  # the reserved namespaces are read once a minute per warm function
            for label, names in (
                ("uncached", [f"uncached-{n}" for n in range(runs)]),
                ("cached", ["warm-up"] * runs),
            ):
                asked.clear()
                with counting() as calls:
                    for name in names:
                        get(name)
                results[label] = {
                    "s3_requests": {op: count / runs for op, count in sorted(calls.items())},
                    "upstream_requests": len(asked) / runs,
                }
        finally:
            for name in ("FALLBACK_INDEX_URL", "FALLBACK_MODE", "MIN_RELEASE_AGE_DAYS"):
                os.environ.pop(name, None)
    return results


def lines(results: dict[str, Any]) -> list[str]:
    """The report's lines for this part."""
    out = ["", "Fallback proxy (proxy mode, minimum age 7 days), requests per page read:", ""]
    for label, figures in results.items():
        ops = ", ".join(f"{op} {n:g}" for op, n in figures["s3_requests"].items())
        total = sum(figures["s3_requests"].values())
        out.append(f"- {label}: S3 {total:g} ({ops}), upstream {figures['upstream_requests']:g}")
    return out


if __name__ == "__main__":
    import boto3

    from bench.motoserver import moto_server
    from bench.run import _environment

    with moto_server() as endpoint:
        _environment(endpoint)
        os.environ["S3_BUCKET"] = "bench-proxy"
        boto3.client("s3").create_bucket(Bucket="bench-proxy")
        print("\n".join(lines(proxied_pages(10))))
