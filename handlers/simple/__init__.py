"""The Simple Repository API's pages: what they say (``model``), how they look (``render``: PEP 503
HTML and PEP 691 JSON), their stored form (``pages``), reading and writing them (``catalog``) and
keeping them current from bucket changes (``indexer``).

``model``, ``render`` and ``pages`` are pure; ``catalog`` and ``indexer`` use ``handlers.aws``. May
import ``names``, ``layout``, ``config``, ``handlers.web``, ``handlers.aws``, ``handlers.controls``
and ``handlers.archives`` (the indexer reads core metadata).
"""
