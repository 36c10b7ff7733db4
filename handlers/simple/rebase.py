"""Pages made to stand anywhere: their relative links made absolute for one URL (pure).

Our pages link relatively (``foo/``, ``../Foo/foo-1.0.whl#sha256=…``), which holds under any stage,
domain or base path, but only for a page served at its own URL. A copy a client is redirected to
(a page too large for Lambda, served from S3: :mod:`handlers.simple.copies`) is resolved against the
S3 URL instead, so its links must not depend on where it is read from: HTML gets a ``<base href>``
(pip's and pypi-simple's parsers honour the first one), JSON gets each file's ``url`` and
``provenance`` joined to the page's URL.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urljoin

_HEAD = b"<head>"


def html_page(html: bytes, url: str) -> bytes:
    """``html`` with ``<base href="url">`` first in its ``<head>``: its links resolve against ``url``.

    >>> html_page(b"<html>\\n<head>\\n<title>x</title>", "https://h/simple/")
    b'<html>\\n<head>\\n<base href="https://h/simple/">\\n<title>x</title>'
    """
    from html import escape  # loaded here: page reads never need it

    tag = f'\n<base href="{escape(url)}">'.encode()
    at = html.find(_HEAD)
    if at < 0:  # not a page of ours: a base tag before everything still rules every link
        return tag.lstrip(b"\n") + b"\n" + html
    at += len(_HEAD)
    return html[:at] + tag + html[at:]


def json_page(page: bytes, url: str) -> bytes:
    """A PEP 691 project page with every file's ``url`` (and PEP 740 ``provenance``) absolute.

    A root lists names only, no URL (clients build project URLs from the index URL they were given),
    so it comes back as it is, unparsed.

    >>> json_page(b'{"files":[{"url":"f-1.0.tar.gz","provenance":null}]}', "https://h/simple/f/")
    b'{"files":[{"url":"https://h/simple/f/f-1.0.tar.gz","provenance":null}]}'
    """
    document: Any = json.loads(page)
    files = document.get("files") if isinstance(document, dict) else None
    if not isinstance(files, list):
        return page
    for entry in files:
        for key in ("url", "provenance"):
            if isinstance(entry, dict) and isinstance(entry.get(key), str):
                entry[key] = urljoin(url, entry[key])
    return json.dumps(document, separators=(",", ":")).encode("ascii")
