"""Answers the web view's requests with what the reindexer stored: one S3 GET a view.

Paths are below the view's root (``/project/`` on the dev server and the custom domain):
``/`` the projects, ``/NAME/`` the newest version not yanked, ``/NAME/VERSION/`` one version,
``/_static/FILE`` the stylesheet, script and icon. A non-normalized name is a 301 to the normalized
URL; a name we do not hold is a 404 page, never the fallback index. Access is decided by the caller
(``handlers.app``) before anything here runs; static files need none.
"""

from __future__ import annotations

import re

from handlers import layout
from handlers.aws.storage import Storage
from handlers.names import is_valid_project_name, normalize
from handlers.views import assets
from handlers.web.http import BadRequest, Response, ServiceUnavailable, redirect

#: No inline script or style, nothing from elsewhere but README images over HTTPS, never framed.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+!_-]{0,99}")


def is_static(path: str) -> bool:
    """True for the view's static files (served to anyone: they hold no data)."""
    return path.startswith(f"/{assets.FOLDER}/")


def answer(path: str, storage: Storage) -> Response:
    """The view at ``path`` (below the view root). Raises ``BadRequest`` for a malformed path."""
    segments = path[1:].split("/")
    if path == "/":
        return _projects(storage)
    if is_static(path):
        return _static(segments[1] if len(segments) == 2 else "")
    name = segments[0]
    if not is_valid_project_name(name):
        raise BadRequest("Invalid project name")
    normal = normalize(name)
    if len(segments) == 1:
        return redirect(301, f"{normal}/")
    if len(segments) == 2 and segments[1] == "":
        return _redirected(name, normal, "../") or _view(storage, normal, None)
    version = segments[1]
    if _VERSION.fullmatch(version) is None:
        raise BadRequest("Invalid version")
    if len(segments) == 2:
        return redirect(301, f"{version}/")
    if len(segments) == 3 and segments[2] == "":
        return _redirected(name, normal, "../../", f"{version}/") or _view(storage, normal, version)
    return _not_found(path, len(segments) - 1)


def _redirected(name: str, normal: str, up: str, rest: str = "") -> Response | None:
    return redirect(301, f"{up}{normal}/{rest}", headers()) if name != normal else None


def _view(storage: Storage, project: str, version: str | None) -> Response:
    stored = storage.get(layout.view_key(project, version))
    if stored is None:
        what = project if version is None else f"{project} {version}"
        return _not_found(what, 1 if version is None else 2)
    return Response(200, stored.body, headers(), gzipped=True)


def _projects(storage: Storage) -> Response:
    from handlers.views import stored as members

    stored = storage.get(layout.ROOT_PAGE_KEY)
    try:
        extras = members.extras(stored.body, stored.metadata) if stored is not None else None
    except members.DamagedView as error:
        raise ServiceUnavailable("This page is being repaired; try again shortly", 5) from error
    if extras is None:  # nothing indexed yet (or a root from before the web view): no projects
        from handlers.views import render

        return Response(200, render.list_view([]), headers())
    return Response(200, extras[1], headers(), gzipped=True)


def _not_found(what: str, depth: int) -> Response:
    from handlers.views import render

    return Response(404, render.not_found_view(what, depth), headers())


def _static(name: str) -> Response:
    found = assets.FILES.get(name)
    if found is None:
        return _not_found(f"/{assets.FOLDER}/{name}", 1)
    content_type, body = found
    return Response(
        200,
        body,
        {**headers(), "Content-Type": content_type, "Cache-Control": assets.CACHE_CONTROL},
    )


def headers() -> dict[str, str]:
    """The headers of every view (a 401 or a 404 included)."""
    return {
        "Content-Type": "text/html; charset=utf-8",
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cache-Control": "no-cache",
    }
