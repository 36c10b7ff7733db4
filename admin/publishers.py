"""``python -m admin publisher add|list|remove``: the trusted publishers (docs/trusted-publishing.md).

A publisher says which CI identity (issuer, repository, workflow file, optionally an environment)
may trade its OIDC token for a 15-minute upload token, and for which projects (``--project``,
repeatable) or which reserved namespace (``--namespace PREFIX``: the project ``PREFIX`` and every
``PREFIX-*``). Records live under ``.pypi/publishers/``, which neither function may write.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from handlers.aws.storage import Storage
from handlers.publishing.oidc import GITHUB_ISSUER, InvalidPublisher, new_publisher
from handlers.publishing.publishers import PublisherStore

PROG = ".venv/bin/python -m admin"


def add_commands(commands: Any) -> None:
    """Register ``publisher add|list|remove`` on the CLI's subparsers."""
    publisher = commands.add_parser(
        "publisher", help="trusted publishers: CI workflows that publish without a stored token"
    ).add_subparsers(title="publisher commands", required=True, metavar="ACTION")
    add = publisher.add_parser(
        "add",
        help="trust a CI workflow to publish some projects",
        description="Trust a CI workflow: its OIDC token buys a 15-minute upload token for the "
        "projects named here (see docs/trusted-publishing.md).",
    )
    scope = add.add_mutually_exclusive_group(required=True)
    scope.add_argument("--project", action="append", help="a project it may publish (repeatable)")
    scope.add_argument("--namespace", help="a reserved namespace: PREFIX and every PREFIX-* project")
    add.add_argument("--repository", required=True, help="OWNER/REPO on GitHub")
    add.add_argument("--workflow", required=True, help="the workflow file, e.g. release.yml")
    add.add_argument("--environment", help="the GitHub environment the job must run in")
    add.add_argument("--issuer", default=GITHUB_ISSUER, help=f"the OIDC issuer (default: {GITHUB_ISSUER})")
    add.add_argument(
        "--repository-owner-id", help="GitHub's numeric owner id: refuses a renamed or re-registered owner"
    )
    add.set_defaults(command=publisher_add)
    publisher.add_parser("list", help="list trusted publishers").set_defaults(command=publisher_list)
    remove = publisher.add_parser("remove", help="stop trusting a publisher (by the id `list` shows)")
    remove.add_argument("id")
    remove.set_defaults(command=publisher_remove)


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1


def publisher_add(args: argparse.Namespace, storage: Storage) -> int:
    """Store a publisher and print its id."""
    try:
        publisher = new_publisher(
            repository=args.repository,
            workflow=args.workflow,
            projects=tuple(args.project or ()),
            namespace=args.namespace,
            environment=args.environment,
            issuer=args.issuer,
            repository_owner_id=args.repository_owner_id,
        )
    except InvalidPublisher as error:
        return _fail(str(error))
    created = PublisherStore(storage).add(publisher)
    print(("added " if created else "already there: ") + publisher.describe())
    return 0


def publisher_list(args: argparse.Namespace, storage: Storage) -> int:
    """One line per publisher: id, repository, workflow, environment, what it may publish, issuer."""
    found = PublisherStore(storage).list()
    if not found:
        print("no trusted publishers")
    for publisher in found:
        print(publisher.describe())
    return 0


def publisher_remove(args: argparse.Namespace, storage: Storage) -> int:
    """Delete a publisher by id; tokens it minted stop within their 15 minutes (or burn them)."""
    if PublisherStore(storage).remove(args.id) == 0:
        return _fail(f"no publisher with id {args.id!r} (see: {PROG} publisher list)")
    print(f"removed publisher {args.id}; tokens it minted expire within 15 minutes")
    return 0
