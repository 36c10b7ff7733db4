"""``python -m devserver``: the local index on 127.0.0.1, with an embedded S3. Ctrl-C stops it."""

from __future__ import annotations

import argparse
import logging
import os
import re
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from urllib.parse import urlsplit

from devserver.server import DEFAULT_DATA, DEFAULT_OIDC_AUDIENCE, DevServer, Options, StartError
from handlers.contract import DEFAULT_FALLBACK_CACHE_SECONDS, DEFAULT_FALLBACK_MODE, FALLBACK_MODES
from handlers.names import is_valid_project_name
from handlers.web.http import is_loopback

_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_QUIET = ("botocore", "boto3", "urllib3", "s3transfer", "moto")


def _port(text: str) -> int:
    port = int(text)
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text} is not a port (0 to 65535)")
    return port


def _bucket(text: str) -> str:
    if not _BUCKET.match(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not an S3 bucket name (3-63 of a-z, 0-9, '.', '-')")
    return text


def _url(text: str) -> str:
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise argparse.ArgumentTypeError(f"{text!r} is not an http(s) URL")
    return text


def _issuer(text: str) -> str:
    """``URL`` (GitHub's claim rules) or ``PROVIDER=URL``, e.g. ``gitlab=http://127.0.0.1:8090``."""
    from handlers.publishing.providers import PROVIDERS

    provider, equals, url = text.partition("=")
    if equals and "://" not in provider:
        if provider not in PROVIDERS:
            raise argparse.ArgumentTypeError(f"{provider!r}: the providers are {', '.join(PROVIDERS)}")
        return f"{provider}={_issuer(url)}"
    parts = urlsplit(text)
    if not parts.netloc or parts.scheme not in ("http", "https"):
        raise argparse.ArgumentTypeError(f"{text!r} is not an http(s) URL")
    if parts.scheme == "http" and not is_loopback(text):
        raise argparse.ArgumentTypeError(f"{text!r}: plain http only for an issuer on loopback; use https")
    return text.rstrip("/")


def _name(text: str) -> str:
    if not is_valid_project_name(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a project name")
    return text


def _mode(text: str) -> str:
    if text not in FALLBACK_MODES:
        raise argparse.ArgumentTypeError(f"fallbackMode must be {' or '.join(FALLBACK_MODES)}, not {text!r}")
    return text


def _at_least(minimum: int) -> Callable[[str], int]:
    def number(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{text!r}: at least {minimum}")
        return value

    return number


def parse_args(argv: list[str] | None = None) -> Options:
    """The options from the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m devserver",
        description="The serverless-pypi index on your machine: the same handlers behind a local "
        "API Gateway, with an embedded S3 whose content lives in a data directory.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to serve on (127.0.0.1)")
    parser.add_argument("--port", type=_port, default=8080, help="HTTP port (8080; 0: any free)")
    parser.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA,
        metavar="DIR",
        help="the bucket's files as DIR/<project>/<file>, loaded at start and kept up to date "
        "(default: .data/ in the repository)",
    )
    parser.add_argument("--bucket", type=_bucket, default="pypi", help="bucket name (pypi)")
    parser.add_argument(
        "--s3-port", type=_port, default=0, help="port of the embedded S3 (default: a free one)"
    )
    parser.add_argument(
        "--fallback-index-url",
        type=_url,
        metavar="URL",
        help="where unknown projects are redirected, e.g. https://pypi.org/simple/",
    )
    parser.add_argument(
        "--fallback-mode",
        type=_mode,
        default=DEFAULT_FALLBACK_MODE,
        help="fallbackMode: redirect unknown projects to --fallback-index-url, or proxy its pages "
        "through the policy below, cached in the bucket (redirect)",
    )
    parser.add_argument(
        "--min-release-age",
        type=_at_least(0),
        default=0,
        metavar="DAYS",
        help="proxy: list only files public upstream this many days (0: off; 7 recommended)",
    )
    parser.add_argument(
        "--fallback-deny",
        type=_name,
        action="append",
        default=[],
        metavar="NAME",
        help="proxy: never serve this name from upstream (repeatable)",
    )
    parser.add_argument(
        "--fallback-allow",
        type=_name,
        action="append",
        default=[],
        metavar="NAME",
        help="proxy: serve only these names from upstream (repeatable; none given: any name)",
    )
    parser.add_argument(
        "--fallback-cache-seconds",
        type=_at_least(1),
        default=DEFAULT_FALLBACK_CACHE_SECONDS,
        metavar="SECONDS",
        help=f"proxy: fetch a cached upstream page again after this long ({DEFAULT_FALLBACK_CACHE_SECONDS})",
    )
    parser.add_argument("--public-read", action="store_true", help="reads need no token (uploads always do)")
    parser.add_argument(
        "--tls-cert", type=Path, metavar="FILE", help="serve HTTPS with this PEM certificate chain"
    )
    parser.add_argument("--tls-key", type=Path, metavar="FILE", help="the private key of --tls-cert (PEM)")
    parser.add_argument(
        "--oidc-issuer",
        type=_issuer,
        action="append",
        default=[],
        metavar="[PROVIDER=]URL",
        help="trust this OIDC issuer too for trusted publishing: gitlab=URL or google=URL with that "
        "provider's claim rules, a bare URL with GitHub's (repeatable; https, or http on loopback only)",
    )
    parser.add_argument(
        "--oidc-audience",
        default=DEFAULT_OIDC_AUDIENCE,
        metavar="TEXT",
        help=f"the audience CI tokens must name ({DEFAULT_OIDC_AUDIENCE})",
    )
    args = parser.parse_args(argv)
    if (args.tls_cert is None) != (args.tls_key is None):
        parser.error("--tls-cert and --tls-key go together")
    return Options(
        host=args.host,
        port=args.port,
        data=args.data,
        bucket=args.bucket,
        s3_port=args.s3_port,
        fallback_index_url=args.fallback_index_url,
        public_read=args.public_read,
        tls_cert=args.tls_cert,
        tls_key=args.tls_key,
        oidc_issuers=tuple(args.oidc_issuer),
        oidc_audience=args.oidc_audience,
        fallback_mode=args.fallback_mode,
        min_release_age_days=args.min_release_age,
        fallback_deny=tuple(args.fallback_deny),
        fallback_allow=tuple(args.fallback_allow),
        fallback_cache_seconds=args.fallback_cache_seconds,
    )


def _configure_logging() -> None:
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )
    for name in _QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    access = logging.getLogger("devserver.access")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", datefmt="%H:%M:%S"))
    access.addHandler(handler)
    access.propagate = False


def main(argv: list[str] | None = None) -> int:
    """Run the dev server until SIGINT or SIGTERM; 0 on a clean stop, 1 when it cannot start."""
    options = parse_args(argv)
    _configure_logging()
    stopping = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        if stopping.is_set():  # a second Ctrl-C: the user will not wait for a clean stop
            print("devserver: forced to stop", file=sys.stderr, flush=True)
            os._exit(130)
        stopping.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    server = DevServer(options, out=sys.stdout)
    try:
        server.start()
    except StartError as error:
        print(f"devserver: {error}", file=sys.stderr)
        server.stop()
        return 1
    try:
        while not stopping.wait(0.5):
            pass
    finally:
        server.stop()
        print("stopped", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
