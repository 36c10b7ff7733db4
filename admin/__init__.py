"""The operators' CLI: ``.venv/bin/python -m admin [--bucket B] [--endpoint-url URL] [--region R] COMMAND``.

Talks to the bucket with the operator's own credentials (boto3's default chain) and the very code the
handlers run: the same validation for uploads, the same token store, the same reindexer.
"""
