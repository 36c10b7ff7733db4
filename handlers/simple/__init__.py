"""The Simple Repository API's pages: what they say (``model``), how they look (``render``: PEP 503
HTML and PEP 691 JSON), their stored form (``pages``), reading and writing them (``catalog``),
keeping them current from bucket changes (``indexer``), and the copies a client without gzip is sent
to when a page is too large for Lambda (``rebase`` makes their links absolute, ``copies`` stores them).

``model``, ``render``, ``pages`` and ``rebase`` are pure; ``catalog``, ``indexer`` and ``copies`` use
``handlers.aws``. May import ``names``, ``layout``, ``config``, ``handlers.web``, ``handlers.aws``,
``handlers.controls`` and ``handlers.archives`` (the indexer reads core metadata).
"""
