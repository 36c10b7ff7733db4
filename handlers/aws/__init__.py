"""AWS access: the one module that talks to S3, the clients, and the bucket's change notifications.

Holds ``storage`` (S3 with the client passed in; only ``NoSuchKey`` means missing), ``clients``
(boto3 clients made lazily, never at import) and ``notifications`` (EventBridge/SQS records ->
changes, pure). May import ``names``, ``layout``, ``contract`` and ``handlers.web``.
"""
