"""The web view's part of the root object: its state and ``/project/`` members (pure).

The root object (``handlers.simple.pages``) holds the Simple API's HTML and JSON members; after them
come the view's state (each project's newest version and summary, JSON) and the ``/project/`` HTML,
each a gzip stream. Object metadata says where the JSON and the state end. A root written before
the web view has neither and reads as "no view yet".
"""

from __future__ import annotations

import gzip
from collections.abc import Mapping

JSON_LENGTH_METADATA = "json-length"
STATE_LENGTH_METADATA = "state-length"
_GZIP_MAGIC = b"\x1f\x8b\x08"


class DamagedView(ValueError):
    """The root's view members cannot be found; the message says why."""


def extend(
    body: bytes, metadata: dict[str, str], json_start: int, state: bytes, view: bytes
) -> tuple[bytes, dict[str, str]]:
    """``body`` (ending with the JSON member that starts at ``json_start``) with the view members."""
    state_member = gzip.compress(state, compresslevel=9, mtime=0)
    view_member = gzip.compress(view, compresslevel=9, mtime=0)
    lengths = {
        JSON_LENGTH_METADATA: str(len(body) - json_start),
        STATE_LENGTH_METADATA: str(len(state_member)),
    }
    return body + state_member + view_member, {**metadata, **lengths}


def json_end(metadata: Mapping[str, str], json_start: int, size: int) -> int:
    """Where the JSON member that starts at ``json_start`` ends (the end of the body without views)."""
    if JSON_LENGTH_METADATA not in metadata:
        return size
    end = json_start + _length(metadata, JSON_LENGTH_METADATA)
    if not json_start < end <= size:
        raise DamagedView("stored root with a json-length out of range")
    return end


def extras(body: bytes, metadata: Mapping[str, str]) -> tuple[bytes, bytes] | None:
    """The state and ``/project/`` members (gzip), or None for a root without them."""
    if JSON_LENGTH_METADATA not in metadata:
        return None
    start = _length(metadata, "html-length") + _length(metadata, JSON_LENGTH_METADATA)
    split = start + _length(metadata, STATE_LENGTH_METADATA)
    if not start < split < len(body):
        raise DamagedView("stored root whose view members are out of range")
    if not body[start:].startswith(_GZIP_MAGIC) or not body[split:].startswith(_GZIP_MAGIC):
        raise DamagedView("stored root whose view members are not gzip streams")
    return body[start:split], body[split:]


def _length(metadata: Mapping[str, str], name: str) -> int:
    try:
        value = int(metadata.get(name, ""))
    except ValueError as error:
        raise DamagedView(f"stored root without a valid {name}") from error
    if value < 0:
        raise DamagedView(f"stored root with a negative {name}")
    return value
