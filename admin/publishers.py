"""``python -m admin publisher add|list|remove``: the trusted publishers (docs/trusted-publishing.md).

A publisher says which CI identity may trade its OIDC token for a 15-minute upload token, and for
which projects (``--project``, repeatable) or which reserved namespace (``--namespace PREFIX``: the
project ``PREFIX`` and every ``PREFIX-*``). The identity is the provider's (``--provider``): GitHub's
repository, workflow file and optional environment (the default); GitLab's namespace, project, CI
file and optional environment; Google Cloud's service account email and optional ``sub``. Records
live under ``.pypi/publishers/``, which neither function may write.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from handlers.aws.storage import Storage
from handlers.publishing.oidc import InvalidPublisher
from handlers.publishing.providers import PROVIDERS
from handlers.publishing.publisher import new_publisher
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
    add.add_argument("--provider", choices=list(PROVIDERS), default="github", help="the CI provider (github)")
    add.add_argument("--repository", help="github: OWNER/REPO")
    add.add_argument("--workflow", help="github: the workflow file, e.g. release.yml")
    add.add_argument(
        "--repository-owner-id", help="github: the numeric owner id; refuses a renamed or re-registered owner"
    )
    add.add_argument("--gitlab-namespace", help="gitlab: the project's namespace (group/subgroup or user)")
    add.add_argument("--gitlab-project", help="gitlab: the project's name in that namespace")
    add.add_argument("--ci-file", help="gitlab: the CI file's path in the project (.gitlab-ci.yml)")
    add.add_argument("--environment", help="github, gitlab: the environment the job must run in")
    add.add_argument("--email", help="google: the service account's email")
    add.add_argument("--sub", help="google: the subject the token must carry")
    add.add_argument(
        "--issuer",
        help="the OIDC issuer, e.g. a self-managed GitLab's URL "
        f"(default: the provider's own: {', '.join(r.ISSUER for r in PROVIDERS.values())})",
    )
    add.set_defaults(command=publisher_add)
    publisher.add_parser("list", help="list trusted publishers").set_defaults(command=publisher_list)
    remove = publisher.add_parser("remove", help="stop trusting a publisher (by the id `list` shows)")
    remove.add_argument("id")
    remove.set_defaults(command=publisher_remove)


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1


#: The flags each provider takes (``--project``/``--namespace`` and ``--issuer`` aside), required first.
_FLAGS = {
    "github": (("repository", "workflow"), ("environment", "repository_owner_id")),
    "gitlab": (("gitlab_namespace", "gitlab_project"), ("ci_file", "environment")),
    "google": (("email",), ("sub",)),
}


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _identity(args: argparse.Namespace) -> dict[str, str | None]:
    """The provider's fields from its flags; refuses a missing one and another provider's."""
    required, optional = _FLAGS[args.provider]
    missing = [_flag(n) for n in required if not getattr(args, n)]
    if missing:
        raise InvalidPublisher(f"--provider {args.provider} needs {' and '.join(missing)}")
    foreign = sorted(
        {_flag(n) for flags in _FLAGS.values() for group in flags for n in group}
        - {_flag(n) for n in (*required, *optional)}
    )
    given = [flag for flag in foreign if getattr(args, flag[2:].replace("-", "_"))]
    if given:
        raise InvalidPublisher(f"{', '.join(given)}: not a flag of --provider {args.provider}")
    if args.provider == "gitlab":
        namespace = args.gitlab_namespace.strip("/")
        return {"repository": f"{namespace}/{args.gitlab_project}", "workflow": args.ci_file or ""}
    if args.provider == "google":
        return {"repository": args.email, "sub": args.sub}
    return {
        "repository": args.repository,
        "workflow": args.workflow,
        "repository_owner_id": args.repository_owner_id,
    }


def publisher_add(args: argparse.Namespace, storage: Storage) -> int:
    """Store a publisher and print its id."""
    try:
        publisher = new_publisher(
            **_identity(args),  # type: ignore[arg-type]
            provider=args.provider,
            projects=tuple(args.project or ()),
            namespace=args.namespace,
            environment=args.environment,
            issuer=args.issuer,
        )
    except InvalidPublisher as error:
        return _fail(str(error))
    created = PublisherStore(storage).add(publisher)
    print(("added " if created else "already there: ") + publisher.describe())
    return 0


def publisher_list(args: argparse.Namespace, storage: Storage) -> int:
    """One line per publisher: id, provider, its identity, what it may publish, issuer."""
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
