"""The Pulumi side of serverless-pypi: the ``ServerlessPyPI`` component and its pure builders.

``policies``, ``routes``, ``observability`` and ``clients`` are plain data (IAM documents, the event
pattern, the route table, the deployment trigger, alarms, the access-log line, client settings) and
import no Pulumi, so the dev server can use them; ``code`` and ``layer`` build the functions' code
asset and dependency layer; ``bucket`` and ``serverless_pypi`` wire the component's resources
together; ``domain`` and ``ratelimit`` are the stack's optional custom domain and per-client rate
limit.

``from components import ServerlessPyPI, ServerlessPyPIArgs`` loads Pulumi on first use only
(PEP 562), so importing a pure builder never pays for ``pulumi_aws``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from components.args import ServerlessPyPIArgs
    from components.serverless_pypi import ServerlessPyPI

__all__ = ["ServerlessPyPI", "ServerlessPyPIArgs"]


def __getattr__(name: str) -> Any:
    if name == "ServerlessPyPI":
        from components.serverless_pypi import ServerlessPyPI

        return ServerlessPyPI
    if name == "ServerlessPyPIArgs":
        from components.args import ServerlessPyPIArgs

        return ServerlessPyPIArgs
    raise AttributeError(f"module 'components' has no attribute {name!r}")
