"""pip and uv end to end: a 26-deep dependency chain from the dev server, cold caches.

The index's own access log says what each client asked for: requests, bytes, and which wheels it
fetched (a ``.whl`` GET is a download; PEP 658 ``.metadata`` lets resolution do without them).
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.motoserver import free_port
from testkit import clients, dists

DEPTH = 26
ROOT = Path(__file__).resolve().parents[1]
_ACCESS = re.compile(r'"(GET|HEAD|POST) (\S+) HTTP/[0-9.]+" (\d{3}) (\d+)')


def _chain(data: Path) -> None:
    names = [f"chain-{chr(ord('a') + n)}" for n in range(DEPTH)]
    for name, dependency in zip(names, [*names[1:], None], strict=True):
        meta = dists.Meta(name, "1.0", requires_dist=[dependency] if dependency else [])
        dists.wheel(data / name, meta)
        dists.wheel(data / name, dists.Meta(name, "0.9"))  # an older version to choose against


class _Server:
    """``python -m devserver`` in the background, its access log collected."""

    def __init__(self, data: Path):
        self.port = free_port()
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "devserver",
                "--data",
                str(data),
                "--port",
                str(self.port),
                "--s3-port",
                str(free_port()),
                "--public-read",
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.ready = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()
        if not self.ready.wait(120):
            self.process.kill()
            raise RuntimeError("the dev server did not start:\n" + "\n".join(self.lines[-20:]))

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)
            if "ready" in line.lower():
                self.ready.set()

    def requests(self) -> list[tuple[str, str, int, int]]:
        found = [_ACCESS.search(line) for line in self.lines]
        return [(m[1], m[2], int(m[3]), int(m[4])) for m in found if m]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def _client_run(server: _Server, client: str, index: str, work: Path) -> dict[str, Any]:
    """Resolve only (cold cache), then install (cold cache again); what the index saw of each."""
    seen: dict[str, list[tuple[str, str, int, int]]] = {}
    seconds = 0.0
    for phase in ("resolve", "install"):
        env = clients.isolated_env(work / phase / "home")
        before = len(server.requests())
        started = time.perf_counter()
        if client == "pip" and phase == "resolve":
            result = clients.pip(
                "install", "--dry-run", "--ignore-installed", "--index-url", index, "chain-a", env=env
            )
        elif client == "pip":
            result = clients.pip(
                "install", "--index-url", index, "--target", str(work / "target"), "chain-a", env=env
            )
        elif phase == "resolve":
            (work / "requirements.in").write_text("chain-a\n", encoding="utf-8")
            result = clients.uv(
                "pip", "compile", "--index-url", index, str(work / "requirements.in"), env=env
            )
        else:
            clients.uv("venv", str(work / "venv"), "--python", sys.executable, env=env)
            result = clients.uv(
                "pip", "install", "--python", str(work / "venv"), "--index-url", index, "chain-a", env=env
            )
        if phase == "install":
            seconds = time.perf_counter() - started
        if result.returncode != 0:
            raise RuntimeError(clients.explain(result))
        seen[phase] = server.requests()[before:]

    def wheels(requests: list[tuple[str, str, int, int]]) -> int:
        return sum(1 for method, path, *_ in requests if method == "GET" and path.endswith(".whl"))

    return {
        "client": client,
        "depth": DEPTH,
        "seconds": seconds,
        "requests": len(seen["install"]),
        "bytes": sum(size for *_, size in seen["install"]),
        "wheels_fetched": wheels(seen["install"]),
        "wheels_installed": DEPTH,
        "wheels_fetched_resolving": wheels(seen["resolve"]),
        "resolve_requests": len(seen["resolve"]),
    }


def end_to_end() -> list[dict[str, Any]]:
    """pip and uv, each installing the chain into a fresh target with cold caches."""
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        _chain(data)
        server = _Server(data)
        try:
            index = f"http://127.0.0.1:{server.port}/simple/"
            for client in ("pip", "uv"):
                results.append(_client_run(server, client, index, Path(tmp) / client))
        finally:
            server.stop()
    return results
