"""Trusted publishing: OIDC claim rules (``oidc``, pure), issuers' signing keys (``jwks``), the
publishers operators trust (``publishers``) and the token exchange under ``/_/oidc/`` (``exchange``).

PyJWT and cryptography load only here, and only on the exchange. May import ``names``, ``layout``,
``contract``, ``handlers.web``, ``handlers.aws`` and ``handlers.auth`` (to mint upload tokens).
"""
