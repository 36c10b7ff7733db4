"""Which record a presented token stands for: an operator's token or one minted by trusted publishing.

Operator tokens (:mod:`handlers.auth.tokens`) are cached for half a minute; minted ones
(:mod:`handlers.auth.minted`) are read every time, so a burn works at once.
"""

from __future__ import annotations

from handlers.auth import tokens
from handlers.aws.storage import Storage


def lookup(storage: Storage, token: str) -> tokens.TokenRecord | None:
    """The record of a valid, unexpired token of either kind, else None."""
    if token.startswith(tokens.MINTED_PREFIX):
        from handlers.auth import minted  # only a trusted publisher's upload loads it

        return minted.lookup(storage, token)
    return tokens.TokenStore(storage).lookup(token)
