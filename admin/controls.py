"""``status`` and ``namespace``: the operators' supply-chain controls (handlers/controls/rules.py).

Both write under the bucket's operator prefix, which neither function may write. A status change
raises an S3 event like a file change, so the pages, file URLs and ``.metadata`` URLs follow it
within seconds; a namespace change reaches each warm API function within a minute.
"""

from __future__ import annotations

import argparse
from typing import Any

from handlers.aws.storage import Storage
from handlers.controls import registry
from handlers.controls.rules import InvalidControl, ProjectStatus, Status, check_prefix
from handlers.names import is_valid_project_name, normalize


class ControlError(Exception):
    """A one-line error for the operator (the CLI prints it and exits 1)."""


def add_commands(commands: Any) -> None:
    """Add ``status`` and ``namespace`` to the CLI's subcommands."""
    status = commands.add_parser(
        "status",
        help="show or set a project's status (PEP 792): active, archived, deprecated, quarantined",
        description="Without STATUS, print the project's status. quarantined: installers get no files "
        "(pages list none, file and .metadata URLs answer 404) and uploads are refused, while the files "
        "stay in the bucket; archived: uploads refused; deprecated: a marker; active: the default.",
    )
    status.add_argument("project")
    status.add_argument("status", nargs="?", choices=[s.value for s in Status])
    status.add_argument("--reason", help="shown to installers beside the status (printable, 500 at most)")
    status.set_defaults(command=status_command)

    namespace = commands.add_parser(
        "namespace",
        help="reserve name prefixes: never sent to the fallback index, uploads only with a token for them",
    ).add_subparsers(title="namespace commands", required=True, metavar="ACTION")
    add = namespace.add_parser("add", help="reserve PREFIX: PREFIX and every PREFIX-… name")
    add.add_argument("prefix")
    add.set_defaults(command=namespace_add)
    namespace.add_parser("list", help="list the reserved prefixes").set_defaults(command=namespace_list)
    remove = namespace.add_parser("remove", help="release a reserved prefix")
    remove.add_argument("prefix")
    remove.set_defaults(command=namespace_remove)


def status_command(args: argparse.Namespace, storage: Storage) -> int:
    """Print a project's status, or set it."""
    if not is_valid_project_name(args.project):
        raise ControlError(f"invalid project name: {args.project!r}")
    project = normalize(args.project)
    controls = registry.Registry(storage)
    if args.status is None:
        if args.reason is not None:
            raise ControlError("--reason goes with a STATUS to set")
        current = controls.status(project)
        print(current.status.value + (f"\t{current.reason}" if current.reason else ""))
        return 0
    try:
        wanted = ProjectStatus(Status(args.status), args.reason or None)
    except InvalidControl as error:
        raise ControlError(str(error)) from error
    controls.set_status(project, wanted)
    print(f"{project} is now {wanted.status.value}" + (f": {wanted.reason}" if wanted.reason else ""))
    return 0


def namespace_add(args: argparse.Namespace, storage: Storage) -> int:
    """Reserve a prefix."""
    prefix = _prefix(args.prefix)
    registry.Registry(storage).change_namespaces(add=prefix)
    print(f"reserved {prefix} (and every {prefix}-… name); the API knows within a minute")
    return 0


def namespace_list(args: argparse.Namespace, storage: Storage) -> int:
    """Print the reserved prefixes, one a line."""
    prefixes = registry.Registry(storage).stored_namespaces()
    print("\n".join(sorted(prefixes)) if prefixes else "no reserved namespaces")
    return 0


def namespace_remove(args: argparse.Namespace, storage: Storage) -> int:
    """Release a prefix."""
    prefix = _prefix(args.prefix)
    if prefix not in registry.Registry(storage).stored_namespaces():
        raise ControlError(f"{prefix!r} is not reserved (see: namespace list)")
    registry.Registry(storage).change_namespaces(remove=prefix)
    print(f"released {prefix}")
    return 0


def _prefix(text: str) -> str:
    try:
        return check_prefix(text)
    except InvalidControl as error:
        raise ControlError(str(error)) from error
