"""The upload path: one distribution checked and published (``publish``): form fields, digests, core
metadata, the twin rule (no release replaced by another spelling) and the conditional write.

May import ``names``, ``layout``, ``handlers.web``, ``handlers.aws``, ``handlers.controls``,
``handlers.archives`` and ``handlers.simple`` (the published files are read from the project's page).
"""
