"""The local index, assembled: embedded S3 and its events, the data directory, the HTTP gateway.

:class:`DevServer` starts the pieces in the order the index needs them (see :meth:`DevServer.start`)
and stops them in reverse. The handlers run in this process, configured through the environment
exactly as the component configures the Lambdas.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from devserver import lambdas
from devserver.aws import ACCESS_KEY, REGION, SECRET_KEY, EmbeddedAWS, create_bucket, wire_events
from devserver.banner import Banner
from devserver.datadir import DataDir, Watcher
from devserver.delivery import Poller
from devserver.httpd import GatewayServer
from devserver.tls import TLSConfigError, server_context
from handlers import api, contract, reindex
from handlers.publishing.providers import DEFAULT_ISSUERS

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO_ROOT / ".data"
READY = "ready"
#: The dev server's trusted publishing audience (a deployment's is its own domain name).
DEFAULT_OIDC_AUDIENCE = "serverless-pypi-devserver"
#: Set by the Makefile's ``run`` and ``run-private`` to the target's name (for error messages).
MAKE_TARGET_VARIABLE = "DEVSERVER_MAKE_TARGET"

# Never let the handlers or the clients here reach a real account or another endpoint.
_UNSET = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    contract.ENV_REINDEX_QUEUE_URL,
)


class StartError(RuntimeError):
    """The dev server cannot start; the message names the fix."""


def free_port_near(host: str, port: int, tries: int = 20) -> int:
    """A port after ``port`` that is free on ``host`` right now, else 0 (any free port)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    for candidate in range(port + 1, min(port + 1 + tries, 65536)) if port else ():
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            try:
                sock.bind((host, candidate))
            except OSError:
                continue
            return candidate
    return 0


def another_port(flag: str, example: str) -> str:
    """How to pass another port: as make needs it when run by a Makefile target, else as a flag.

    The Makefile's ``run`` targets set :data:`MAKE_TARGET_VARIABLE` to their own name.
    """
    target = os.environ.get(MAKE_TARGET_VARIABLE)
    option = f'make {target} ARGS="{flag} {example}"' if target else f"{flag} {example}"
    return f"pass another one: {option}" + ("" if example == "0" else " (0: any free port)")


@dataclass(frozen=True)
class Options:
    """The dev server's options (see ``python -m devserver --help``)."""

    host: str = "127.0.0.1"
    port: int = 8080
    data: Path = DEFAULT_DATA
    bucket: str = "pypi"
    s3_port: int = 0
    fallback_index_url: str | None = None
    public_read: bool = False
    #: ``--tls-cert`` / ``--tls-key``: serve HTTPS (uv's trusted publishing exchange needs it).
    tls_cert: Path | None = None
    tls_key: Path | None = None
    #: ``--oidc-issuer``: issuers trusted besides the providers' public ones, ``PROVIDER=URL`` or a bare
    #: URL (GitHub's claim rules).
    oidc_issuers: tuple[str, ...] = ()
    #: ``--oidc-audience``: the audience CI tokens must name.
    oidc_audience: str = DEFAULT_OIDC_AUDIENCE
    #: ``--fallback-mode``: ``redirect`` or ``proxy`` (the fallback's pages, filtered and cached).
    fallback_mode: str = contract.DEFAULT_FALLBACK_MODE
    #: ``--min-release-age``: days a proxied file must have been public upstream (0: off).
    min_release_age_days: int = 0
    #: ``--fallback-deny`` / ``--fallback-allow``: names never / the only names served from upstream.
    fallback_deny: tuple[str, ...] = ()
    fallback_allow: tuple[str, ...] = ()
    #: ``--fallback-cache-seconds``: a cached upstream page older than this is fetched again.
    fallback_cache_seconds: int = contract.DEFAULT_FALLBACK_CACHE_SECONDS


def handler_environment(options: Options, endpoint: str) -> dict[str, str | None]:
    """The environment of the handlers (None: unset), as the component gives the Lambdas."""
    env: dict[str, str | None] = dict.fromkeys(_UNSET)
    env.update(
        {
            contract.ENV_BUCKET: options.bucket,
            contract.ENV_FALLBACK_INDEX_URL: options.fallback_index_url,
            contract.ENV_FALLBACK_MODE: options.fallback_mode,
            contract.ENV_MIN_RELEASE_AGE_DAYS: str(options.min_release_age_days),
            contract.ENV_FALLBACK_DENY: ",".join(options.fallback_deny) or None,
            contract.ENV_FALLBACK_ALLOW: ",".join(options.fallback_allow) or None,
            contract.ENV_FALLBACK_CACHE_SECONDS: str(options.fallback_cache_seconds),
            contract.ENV_PUBLIC_READ: "true" if options.public_read else "false",
            contract.ENV_UPLOADS_ENABLED: "true",
            contract.ENV_OIDC_AUDIENCE: options.oidc_audience,
            contract.ENV_OIDC_ISSUERS: ",".join(
                (*(f"{name}={url}" for url, name in DEFAULT_ISSUERS.items()), *options.oidc_issuers)
            ),
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_ENDPOINT_URL_S3": endpoint,
            "AWS_ENDPOINT_URL_SQS": endpoint,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_EC2_METADATA_DISABLED": "true",
        }
    )
    return env


def _apply(env: Mapping[str, str | None]) -> None:
    for name, value in env.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def display_host(host: str) -> str:
    """The host to put in URLs: a wildcard address becomes loopback."""
    if host in ("", "0.0.0.0"):  # noqa: S104 (a comparison, not a bind)
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


@dataclass
class DevServer:
    """The local index: start it, serve, stop it."""

    options: Options
    out: TextIO | None = None
    _aws: EmbeddedAWS | None = field(default=None, init=False)
    _http: GatewayServer | None = field(default=None, init=False)
    _http_thread: threading.Thread | None = field(default=None, init=False)
    _poller: Poller | None = field(default=None, init=False)
    _watcher: Watcher | None = field(default=None, init=False)

    @property
    def index_url(self) -> str:
        """``http://HOST:PORT/simple/`` (``https`` with ``--tls-cert``)."""
        port = self._http.port if self._http is not None else self.options.port
        scheme = "https" if self.options.tls_cert is not None else "http"
        return f"{scheme}://{display_host(self.options.host)}:{port}/simple/"

    @property
    def s3_endpoint(self) -> str:
        """The embedded S3's endpoint URL."""
        if self._aws is None:
            raise RuntimeError("not started")
        return self._aws.endpoint

    def start(self) -> None:
        """Start everything; raises :class:`StartError` with the fix when something is in the way.

        Order: both ports are bound first (a port in use fails at once), then the bucket is filled
        from the data directory *before* its events are turned on (those files are already there,
        as in a bucket that outlived a restart: nothing to announce), then the rule and queue, one
        rebuild so every page exists before the first request, the queue poller and the data
        directory watcher, and last the HTTP server. "ready" is printed when it all runs.
        """
        options = self.options
        tls = None
        if options.tls_cert is not None or options.tls_key is not None:
            if options.tls_cert is None or options.tls_key is None:
                raise StartError("--tls-cert and --tls-key go together: pass both")
            try:
                tls = server_context(options.tls_cert, options.tls_key)
            except TLSConfigError as error:
                raise StartError(str(error)) from error
        try:
            self._aws = EmbeddedAWS("127.0.0.1", options.s3_port)
        except OSError as error:
            raise StartError(
                f"cannot serve S3 on 127.0.0.1:{options.s3_port} ({error.strerror}): "
                + another_port("--s3-port", "0")
            ) from error
        try:
            self._http = GatewayServer(
                options.host,
                options.port,
                api.handler,
                bucket=options.bucket,
                s3_endpoint=self._aws.endpoint,
                tls=tls,
            )
        except OSError as error:
            self._aws.stop()
            raise StartError(
                f"cannot serve HTTP on {options.host}:{options.port} ({error.strerror}): "
                + another_port("--port", str(free_port_near(options.host, options.port)))
            ) from error
        self._aws.start()
        _apply(handler_environment(options, self._aws.endpoint))
        create_bucket(self._aws, options.bucket)
        try:
            data = DataDir(options.data, self._aws.s3(), options.bucket)
        except OSError as error:
            raise StartError(f"cannot use --data {options.data}: {error}") from error
        count = data.load()
        wiring = wire_events(self._aws, options.bucket)
        try:
            lambdas.invoke(reindex.handler, {"rebuild": True}, function_name="serverless-pypi-reindex")
        except lambdas.InvokeError as error:
            log.error("the first rebuild failed (%s); pages come as events arrive", error)
        # From now on a rebuild fans out one job per project through the queue, as on AWS.
        os.environ[contract.ENV_REINDEX_QUEUE_URL] = wiring.queue_url
        self._poller = Poller(
            self._aws.sqs(),
            wiring.queue_url,
            wiring.queue_arn,
            reindex.handler,
            bucket=options.bucket,
            write_back=data.sync,
        )
        self._poller.start()
        self._watcher = Watcher(data)
        self._watcher.start()
        self._http_thread = threading.Thread(target=self._http.serve_forever, name="http", daemon=True)
        self._http_thread.start()
        self._announce(count, data.root)

    def _announce(self, count: int, root: Path) -> None:
        assert self._aws is not None
        banner = Banner(
            index_url=self.index_url,
            s3_endpoint=self._aws.endpoint,
            bucket=self.options.bucket,
            files=count,
            data=str(root),
            public_read=self.options.public_read,
        )
        print("\n".join([*banner.lines(), READY]), file=self.out, flush=True)

    def stop(self) -> None:
        """Stop the HTTP server, the watcher, the poller and the embedded S3, in that order."""
        if self._http is not None:
            if self._http_thread is not None:
                self._http.shutdown()
                self._http_thread.join(timeout=5)
            self._http.server_close()
            self._http = None
        if self._watcher is not None:
            self._watcher.stop()
            self._watcher = None
        if self._poller is not None:
            self._poller.stop()
            self._poller = None
        if self._aws is not None:
            self._aws.stop()
            self._aws = None
