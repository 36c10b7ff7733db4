"""A stand-in for GitHub Actions on loopback: a CA and a server certificate for 127.0.0.1, an RSA
signing key, an OIDC issuer (discovery + JWKS) and the runner's token endpoint.

uv asks ``$ACTIONS_ID_TOKEN_REQUEST_URL&audience=…`` with ``Authorization: bearer
$ACTIONS_ID_TOKEN_REQUEST_TOKEN`` and gets ``{"value": <jwt>}``. The claims are GitHub's, for
:data:`REPOSITORY` and :data:`WORKFLOW`; a test changes :attr:`FakeCI.overrides` to play another
job, or signs a token itself with :meth:`FakeCI.sign`.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import secrets
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

REPOSITORY = "octo-org/octo-pkg"
WORKFLOW = "release.yml"
KID = "test-key-1"


@dataclass(frozen=True)
class Certificates:
    """PEM files: the CA (for clients), the server's chain and key (for the dev server)."""

    ca: Path
    cert: Path
    key: Path


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def make_certificates(directory: Path) -> Certificates:
    """A throwaway CA and a certificate for 127.0.0.1 (and localhost) it signed."""
    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.UTC)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("serverless-pypi test CA"))
        .issuer_name(_name("serverless-pypi test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("127.0.0.1"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths = Certificates(directory / "ca.pem", directory / "server.pem", directory / "server-key.pem")
    paths.ca.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


@dataclass
class FakeCI:
    """The issuer and the runner's token endpoint, on one loopback HTTP server."""

    url: str = ""
    request_token: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    key: rsa.RSAPrivateKey = field(default_factory=lambda: rsa.generate_private_key(65537, 2048))
    #: Claims replacing (or, with None, removing) the defaults in tokens the endpoint hands out.
    overrides: dict[str, Any] = field(default_factory=dict)
    #: Audiences the token endpoint was asked for.
    audiences: list[str] = field(default_factory=list)

    @property
    def token_request_url(self) -> str:
        """``ACTIONS_ID_TOKEN_REQUEST_URL`` (it carries a query already, as GitHub's does)."""
        return f"{self.url}/token?api-version=2.0"

    def claims(self, audience: str, **changes: Any) -> dict[str, Any]:
        """GitHub's claims for a release job of :data:`REPOSITORY`, with ``changes`` applied."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.url,
            "aud": audience,
            "iat": now,
            "nbf": now - 5,
            "exp": now + 300,
            "jti": str(uuid.uuid4()),
            "sub": f"repo:{REPOSITORY}:ref:refs/heads/main",
            "repository": REPOSITORY,
            "repository_owner": REPOSITORY.split("/")[0],
            "repository_owner_id": "4242",
            "workflow_ref": f"{REPOSITORY}/.github/workflows/{WORKFLOW}@refs/heads/main",
            "job_workflow_ref": f"{REPOSITORY}/.github/workflows/{WORKFLOW}@refs/heads/main",
            "event_name": "push",
            "ref": "refs/heads/main",
        }
        for name, value in {**self.overrides, **changes}.items():
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value
        return claims

    def sign(self, claims: dict[str, Any], *, key: rsa.RSAPrivateKey | None = None, kid: str = KID) -> str:
        """A JWT of ``claims`` signed RS256 with the issuer's key (or ``key``)."""
        return jwt.encode(claims, key or self.key, algorithm="RS256", headers={"kid": kid})

    def jwks(self) -> dict[str, Any]:
        """The issuer's key set."""
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**public, "kid": KID, "use": "sig", "alg": "RS256"}]}


def _handler(ci: FakeCI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if parts.path == "/.well-known/openid-configuration":
                self._json(200, {"issuer": ci.url, "jwks_uri": f"{ci.url}/jwks"})
            elif parts.path == "/jwks":
                self._json(200, ci.jwks())
            elif parts.path == "/token":
                if self.headers.get("Authorization", "").lower() != f"bearer {ci.request_token}".lower():
                    self._json(401, {"message": "bad runner token"})
                    return
                audience = parse_qs(parts.query).get("audience", [""])[-1]
                ci.audiences.append(audience)
                self._json(200, {"value": ci.sign(ci.claims(audience))})
            else:
                self._json(404, {"message": "not found"})

        def _json(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def running_fake_ci() -> Iterator[FakeCI]:
    """The fake CI on a free loopback port (plain http: the index allows it for loopback issuers)."""
    ci = FakeCI()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(ci))
    ci.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield ci
    finally:
        server.shutdown()
        server.server_close()
