"""What the tests, the benchmark and the demos drive: real distributions to publish (and hostile
ones), upload forms shaped like twine's and uv's, the real clients run in isolation, and a stand-in
for GitHub Actions' OIDC issuer (``oidc``) that ``make tp-demo`` (``tpdemo``) uses as the tests do.

Neither ``tests/`` nor ``bench/`` owns these, so neither imports the other.
"""
