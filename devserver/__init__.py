"""The local index: the same handlers on 127.0.0.1, with an embedded S3 and its events.

``python -m devserver`` plays API Gateway REST (HTTP <-> proxy events, its payload limits),
S3 (moto's server), EventBridge + SQS (every bucket change reaches ``handlers.reindex``) and keeps the
bucket's files in a data directory. See ``docs/local.md``.
"""
