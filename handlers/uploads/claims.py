"""Release claims: the one conditional create that makes a release identity an upload's own (storage level).

Checking for a twin and then writing the file are two steps, so uploads of spellings of one release
(``race_pkg-1.0.tar.gz``, ``RACE.PKG-1.0.0.zip``) racing each other could all pass the check. Before
its file is written, an upload therefore creates a claim of each identity its file takes, with
``If-None-Match: *``: of racing creators of one key, S3 lets exactly one win. An sdist takes one
identity (its normalized name and canonical version: one sdist per release, whatever the format); a
wheel takes one per tag triple it carries, with its build tag (what :meth:`DistName.collides_with`
compares).

A claim records the filename that took it. The same filename may go past its own claim (the identical
re-upload, or a retry after the function died between claim and write), so a claim whose file never
landed blocks nothing but other spellings, which it blocks for good: were a claim given up because its
file is absent, the upload between its claim and its write would lose its release to a twin.
"""

from __future__ import annotations

import json

from packaging.utils import canonicalize_version

from handlers import layout
from handlers.archives.distributions import DistName
from handlers.aws.storage import PreconditionFailed, Storage, TooLarge


class Claimed(Exception):
    """Another filename holds one of the release identities (``holder``: that filename)."""

    def __init__(self, holder: str):
        super().__init__(holder)
        self.holder = holder


def keys(name: DistName) -> list[str]:
    """The claim keys a distribution takes, sorted (racing uploads take shared keys in one order).

    >>> from handlers.archives.distributions import parse_filename
    >>> keys(parse_filename("RACE.PKG-0!1.0.0.zip"))
    ['.pypi-claims/race-pkg/1/sdist']
    >>> keys(parse_filename("race_pkg-1.0-2-py2.py3-none-any.whl"))
    ['.pypi-claims/race-pkg/1/wheel/2/py2-none-any', '.pypi-claims/race-pkg/1/wheel/2/py3-none-any']
    """
    # PEP 440 equality: 1.0 == 1.0.0 == 0!1.0, so the canonical form drops zeros and a zero epoch.
    version = canonicalize_version(name.version, strip_trailing_zero=True)
    if name.filetype == "sdist":
        return [layout.claim_key(name.project, version, "sdist")]
    build = "".join(str(part) for part in name.build) or "-"
    return sorted(layout.claim_key(name.project, version, f"wheel/{build}/{tag}") for tag in name.tags)


def claim(storage: Storage, name: DistName, sha256: str) -> None:
    """Take every identity of ``name`` (one conditional create each), or raise :class:`Claimed`.

    Keys taken before a lost one stay taken: without a delete permission the API cannot give them
    back, and they block only other spellings of that same release file.
    """
    body = json.dumps({"filename": name.filename, "sha256": sha256}, sort_keys=True).encode()
    for key in keys(name):
        try:
            storage.put(key, body, content_type="application/json", if_none_match=True)
        except PreconditionFailed:
            holder = _holder(storage, key)
            if holder != name.filename:
                raise Claimed(holder or "an earlier upload of this release") from None


def _holder(storage: Storage, key: str) -> str | None:
    """The filename a claim records (None when it cannot be read: it still holds)."""
    try:
        stored = storage.get(key, max_size=4096)
    except TooLarge:
        return None
    if stored is None:
        return None
    try:
        holder = json.loads(stored.body).get("filename")
    except (ValueError, AttributeError, RecursionError):
        return None
    return holder if isinstance(holder, str) else None
