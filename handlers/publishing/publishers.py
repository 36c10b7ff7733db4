"""Trusted publishers in the bucket: written by operators (the admin CLI), read by the API.

One object per publisher under ``.pypi/publishers/<issuer hash>/<owner>/<repo>/<id>``, so a token
exchange lists only the publishers of the token's own repository (one LIST and a GET each).
"""

from __future__ import annotations

from handlers import layout
from handlers.aws.storage import Storage
from handlers.publishing.publisher import Publisher


class PublisherStore:
    """The publisher records of one bucket."""

    def __init__(self, storage: Storage):
        self.storage = storage

    def add(self, publisher: Publisher) -> bool:
        """Store ``publisher``; False when the very same one exists already."""
        from handlers.aws.storage import PreconditionFailed

        key = layout.publishers_prefix(publisher.issuer, publisher.repository) + publisher.ident
        try:
            self.storage.put(key, publisher.to_json(), content_type="application/json", if_none_match=True)
        except PreconditionFailed:
            return False
        return True

    def of(self, issuer: str, repository: str) -> list[Publisher]:
        """The publishers of one repository at one issuer."""
        prefix = layout.publishers_prefix(issuer.rstrip("/"), repository)
        found = []
        for obj in self.storage.list(prefix):
            stored = self.storage.get(obj.key)
            if stored is not None:
                found.append(Publisher.from_json(stored.body))
        return found

    def list(self) -> list[Publisher]:
        """Every publisher, by repository."""
        found = []
        for obj in self.storage.list(layout.PUBLISHERS_PREFIX):
            stored = self.storage.get(obj.key)
            if stored is not None:
                found.append(Publisher.from_json(stored.body))
        return sorted(found, key=lambda p: (p.repository.lower(), p.workflow, p.ident))

    def remove(self, ident: str) -> int:
        """Delete the publishers whose id is ``ident``; returns how many."""
        removed = 0
        for obj in self.storage.list(layout.PUBLISHERS_PREFIX):
            if obj.key.rsplit("/", 1)[-1] == ident:
                self.storage.delete(obj.key)
                removed += 1
        return removed
