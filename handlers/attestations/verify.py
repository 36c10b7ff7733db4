"""Checking an upload's PEP 740 attestations and building the provenance PyPI would serve (pure).

Each attestation of the form's ``attestations`` field (a JSON array, as twine and
``pypa/gh-action-pypi-publish`` send it) must pass, in order: its **format** (PEP 740's attestation
object); its **subject** (exactly one: the uploaded file's name and sha256); its **predicate type**
(PyPI's publish attestation or SLSA provenance, each at most once); its **signature** (the DSSE
signature, the certificate chain and the transparency-log entry against Sigstore's production trust
root, offline: the root ``sigstore`` ships, kept under ``XDG_CACHE_HOME``; an upload never waits on
the network); and its **identity** (the certificate names one of the candidate publishers). The first
check that fails is the 400's reason; nothing is stored.

Imports ``pypi-attestations``, ``sigstore`` and ``pydantic``: only an upload that carries
attestations loads this module.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from cryptography.x509 import Certificate
from pydantic import ValidationError
from pypi_attestations import (
    Attestation,
    AttestationBundle,
    AttestationError,
    AttestationType,
    Distribution,
    Provenance,
)

from handlers.archives.distributions import Refused
from handlers.attestations.identity import describe, identity_of
from handlers.publishing.publisher import Publisher

if TYPE_CHECKING:
    from handlers.attestations.identity import Identity

#: More than one attestation per predicate type is refused; this bounds the field before parsing.
MAX_ATTESTATIONS = len(AttestationType)
#: The bytes of the field we parse at most (a real attestation is about 10 kB).
MAX_FIELD = 256 * 1024
_ISSUER_OID = "1.3.6.1.4.1.57264.1.8"
_BUILD_SIGNER_OID = "1.3.6.1.4.1.57264.1.9"


class AttestationRefused(Refused):
    """An attestation failed one check: the message names it (the upload's 400)."""

    def __init__(self, check: str, detail: str):
        super().__init__(f"Invalid attestations: the {check} check failed: {detail}")
        self.check = check


class _SignatureOnly:
    """A sigstore policy that accepts any certificate: the signature, chain and log entry are still
    verified; the identity is checked right after, against each candidate, so a refusal can say which
    of the two failed."""

    def verify(self, cert: Certificate) -> None:
        return None


def provenance(field: str, filename: str, sha256: str, publishers: Sequence[Publisher]) -> bytes:
    """The provenance object (PEP 740, the Integrity API's body) of verified attestations; else
    :class:`AttestationRefused` naming the check that failed."""
    attestations = _parse(field)
    dist = Distribution(name=filename, digest=sha256)
    seen: set[str] = set()
    for number, attestation in enumerate(attestations, 1):
        predicate_type = _check_statement(number, attestation, filename, sha256)
        if predicate_type in seen:
            raise AttestationRefused("predicate type", f"{predicate_type} is attested twice")
        seen.add(predicate_type)
        try:
            attestation.verify(_SignatureOnly(), dist, offline=True)
        except AttestationError as error:
            raise AttestationRefused(
                "signature",
                f"attestation {number} does not verify against Sigstore's production trust root: {error}",
            ) from error
    publisher = _signer(attestations, dist, publishers)
    bundle = AttestationBundle(publisher=publisher, attestations=attestations)
    return Provenance(attestation_bundles=[bundle]).model_dump_json().encode()


def _parse(field: str) -> list[Attestation]:
    if len(field) > MAX_FIELD:
        raise AttestationRefused("format", f"the attestations field is larger than {MAX_FIELD} bytes")
    try:
        raw: Any = json.loads(field)
    except ValueError as error:
        raise AttestationRefused("format", f"the attestations field is not JSON: {error}") from error
    if not isinstance(raw, list) or not raw:
        raise AttestationRefused("format", "the attestations field must be a non-empty JSON array")
    if len(raw) > MAX_ATTESTATIONS:
        raise AttestationRefused("format", f"at most {MAX_ATTESTATIONS} attestations, one per predicate type")
    parsed = []
    for number, item in enumerate(raw, 1):
        try:
            parsed.append(Attestation.model_validate(item))
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise AttestationRefused(
                "format", f"attestation {number} is not a PEP 740 attestation ({where}: {first['msg']})"
            ) from error
    return parsed


def _check_statement(number: int, attestation: Attestation, filename: str, sha256: str) -> str:
    """The predicate type after the subject checks (on the unverified statement: a refusal here is
    only ever a refusal; the signature check that follows makes the statement trustworthy)."""
    try:
        statement = attestation.statement
        subjects = statement["subject"]
        predicate_type = statement["predicateType"]
    except (ValueError, KeyError, TypeError) as error:
        raise AttestationRefused("format", f"attestation {number} holds no in-toto statement") from error
    if not isinstance(subjects, list) or len(subjects) != 1 or not isinstance(subjects[0], dict):
        raise AttestationRefused("subject", f"attestation {number} must name exactly one subject")
    subject = subjects[0]
    if subject.get("name") != filename:
        raise AttestationRefused(
            "subject", f"attestation {number} is for {str(subject.get('name'))[:200]!r}, not {filename!r}"
        )
    digest = subject.get("digest")
    if not isinstance(digest, dict) or digest.get("sha256") != sha256:
        raise AttestationRefused("subject", f"attestation {number} is for other bytes (sha256 differs)")
    if predicate_type not in {t.value for t in AttestationType}:
        known = ", ".join(t.value for t in AttestationType)
        raise AttestationRefused(
            "predicate type", f"attestation {number} has {str(predicate_type)[:200]!r}; known: {known}"
        )
    return str(predicate_type)


def _signer(attestations: list[Attestation], dist: Distribution, publishers: Sequence[Publisher]) -> Identity:
    """The first candidate publisher every attestation was signed by; else an identity refusal."""
    identities = [i for i in (identity_of(p) for p in publishers) if i is not None]
    for identity in identities:
        try:
            for attestation in attestations:
                attestation.verify(identity, dist, offline=True)
        except AttestationError:
            continue
        return identity
    claims = attestations[0].certificate_claims
    signer = claims.get(_BUILD_SIGNER_OID) or "an unknown workflow"
    issuer = claims.get(_ISSUER_OID) or "an unknown issuer"
    if not identities:
        expected = "no trusted publisher this index can verify is registered for the project"
    else:
        expected = "expected " + " or ".join(describe(i) for i in identities)
    raise AttestationRefused("identity", f"signed by {signer[:300]} ({issuer[:200]}); {expected}")
