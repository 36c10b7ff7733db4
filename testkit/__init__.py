"""What the tests and the benchmark both drive: real distributions to publish (and hostile ones),
upload forms shaped like twine's and uv's, and the real clients run in isolation.

Neither ``tests/`` nor ``bench/`` owns these, so neither imports the other.
"""
