"""A fake upstream index on loopback: a static PEP 691 index (HTML too) with old and new upload times.

Serves ``/simple/<name>/`` as PEP 691 JSON when asked for it (else PEP 503 HTML), ``/files/<file>``
and ``/files/<file>.metadata``; counts every request. ``fail`` makes it answer 500, ``html_only`` drops
its JSON (and with it ``upload-time``), ``delay`` makes it slow.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from typing import Any

from tests.support.proxy import make_wheel

NOW = datetime.now(UTC)
OLD = (NOW - timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
MIDDLE = (NOW - timedelta(days=10)).strftime("%Y-%m-%dT%H:%M:%SZ")  # no fraction: passed as given
NEW = (NOW - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class UpstreamFile:
    filename: str
    body: bytes
    upload_time: str | None
    yanked: bool | str = False
    requires_python: str | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()

    @property
    def metadata(self) -> bytes:
        with zipfile.ZipFile(BytesIO(self.body)) as wheel:
            name = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
            return wheel.read(name)


@dataclass
class FakeUpstream:
    """What the server serves, and what it was asked."""

    projects: dict[str, list[UpstreamFile]]
    statuses: dict[str, str] = field(default_factory=dict)
    url: str = ""
    requests: list[str] = field(default_factory=list)
    fail: bool = False
    html_only: bool = False
    delay: float = 0.0

    @property
    def index_url(self) -> str:
        return self.url + "/simple/"

    def page_requests(self) -> int:
        return sum(1 for path in self.requests if path.startswith("/simple/"))

    def json_page(self, name: str) -> bytes:
        files = [
            {
                "filename": f.filename,
                "url": f"../../files/{f.filename}",  # relative: the proxy makes it absolute
                "hashes": {"sha256": f.sha256},
                "requires-python": f.requires_python,
                "core-metadata": {"sha256": hashlib.sha256(f.metadata).hexdigest()},
                "dist-info-metadata": {"sha256": hashlib.sha256(f.metadata).hexdigest()},
                "yanked": f.yanked,
                "size": len(f.body),
                **({"upload-time": f.upload_time} if f.upload_time else {}),
            }
            for f in self.projects[name]
        ]
        versions = sorted({f.filename.split("-")[1] for f in self.projects[name]})
        page: dict[str, Any] = {"meta": {"api-version": "1.1"}, "name": name, "versions": versions}
        page["files"] = files
        if name in self.statuses:
            page["meta"]["api-version"] = "1.4"
            page["project-status"] = {"status": self.statuses[name], "reason": "upstream said so"}
        return json.dumps(page).encode()

    def html_page(self, name: str) -> bytes:
        links = [
            f'<a href="../../files/{f.filename}#sha256={f.sha256}">{f.filename}</a><br>'
            for f in self.projects[name]
        ]
        return f"<!DOCTYPE html><html><body>{''.join(links)}</body></html>".encode()


def wheels(name: str, *versions: tuple[str, str | None]) -> list[UpstreamFile]:
    """A wheel of ``name`` for each ``(version, upload_time)``."""
    return [
        UpstreamFile(f"{name.replace('-', '_')}-{v}-py3-none-any.whl", make_wheel(name, v), when)
        for v, when in versions
    ]


def demo_upstream() -> FakeUpstream:
    """``demo``: 1.0 (30 days old), 1.1 (10 days, yanked), 1.2 (10 days), 2.0 (2 hours)."""
    demo = wheels("demo", ("1.0", OLD), ("1.1", MIDDLE), ("1.2", MIDDLE), ("2.0", NEW))
    demo[1].yanked = "broken"
    return FakeUpstream(
        projects={
            "demo": demo,
            "undated": wheels("undated", ("1.0", None)),
            "held": wheels("held", ("1.0", OLD)),
        },
        statuses={"held": "quarantined"},
    )


@contextlib.contextmanager
def serving(upstream: FakeUpstream) -> Iterator[FakeUpstream]:
    """Serve ``upstream`` on a free loopback port until the block ends."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            upstream.requests.append(self.path)
            if upstream.delay:
                time.sleep(upstream.delay)
            if upstream.fail:
                return self._send(500, b"upstream is down", "text/plain")
            parts = self.path.split("/")
            if self.path.startswith("/simple/") and len(parts) == 4 and parts[2] in upstream.projects:
                wants_json = "json" in (self.headers.get("Accept") or "") and not upstream.html_only
                if wants_json:
                    body = upstream.json_page(parts[2])
                    return self._send(200, body, "application/vnd.pypi.simple.v1+json")
                return self._send(200, upstream.html_page(parts[2]), "text/html")
            if self.path.startswith("/files/"):
                filename = parts[2]
                for files in upstream.projects.values():
                    for f in files:
                        if filename == f.filename:
                            return self._send(200, f.body, "application/octet-stream")
                        if filename == f.filename + ".metadata":
                            return self._send(200, f.metadata, "text/plain")
            return self._send(404, b"Not Found", "text/plain")

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    upstream.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield upstream
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
