"""Operators' supply-chain controls: project status (PEP 792) and reserved namespaces.

Holds ``rules`` (what a status or namespace allows; pure) and ``registry`` (their records in the
bucket, cached). May import ``names``, ``layout`` and ``handlers.aws``.
"""
