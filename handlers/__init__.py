"""The Lambda code of serverless-pypi: the only folder zipped into the functions.

A folder per concern, imports going one way (docs/ARCHITECTURE.md; ``tests/unit/test_layers.py``
holds it): ``web`` (the HTTP edge) <- ``aws`` (S3, clients, bucket notifications) <- ``controls``
(project status, reserved namespaces) <- ``archives`` (distribution files and their metadata) <-
``views`` (pages for people) <- ``simple`` (the Simple API's pages and the reindexer) <- ``auth``
(tokens) <- ``publishing`` (trusted publishing) <- ``attestations`` (PEP 740) <- ``uploads`` <-
``proxy`` (the fallback as a caching proxy). At the top: the modules every part uses (``names``,
``contract``, ``layout``, ``config``), ``app`` (routes a request) and the Lambda entry points
``handlers.api.handler`` and ``handlers.reindex.handler``.
Standard library and what ``handlers/requirements.txt`` pins (boto3; packaging on the upload and
reindex paths; PyJWT and cryptography on the trusted publishing exchange; sigstore and pypi-attestations for
uploads that carry attestations; readme_renderer in the reindexer only); no AWS client is
created at import time.
"""
