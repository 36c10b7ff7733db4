"""Trusted publishing: token checks (``oidc``), one module of claim rules per CI provider (``github``,
``gitlab``, ``google``, listed in ``providers``), the publisher record (``publisher``), all pure;
issuers' signing keys (``jwks``), the publishers operators trust (``publishers``), PEP 807 discovery
(``discovery``) and the token exchange under ``/_/oidc/`` (``exchange``).

PyJWT and cryptography load only here, and only on the exchange. May import ``names``, ``layout``,
``contract``, ``handlers.web``, ``handlers.aws`` and ``handlers.auth`` (to mint upload tokens).
"""
