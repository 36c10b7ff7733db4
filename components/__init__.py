"""The Pulumi side of serverless-pypi: the ``ServerlessPyPI`` component and its pure builders.

``policies`` and ``routes`` are plain data (IAM documents, the event pattern, the route table, the
deployment trigger); ``code`` builds the functions' code asset; ``serverless_pypi`` wires the
resources together.
"""

from components.args import ServerlessPyPIArgs
from components.serverless_pypi import ServerlessPyPI

__all__ = ["ServerlessPyPI", "ServerlessPyPIArgs"]
