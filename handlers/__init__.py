"""The Lambda code of serverless-pypi: the only folder zipped into the functions.

Three layers, imports going one way: pure modules (names, filenames, metadata, rendering,
negotiation, layout) <- ``storage`` (the one module that talks to S3) <- ``app``, ``indexer`` and the
thin Lambda entry points ``handlers.api.handler`` and ``handlers.reindex.handler``.
Standard library and what ``handlers/requirements.txt`` pins (boto3; packaging on the upload path;
PyJWT and cryptography on the trusted publishing exchange only); no AWS client is created at import
time.
"""
