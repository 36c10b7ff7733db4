"""The upload path: the route (``endpoint``: the form, the project's namespace and status,
attestations when an upload carries them), one distribution checked and published (``publish``: form
fields, digests, core metadata, the twin rule and the conditional write), and the release claims that
close the twin race (``claims``).

May import ``names``, ``layout``, ``handlers.web``, ``handlers.aws``, ``handlers.controls``,
``handlers.archives``, ``handlers.simple`` (the published files are read from the project's page),
``handlers.auth`` (the uploader's token record) and ``handlers.attestations`` (loaded only for an
upload that carries attestations).
"""
