"""The fallback as a caching proxy (``fallbackMode: proxy``): the upstream's pages read as they come
(``model``: PEP 691 JSON or PEP 503 HTML), the policy that filters them (``policy``: minimum release
age, deny and allow lists), their rendering (``render``), the fetch (``upstream``, urllib only) and the
cache in the bucket under ``.pypi-proxy/`` (``cache``).

Loaded only on a miss in proxy mode. ``model``, ``policy`` and ``render`` are pure. May import
``names``, ``contract``, ``layout``, ``config``, ``handlers.web``, ``handlers.aws``,
``handlers.controls`` and ``handlers.simple`` (the stored form of a page, the API version).
"""
