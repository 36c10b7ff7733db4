"""The web view: pages for people at ``/project/`` (PyPI's ``/project/NAME/``, on a smaller scale).

``assets`` (the one stylesheet, script and icon) and ``render`` (a view's HTML, every value escaped)
are pure; ``readme`` renders a description as PyPI does (readme_renderer, which sanitizes with nh3)
and is imported only by the reindexer; ``site`` answers a view's request with the stored bytes (one
S3 GET). Imports: names, layout, web, aws and controls, never simple (which calls in here).
"""
