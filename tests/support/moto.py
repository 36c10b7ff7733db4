"""A bucket of moto's wired to the handlers, with every S3 request they make counted by operation."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from handlers import api
from tests.support.proxy import proxy_event


@dataclass
class S3Counter:
    """Counts the HTTP requests the handlers' S3 client sends, by operation."""

    calls: Counter[str] = field(default_factory=Counter)

    def __call__(self, **kwargs: Any) -> None:
        self.calls[kwargs["event_name"].rsplit(".", 1)[-1]] += 1

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    def reset(self) -> None:
        self.calls.clear()


@dataclass
class Index:
    """A fresh bucket wired to the handlers, plus helpers to drive them."""

    bucket: str
    s3: Any
    counter: S3Counter

    def put(self, key: str, body: bytes, **kwargs: Any) -> str:
        return str(self.s3.put_object(Bucket=self.bucket, Key=key, Body=body, **kwargs)["ETag"]).strip('"')

    def get(
        self, path: str, *, accept: str | None = None, method: str = "GET", **headers: str
    ) -> dict[str, Any]:
        all_headers = {k.replace("_", "-"): v for k, v in headers.items()}
        if accept is not None:
            all_headers["Accept"] = accept
        return api.handler(proxy_event(method, path, all_headers), None)
