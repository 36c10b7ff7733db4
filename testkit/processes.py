"""Stopping a child process the way a person stops the dev server: Ctrl-C's signal, then patience."""

from __future__ import annotations

import signal
import subprocess
from typing import Any


def stop(process: subprocess.Popen[Any], timeout: float = 30) -> int | None:
    """SIGTERM ``process`` and wait for it; kill it after ``timeout`` s. Its exit code, or None
    when it had to be killed."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            return None
    return process.returncode
