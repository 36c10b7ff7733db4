"""PEP 740 attestations: verified at upload against the trusted publisher, stored beside the file,
served by the Integrity API (``/integrity/<project>/<version>/<filename>/provenance``).

``identity`` turns a stored publisher into the identity ``pypi-attestations`` checks (pure);
``verify`` checks an upload's ``attestations`` field and builds the provenance (pure; loads
pypi-attestations, sigstore and pydantic, so only an upload that carries attestations imports it);
``provenance`` finds the candidate publishers and keeps provenance objects in the bucket (storage).
May import ``names``, ``layout``, ``aws``, ``archives`` (the upload's refusal type), ``auth`` and
``publishing``.
"""
