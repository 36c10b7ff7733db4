"""pip and uv end to end: a 26-deep dependency chain from the dev server, fresh caches then warm.

The dev server runs in this process, so the API handler it calls can be watched: which requests each
install sent (a ``.whl`` GET is a download; PEP 658 ``.metadata`` lets resolution do without them),
the S3 requests the handler made for them, by operation, and the CPU it spent.
"""

from __future__ import annotations

import io
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

from bench.motoserver import free_port
from handlers import api
from handlers.aws import clients as aws_clients
from testkit import clients, dists

DEPTH = 26


def _chain(data: Path) -> None:
    names = [f"chain-{chr(ord('a') + n)}" for n in range(DEPTH)]
    for name, dependency in zip(names, [*names[1:], None], strict=True):
        meta = dists.Meta(name, "1.0", requires_dist=[dependency] if dependency else [])
        dists.wheel(data / name, meta)
        dists.wheel(data / name, dists.Meta(name, "0.9"))  # an older version to choose against


class _Meter:
    """``handlers.api.handler`` as the dev server calls it, watched: every request it answered, the S3
    requests it sent (on its own thread: the reindexer's and the data directory's are not counted)
    and the CPU it spent."""

    def __init__(self) -> None:
        self._real = api.handler
        self._lock = threading.Lock()
        self._local = threading.local()
        self.requests: list[tuple[str, str, int]] = []
        self.s3: Counter[str] = Counter()
        self.cpu = 0.0

    def handler(self, event: Any, context: Any) -> Any:
        self._local.active = True
        started = time.thread_time()
        try:
            answer = self._real(event, context)
        finally:
            spent = time.thread_time() - started
            self._local.active = False
        with self._lock:
            self.cpu += spent
            self.requests.append((event["httpMethod"], event["path"], int(answer["statusCode"])))
        return answer

    def count(self, **kwargs: Any) -> None:
        if getattr(self._local, "active", False):
            with self._lock:
                self.s3[kwargs["event_name"].rsplit(".", 1)[-1]] += 1

    def mark(self) -> tuple[int, Counter[str], float]:
        with self._lock:
            return len(self.requests), Counter(self.s3), self.cpu


def _install(client: str, index: str, env: dict[str, str], target: Path) -> None:
    if client == "pip":
        # pip keeps an HTTP cache for https and trusted hosts only: this makes the local index one.
        host = urlsplit(index).hostname or ""
        result = clients.pip(
            "install",
            "--index-url",
            index,
            "--trusted-host",
            host,
            "--target",
            str(target),
            "chain-a",
            env=env,
        )
    else:
        clients.uv("venv", str(target), "--python", sys.executable, env=env)
        result = clients.uv(
            "pip", "install", "--python", str(target), "--index-url", index, "chain-a", env=env
        )
    if result.returncode != 0:
        raise RuntimeError(clients.explain(result))


def _client_runs(meter: _Meter, client: str, index: str, work: Path) -> list[dict[str, Any]]:
    """Two installs into fresh targets: with fresh client caches, then with the caches the first left."""
    env = clients.isolated_env(work / "home")
    runs = []
    for cache in ("fresh", "warm"):
        count, s3, cpu = meter.mark()
        started = time.perf_counter()
        _install(client, index, env, work / f"target-{cache}")
        seconds = time.perf_counter() - started
        after, s3_after, cpu_after = meter.mark()
        seen = meter.requests[count:after]
        by_op = dict(sorted((s3_after - s3).items()))
        runs.append(
            {
                "client": client,
                "cache": cache,
                "depth": DEPTH,
                "seconds": seconds,
                "requests": len(seen),
                "pages": sum(1 for _, path, _ in seen if path.endswith("/")),
                "metadata_requests": sum(1 for _, path, _ in seen if path.endswith(".metadata")),
                "wheels_fetched": sum(
                    1 for method, path, _ in seen if method == "GET" and path.endswith(".whl")
                ),
                "wheels_installed": DEPTH,
                "s3_requests": by_op,
                "s3_per_package": sum(by_op.values()) / DEPTH,
                "handler_cpu_s": cpu_after - cpu,
            }
        )
    return runs


def end_to_end() -> list[dict[str, Any]]:
    """pip and uv, each installing the chain twice into fresh targets: fresh caches, then warm ones."""
    from devserver.server import DevServer, Options

    results = []
    meter = _Meter()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        _chain(data)
        options = Options(port=free_port(), data=data, public_read=True, bucket="bench-chain")
        with mock.patch.object(api, "handler", meter.handler):
            server = DevServer(options, out=io.StringIO())
            server.start()
        s3 = aws_clients.s3()  # the handlers' own client, made by the first rebuild
        s3.meta.events.register("before-send.s3", meter.count)
        try:
            for client in ("pip", "uv"):
                results += _client_runs(meter, client, server.index_url, Path(tmp) / client)
        finally:
            s3.meta.events.unregister("before-send.s3", meter.count)
            server.stop()
    return results
