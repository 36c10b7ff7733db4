"""Measuring one request path: S3 requests by operation, wall and CPU time, bytes, memory.

S3 requests are counted on the handlers' own client (botocore's ``before-send`` event fires once per
HTTP request it sends, retries included), which is what the S3 endpoint receives. "Replayed" CPU runs
the same request with S3's answers served from memory, so it is the handler's own cost alone.
"""

from __future__ import annotations

import base64
import io
import statistics
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

from handlers import api
from handlers.aws import clients


@dataclass
class Figures:
    """What one scenario cost, per call."""

    name: str
    s3_requests: dict[str, float] = field(default_factory=dict)
    wall_ms_median: float = 0.0
    wall_ms_p90: float = 0.0
    cpu_ms_median: float = 0.0
    replayed_cpu_ms_median: float | None = None
    bytes_plain: int | None = None
    bytes_gzip: int | None = None
    peak_kib: float = 0.0
    runs: int = 0


@contextmanager
def counting() -> Iterator[Counter[str]]:
    """Count the S3 requests the handlers send while the block runs, by operation."""
    calls: Counter[str] = Counter()

    def count(**kwargs: Any) -> None:
        calls[kwargs["event_name"].rsplit(".", 1)[-1]] += 1

    client = clients.s3()
    client.meta.events.register("before-send.s3", count)
    try:
        yield calls
    finally:
        client.meta.events.unregister("before-send.s3", count)


def measure(name: str, call: Callable[[], Any], runs: int) -> Figures:
    """Run ``call`` ``runs`` times; medians of wall and CPU, requests per call, peak memory."""
    walls, cpus = [], []
    with counting() as calls:
        for _ in range(runs):
            wall, cpu = time.perf_counter(), time.process_time()
            call()
            cpus.append((time.process_time() - cpu) * 1000)
            walls.append((time.perf_counter() - wall) * 1000)
    tracemalloc.start()
    call()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return Figures(
        name=name,
        s3_requests={op: count / runs for op, count in sorted(calls.items())},
        wall_ms_median=statistics.median(walls),
        wall_ms_p90=_p90(walls),
        cpu_ms_median=statistics.median(cpus),
        peak_kib=peak / 1024,
        runs=runs,
    )


def _p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10)[-1] if len(values) >= 2 else values[0]


class ReplayS3:
    """An S3 client that answers ``get_object`` from answers recorded once from the real one."""

    def __init__(self, real: Any):
        self._real = real
        self._recorded: dict[tuple[tuple[str, Any], ...], dict[str, Any]] = {}

    def get_object(self, **kwargs: Any) -> dict[str, Any]:
        key = tuple(sorted(kwargs.items()))
        if key not in self._recorded:
            response = self._real.get_object(**kwargs)
            self._recorded[key] = {**response, "Body": response["Body"].read()}
        answer = self._recorded[key]
        return {**answer, "Body": io.BytesIO(answer["Body"])}

    def generate_presigned_url(self, *args: Any, **kwargs: Any) -> str:
        url: str = self._real.generate_presigned_url(*args, **kwargs)  # signing is local
        return url


def replayed_cpu_ms(event: dict[str, Any], runs: int) -> float:
    """Median CPU of ``api.handler(event)`` with S3 answers served from memory."""
    replay = ReplayS3(clients.s3())
    with mock.patch.object(clients, "s3", return_value=replay):
        api.handler(event, None)  # records
        cpus = []
        for _ in range(runs):
            cpu = time.process_time()
            api.handler(event, None)
            cpus.append((time.process_time() - cpu) * 1000)
    return statistics.median(cpus)


def body_size(response: dict[str, Any]) -> int:
    """Bytes of a proxy response's body as the client receives it."""
    body = response.get("body") or ""
    return len(base64.b64decode(body)) if response.get("isBase64Encoded") else len(body.encode())
