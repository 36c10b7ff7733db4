"""HTTPS for the local index: ``--tls-cert FILE --tls-key FILE``.

uv forces ``https`` for the trusted publishing exchange (it keeps only the publish URL's host and
port), so testing that locally needs the dev server to speak TLS. The listening socket is wrapped
without a handshake on accept; each connection shakes hands in its own thread, so a slow or
silent client never holds up the others.
"""

from __future__ import annotations

import socket
import ssl
from pathlib import Path


class TLSConfigError(ValueError):
    """The certificate or key cannot be used (the message names the file)."""


def server_context(cert: Path, key: Path) -> ssl.SSLContext:
    """A server-side TLS context (TLS 1.2 or newer) with ``cert`` (a PEM chain) and ``key``."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(certfile=str(cert), keyfile=str(key))
    except (OSError, ssl.SSLError) as error:
        raise TLSConfigError(f"cannot use --tls-cert {cert} --tls-key {key}: {error}") from error
    return context


def wrap_listener(sock: socket.socket, context: ssl.SSLContext) -> ssl.SSLSocket:
    """The listening socket, serving TLS; the handshake waits for :func:`handshake`."""
    return context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)


def handshake(connection: socket.socket, timeout: float) -> bool:
    """Finish the TLS handshake of an accepted connection; False when the client gave up or failed."""
    if not isinstance(connection, ssl.SSLSocket):
        return True
    connection.settimeout(timeout)
    try:
        connection.do_handshake()
    except (OSError, ssl.SSLError):
        return False
    return True
