"""The upload route: twine's legacy upload API (and ``uv publish``), one distribution per POST.

``handlers.app`` decides who may upload (uploads on, a token with the upload scope); this module reads
the form, checks the distribution (:mod:`handlers.uploads.publish`), the project's namespace and
status, verifies attestations when the upload carries any (:mod:`handlers.attestations`, loaded only
then) and publishes. Imported only for an upload: reads never pay for the archive readers.
"""

from __future__ import annotations

import hashlib
import io
import logging

from handlers import layout
from handlers.archives.distributions import Refused
from handlers.auth.tokens import TokenRecord
from handlers.aws.storage import Storage
from handlers.controls.registry import Registry
from handlers.controls.rules import namespace_of
from handlers.uploads import publish
from handlers.uploads.publish import Distribution
from handlers.web import multipart
from handlers.web.http import (
    RETRY_AFTER,
    BadRequest,
    Forbidden,
    Request,
    Response,
    ServiceUnavailable,
    quoted,
    text,
)

log = logging.getLogger(__name__)


def upload(request: Request, storage: Storage, record: TokenRecord) -> Response:
    """Publish the form's one distribution for the holder of ``record`` (an upload token)."""
    provenance: bytes | None = None
    try:
        form = multipart.parse(request.body, request.header("Content-Type"))
    except multipart.MalformedForm as error:
        raise BadRequest(f"Invalid upload form: {error}") from error
    content = form.files.get("content")
    try:
        publish.check_form_fields(form.fields)
        action = form.get(":action")
        if action is not None and action != "file_upload":
            raise BadRequest(f"Unsupported :action {quoted(action)}: only file_upload")
        if content is None:
            raise BadRequest("Invalid upload form: no 'content' file part")
        dist = publish.check_distribution(
            content.filename,
            io.BytesIO(content.content),
            name=form.get("name"),
            version=form.get("version"),
            filetype=form.get("filetype"),
            requires_python=form.get("requires_python"),
            digests={name: value for name in publish.DIGEST_FIELDS if (value := form.get(name))},
        )
        registry = Registry(storage)
        namespace = namespace_of(dist.project, registry.namespaces())
        if not record.may_upload_to(dist.project, namespace):
            reserved = f" (reserved namespace {namespace!r})" if namespace else ""
            raise Forbidden(f"Forbidden: this token may not upload to {dist.project}{reserved}")
        status = registry.status(dist.project)
        if not status.status.takes_uploads:
            why = f": {status.reason}" if status.reason else ""
            raise BadRequest(f"{dist.project} is {status.status.value}; it takes no uploads{why}")
        attestations = form.get("attestations")
        # An identical re-upload changes nothing whatever it carries: only a new file's are checked.
        if attestations is not None and storage.stored_sha256(dist.key) != dist.sha256:
            provenance = verified_provenance(storage, record, dist, attestations)
        extra = {layout.PROVENANCE_METADATA: hashlib.sha256(provenance).hexdigest()} if provenance else None
        created = publish.publish(storage, dist, content.content, extra)
    except Refused as error:
        raise BadRequest(str(error)) from error
    except publish.ProjectUnreadable as error:
        raise ServiceUnavailable(
            f"The index of {error} is being repaired; try again shortly", RETRY_AFTER
        ) from error
    if created and provenance is not None:
        from handlers.attestations import provenance as stored

        # After the file: a provenance object is never there without its file (a crash in between
        # leaves a file whose page links a provenance that answers 404).
        stored.store(storage, dist.key, provenance)
    log.info("upload of %s: %s", dist.key, "stored" if created else "identical file already there")
    return text(200, "OK" if created else "OK: this exact file was published already")


def verified_provenance(
    storage: Storage, record: TokenRecord, dist: Distribution, attestations: str
) -> bytes:
    """The provenance of an upload's verified attestations; raises the refusal naming the check."""
    # Imported here: sigstore, pypi-attestations and pydantic load only for an upload carrying them.
    from handlers.attestations import provenance, verify

    publishers = provenance.candidates(storage, record, dist.project)
    return verify.provenance(attestations, dist.filename, dist.sha256, publishers)
