"""Who may read and upload: API tokens (``tokens``), the short-lived tokens trusted publishing mints
(``minted``) and which record a presented token stands for (``credentials``).

May import ``names``, ``layout`` and ``handlers.aws``; never trusted publishing (``handlers.publishing``
imports this, not the other way round).
"""
