"""The index's HTTP surface: routes a :class:`Request` to a :class:`Response` (see DESIGN.md §4).

A page costs one S3 GET of the data the reindexer wrote; a ``.metadata`` request one (the object
exists only while its project offers files); a download redirect none right after this instance
served the project's page (:mod:`handlers.controls.recent`), else one for the project's status (a
quarantined project's files are not served; presigning is local).

A miss (no page) costs the reserved namespaces (one GET a minute per warm function) and at most
two listings before a client is sent to the fallback index, so a name that is reserved, or that the
bucket holds, is never resolved elsewhere. Paths are relative to the stage root (``…/simple/``).
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from handlers import contract, layout
from handlers.auth import tokens
from handlers.auth.tokens import TokenRecord
from handlers.aws.storage import NotModified, Storage, StoredObject, TooLarge
from handlers.config import Settings
from handlers.names import (
    MAX_FILENAME_LENGTH,
    MAX_NAME_LENGTH,
    NormalizedName,
    is_safe_filename,
    is_valid_project_name,
    normalize,
)
from handlers.simple import pages
from handlers.web import negotiation
from handlers.web.http import (
    MAX_PROXY_RESPONSE,
    PROXY_OVERHEAD,
    RETRY_AFTER,
    BadRequest,
    Forbidden,
    HTTPError,
    MethodNotAllowed,
    NotAcceptable,
    NotFound,
    Request,
    Response,
    ServiceUnavailable,
    Unauthorized,
    accepts_gzip,
    from_error,
    json_string_size,
    redirect,
)
from handlers.web.negotiation import Format

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)

READ_METHODS = "GET, HEAD"
REALM = "serverless-pypi"
#: ``.metadata`` files up to this size are answered inline; larger ones are redirected to S3 like a
#: file, far below Lambda's 6 MB response limit.
MAX_INLINE_METADATA = 1024 * 1024
#: How long clients keep a ``.metadata`` answer without asking again: a year, as PyPI's file host.
METADATA_CACHE = "max-age=31536000, immutable"
#: What a client is told while a damaged page waits for the reindexer's repair.
PAGE_REPAIRING = "This page is being repaired; try again shortly"
_PAGE_CACHE = "no-cache"  # clients keep pages but revalidate (a 304 costs them nothing)
_PAGE_VARY = "Accept, Accept-Encoding"  # the same on a 200 and its 304
_ETAG = re.compile(r'(?:W/)?"([0-9a-fA-F-]+)-(html|json)"')
_UNSAFE_PATH = re.compile(r"[^\x21-\x7e]|[\\%]")
_MAX_PATH = MAX_NAME_LENGTH + MAX_FILENAME_LENGTH + len("/.metadata") + 2


def route(request: Request, settings: Settings, storage: Storage) -> Response:
    """Answer one request. Raises :class:`~handlers.web.http.HTTPError` for every client error."""
    path = request.path
    if len(path) > _MAX_PATH or _UNSAFE_PATH.search(path):
        raise BadRequest("Invalid path: ASCII names and filenames only")
    segments = path[1:].split("/")
    if any(s in (".", "..") for s in segments):
        raise BadRequest("Invalid path: no '.' or '..' segments")
    if path == "/" and request.method == "POST":
        return _upload(request, settings, storage)
    if request.method not in ("GET", "HEAD"):
        raise MethodNotAllowed("Method Not Allowed", READ_METHODS)
    _authorize(request, settings, storage, "read")
    if path == "/":
        return _root(request, settings, storage)
    if len(segments) == 1:  # "/Name" without its slash: the page is at "/name/"
        return redirect(301, f"{normalize(_project_name(segments[0]))}/")
    if len(segments) == 2 and segments[1] == "":
        return _project(request, settings, storage, segments[0])
    if len(segments) == 2:
        return _file(request, settings, storage, segments[0], segments[1])
    raise NotFound()


#: How to make a token: the admin CLI as it runs from a clone's root (every 401 that had a password).
_MAKE_ONE = "Make one with `.venv/bin/python -m admin --bucket BUCKET token create --name NAME --scope read`."


def view(request: Request, settings: Settings, storage: Storage) -> Response:
    """The web view (pages for people, ``/project/…``): the same rules of reads as the index."""
    from handlers.views import site

    path = request.path
    try:
        if len(path) > _MAX_PATH or _UNSAFE_PATH.search(path) or ".." in path.split("/"):
            raise BadRequest("Invalid path: ASCII names and versions only")
        if request.method not in ("GET", "HEAD"):
            raise MethodNotAllowed("Method Not Allowed", READ_METHODS)
        if not site.is_static(path):
            _authorize(request, settings, storage, "read")
        return site.answer(path, storage)
    except HTTPError as error:  # a person reads these: the view's headers, the plain message
        answered = from_error(error)
        return Response(answered.status, answered.body, {**site.headers(), **answered.headers})


def _authorize(request: Request, settings: Settings, storage: Storage, scope: str) -> TokenRecord | None:
    """The caller's token record, or an error: 401 without a valid token, 403 without the scope."""
    if scope == "read" and settings.public_read:
        return None
    token = tokens.token_from_basic_auth(request.header("Authorization"))
    from handlers.auth import credentials  # on the first request that needs a token

    record = credentials.lookup(storage, token) if token is not None else None
    if record is None:
        # pip asks its keyring or netrc for credentials only after a 401 that names Basic.
        message = "Authentication required: user __token__, password a token"
        if token:
            message = f"Invalid or expired token. {_MAKE_ONE}"
            if not token.startswith(tokens.TOKEN_PREFIX):  # "Bearer …", a token cut short, a password
                message = (
                    f"Not a token: a token starts with {tokens.TOKEN_PREFIX} and is the whole password "
                    f"of user __token__ (no Bearer before it). {_MAKE_ONE}"
                )
        raise Unauthorized(message, REALM)
    if scope not in record.scopes:
        raise Forbidden(f"Forbidden: this token has no {scope} scope")
    return record


def _upload(request: Request, settings: Settings, storage: Storage) -> Response:
    """twine's legacy upload API (and ``uv publish``): who may upload is decided here, the rest in
    :mod:`handlers.uploads.endpoint`."""
    if not settings.uploads_enabled:
        raise MethodNotAllowed("Uploads are not enabled on this index", READ_METHODS)
    record = _authorize(request, settings, storage, "upload")
    assert record is not None
    # Imported here: reads, by far the most requests, never pay for the archive readers.
    from handlers.uploads import endpoint

    return endpoint.upload(request, storage, record)


def integrity(request: Request, settings: Settings, storage: Storage) -> Response:
    """PyPI's Integrity API: ``GET /integrity/<project>/<version>/<filename>/provenance`` (PEP 740),
    one GET of the provenance stored beside the file; 404 for a file without."""
    path = request.path.removeprefix("/" + contract.INTEGRITY_BASE_PATH)
    if len(path) > _MAX_PATH + 64 or _UNSAFE_PATH.search(path):
        raise BadRequest("Invalid path: ASCII names and filenames only")
    if request.method not in ("GET", "HEAD"):
        raise MethodNotAllowed("Method Not Allowed", READ_METHODS)
    _authorize(request, settings, storage, "read")
    segments = path.strip("/").split("/")
    if any(s in (".", "..") for s in segments):
        raise BadRequest("Invalid path: no '.' or '..' segments")
    if len(segments) != 4 or segments[3] != "provenance":
        raise NotFound("Not found: ask /integrity/<project>/<version>/<filename>/provenance")
    project, version, filename = _project_name(segments[0]), segments[1], segments[2]
    if not is_safe_filename(filename):
        raise BadRequest("Invalid filename")
    from handlers.attestations.provenance import MEDIA_TYPE, read
    from handlers.names import version_of

    body = read(storage, f"{normalize(project)}/{filename}") if version_of(filename) == version else None
    if body is None:
        raise NotFound(f"No provenance for {filename} of {normalize(project)} {version}")
    return Response(200, body, {"Content-Type": MEDIA_TYPE, "X-Content-Type-Options": "nosniff"})


def _project_name(segment: str) -> str:
    if not is_valid_project_name(segment):
        raise BadRequest("Invalid project name")
    return segment


def _root(request: Request, settings: Settings, storage: Storage) -> Response:
    fmt = _format(request)
    try:
        stored = storage.get(layout.ROOT_PAGE_KEY, if_none_match=_client_etag(request, fmt))
    except NotModified:
        return _not_modified(request, fmt)
    if stored is None:  # nothing indexed yet: an empty index, not an error
        from handlers.simple import render

        body = render.root_json([]) if fmt.is_json else render.root_html([])
        return Response(200, body, {"Content-Type": fmt.content_type, "Vary": _PAGE_VARY})
    return _page(request, settings, storage, fmt, stored, root=True)


def _project(request: Request, settings: Settings, storage: Storage, segment: str) -> Response:
    name = normalize(_project_name(segment))
    if segment != name:
        return redirect(301, f"../{name}/")
    fmt = _format(request)
    try:
        stored = storage.get(layout.project_page_key(name), if_none_match=_client_etag(request, fmt))
    except NotModified:
        return _not_modified(request, fmt)
    if stored is not None:
        response = _page(request, settings, storage, fmt, stored, root=False)
        from handlers.controls import recent  # on the first page read, not at cold start

        recent.page_read(storage.bucket, name, pages.status_of(stored.metadata))
        return response
    return _miss(request, settings, storage, name)


def _miss(request: Request, settings: Settings, storage: Storage, name: NormalizedName) -> Response:
    """No page: a 404, or the fallback index unless the name is reserved or the bucket holds files
    of it after all. In proxy mode the fallback's page, filtered by the policy, instead of a 302."""
    if not settings.fallback_index_url:
        raise NotFound(f"No such project: {name}")
    from handlers.controls.registry import Registry
    from handlers.controls.rules import namespace_of
    from handlers.simple.catalog import Catalog

    namespace = namespace_of(name, Registry(storage).namespaces())
    if namespace is not None:
        raise NotFound(f"No such project: {name} (the name is reserved: namespace {namespace!r})")
    held = Catalog(storage).holds_files(name)
    if held is None:
        raise ServiceUnavailable(f"Cannot tell now whether {name} is held here; try again", RETRY_AFTER)
    if held:
        # Files are in the bucket and their page is on its way: never send this name elsewhere.
        raise ServiceUnavailable(f"{name} is being indexed; try again shortly", RETRY_AFTER)
    if settings.proxy:
        return _proxied(request, settings, storage, name)
    # Temporary: the project may be published here later, and pip caches 301s for good.
    return redirect(302, f"{settings.fallback_index_url}{name}/")


def _proxied(request: Request, settings: Settings, storage: Storage, name: NormalizedName) -> Response:
    """The upstream's page after the policy, cached, served and negotiated like our own."""
    from handlers.proxy import cache  # only a miss in proxy mode loads urllib and the policy

    fmt = _format(request)
    stored = cache.page(storage, settings, name)
    if _client_etag(request, fmt) == stored.etag:
        return _not_modified(request, fmt)
    # The upstream's links are absolute already; a copy of a large one changes none of them.
    return _page(request, settings, storage, fmt, stored, root=False)


def _file(request: Request, settings: Settings, storage: Storage, segment: str, filename: str) -> Response:
    folder = _project_name(segment)
    if not is_safe_filename(filename.removesuffix(".metadata")):
        raise BadRequest("Invalid filename")
    if filename.endswith(".metadata"):
        return _metadata(settings, storage, folder, filename[: -len(".metadata")])
    project = normalize(folder)
    # A quarantined project's files are not served. A page this instance served moments ago says
    # whether the project offers files; else its status record does (the one GET a download costs).
    from handlers.controls import recent

    if not recent.offers_files(storage.bucket, project):
        _refuse_if_quarantined(storage, project)
    # The page links every file at its real folder, so the key is known without a request.
    url = storage.presign(f"{folder}/{filename}", settings.presigned_url_ttl, head=request.method == "HEAD")
    return redirect(302, url, {"Cache-Control": "no-store"})


def _refuse_if_quarantined(storage: Storage, project: NormalizedName) -> None:
    from handlers.controls.registry import Registry

    if not Registry(storage).status(project).status.offers_files:
        raise NotFound(f"{project} is quarantined: its files are not served")


def _metadata(settings: Settings, storage: Storage, folder: str, filename: str) -> Response:
    """A wheel's core metadata: one GET. The reindexer keeps these objects only while the project
    offers files (a quarantine deletes them), so the object's presence is the status check."""
    if not filename.endswith(".whl"):
        raise NotFound("No metadata for this file")
    project = normalize(folder)
    key = layout.metadata_key(project, filename)
    try:
        stored = storage.get(key, max_size=MAX_INLINE_METADATA)
    except TooLarge:
        return redirect(302, storage.presign(key, settings.presigned_url_ttl), {"Cache-Control": "no-store"})
    if stored is None:
        _refuse_if_quarantined(storage, project)  # a second GET, on a miss only: say why
        raise NotFound("No metadata for this file")
    return Response(
        200,
        stored.body,
        {
            "Content-Type": "text/plain; charset=utf-8",
            "ETag": f'"{stored.etag}"',
            # A file's metadata never changes while its filename stands (other bytes under a taken
            # name are refused), so a client's second install asks nothing (RATIONALE.md).
            "Cache-Control": METADATA_CACHE if settings.public_read else f"private, {METADATA_CACHE}",
            "X-Content-Type-Options": "nosniff",
        },
    )


def _format(request: Request) -> Format:
    fmt = negotiation.select(request.header("Accept"))
    if fmt is None:
        types = ", ".join(f.value for f in Format)
        raise NotAcceptable(f"Not Acceptable: this index serves {types}", {"Vary": "Accept"})
    return fmt


def _page(
    request: Request, settings: Settings, storage: Storage, fmt: Format, stored: StoredObject, *, root: bool
) -> Response:
    """A stored page in the client's format: its gzip member as it is for a client that takes gzip,
    inflated for one that does not, or, when that would not fit a Lambda response, a 302 to a copy."""
    headers = _page_headers(fmt, stored.etag)
    try:
        member = pages.member(stored.body, stored.metadata, json=fmt.is_json)
        if accepts_gzip(request.header("Accept-Encoding")):
            return Response(200, member, headers, gzipped=True)
        if request.method == "HEAD":  # no body goes back: nothing to inflate
            return Response(200, b"", headers)
        body = _inline(member)
        if body is not None:
            return Response(200, body, headers)
        return _large(request, settings, storage, fmt, stored.etag, member, root=root)
    except pages.DamagedPage as error:
        log.error("a stored page is damaged (%s); a reindex writes it again", error)
        raise ServiceUnavailable(PAGE_REPAIRING, RETRY_AFTER) from error


def _inline(member: bytes) -> bytes | None:
    """A member inflated, or None when its proxy response would pass Lambda's limit: told by the gzip
    trailer without inflating (far over), else counted exactly on the inflated bytes."""
    budget = MAX_PROXY_RESPONSE - PROXY_OVERHEAD
    if pages.inflated_size(member) + 2 > budget:  # a JSON string is never shorter than its bytes
        return None
    body = pages.inflate(member)
    return body if json_string_size(body) <= budget else None


def _large(
    request: Request,
    settings: Settings,
    storage: Storage,
    fmt: Format,
    etag: str,
    member: bytes,
    *,
    root: bool,
) -> Response:
    """A 302 to a presigned copy of a page too large to answer (links absolute for this request)."""
    from handlers.simple import copies  # the rare path: page reads never load it

    if request.url is None:  # not from API Gateway: no URL to make the copy's links absolute for
        raise BadRequest("This page is too large to send uncompressed: ask with Accept-Encoding: gzip")
    url = copies.presigned_copy(
        storage,
        member,
        etag=etag,
        json=fmt.is_json,
        root=root,
        url=request.url,
        content_type=fmt.content_type,
        ttl=settings.presigned_url_ttl,
    )
    # Never kept: the copy and its presigned URL expire; the page's own URL is the one to revalidate.
    return redirect(302, url, {"Cache-Control": "no-store", "Vary": _PAGE_VARY})


def _page_headers(fmt: Format, etag: str) -> dict[str, str]:
    kind = "json" if fmt.is_json else "html"
    return {
        "Content-Type": fmt.content_type,
        # Weak: the same page is sent gzip-compressed or not, by Accept-Encoding.
        "ETag": f'W/"{etag}-{kind}"',
        "Vary": _PAGE_VARY,
        "Cache-Control": _PAGE_CACHE,
    }


def _client_etag(request: Request, fmt: Format) -> str | None:
    """The S3 ETag in the client's ``If-None-Match``, when it names this format's page."""
    header = request.header("If-None-Match")
    if not header:
        return None
    kind = "json" if fmt.is_json else "html"
    for match in _ETAG.finditer(header):
        if match.group(2) == kind:
            return match.group(1)
    return None


def _not_modified(request: Request, fmt: Format) -> Response:
    etag = _client_etag(request, fmt)
    assert etag is not None
    headers = _page_headers(fmt, etag)
    del headers["Content-Type"]
    return Response(304, b"", headers)
