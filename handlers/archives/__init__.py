"""Distribution archives: filenames, versions and tags (``distributions``, with ``packaging``) and
the bounded readers of core metadata inside wheels and sdists (``core_metadata``).

Pure and shared by the upload path and the reindexer. May import ``names`` and ``handlers.web``
(for quoting refusals); never boto3.
"""
