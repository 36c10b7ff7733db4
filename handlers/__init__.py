"""The Lambda code of serverless-pypi: the only folder zipped into the functions.

Three layers, imports going one way (docs/ARCHITECTURE.md; ``tests/unit/test_layers.py`` holds them):
pure modules (names, model, rendering and the stored page form, negotiation, layout, core metadata,
upload rules, HTTP, configuration, the contract, notifications, controls, OIDC claims) <- storage
level (``storage``, the one module that talks to S3, and the catalog, registry, tokens, uploads,
indexer, publishers, minted tokens, JWKS) <- ``app`` and the thin Lambda entry points
``handlers.api.handler`` and ``handlers.reindex.handler`` (and the token ``exchange``).
Standard library and what ``handlers/requirements.txt`` pins (boto3; packaging on the upload and
reindex paths; PyJWT and cryptography on the trusted publishing exchange only); no AWS client is
created at import time.
"""
