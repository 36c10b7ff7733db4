"""The Pulumi side of serverless-pypi: the ``ServerlessPyPI`` component and its pure builders.

``policies``, ``routes``, ``observability`` and ``clients`` are plain data (IAM documents, the event
pattern, the route table, the deployment trigger, alarms, the access-log line, client settings);
``code`` and ``layer`` build the functions' code asset and dependency layer; ``bucket`` and
``serverless_pypi`` wire the component's resources together; ``domain`` and ``ratelimit`` are the
stack's optional custom domain and per-client rate limit.
"""

from components.args import ServerlessPyPIArgs
from components.serverless_pypi import ServerlessPyPI

__all__ = ["ServerlessPyPI", "ServerlessPyPIArgs"]
