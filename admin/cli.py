"""Argument parsing and the commands of ``.venv/bin/python -m admin``; errors are one line, exit 1."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from admin import check, controls, errors, publishers
from handlers import layout
from handlers.archives.distributions import Refused
from handlers.auth import tokens
from handlers.aws.clients import make_client
from handlers.aws.storage import Storage
from handlers.names import is_safe_filename, is_valid_project_name, normalize
from handlers.simple.catalog import Catalog
from handlers.simple.indexer import Indexer
from handlers.uploads import publish

#: S3 takes one PUT of up to 5 GiB; the CLI uploads in one conditional PUT, so that is the limit.
MAX_UPLOAD_SIZE = 5 * 1024**3
# Characters S3 allows in a tag value (the yank reason).
_TAG_VALUE_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 +-=._:/@")


class CommandError(Exception):
    """A one-line error for the operator, naming the fix where there is one."""


#: How every printed admin line begins: the interpreter ``make venv`` made, from the repository root.
PROG = ".venv/bin/python -m admin"

DESCRIPTION = """\
Manage a serverless-pypi index straight through its S3 bucket: API tokens, uploads of any size,
yanks, removals and rebuilds of the generated pages. It runs the handlers' own code with your AWS
credentials (boto3's default chain), or against the dev server's embedded S3 with --endpoint-url
(no credentials needed; the dev server's banner prints the line).
"""

EPILOG = """\
examples:
  .venv/bin/python -m admin --bucket BUCKET token create --name laptop --scope read
  .venv/bin/python -m admin --endpoint-url http://127.0.0.1:PORT --bucket pypi upload dist/*
Errors are one line on stderr naming the fix; the exit status is then 1.
"""


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit status."""
    args = _parser().parse_args(argv)
    target = errors.Target(args.bucket or "", args.endpoint_url, args.region)
    try:
        if getattr(args, "live_check", False):  # needs a bucket only to clean up after an upload
            return check.command(args, _storage)
        storage = _storage(args)
        command: Callable[[argparse.Namespace, Storage], int] = args.command
        return command(args, storage)
    except (CommandError, controls.ControlError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # an AWS error, a missing credential: one line, not a traceback
        explained = errors.explain(error, target) or f"{type(error).__name__}: {error}"
        print(f"error: {explained}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_global_flags(parser, bucket=os.environ.get("S3_BUCKET"), others=None)
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    token = commands.add_parser("token", help="create, list and revoke API tokens").add_subparsers(
        title="token commands", required=True, metavar="ACTION"
    )
    create = token.add_parser(
        "create",
        help="create a token; prints it once, as the last line of stdout",
        description="Create an API token. It is printed once, as the last line of stdout (the rest "
        'goes to stderr), so TOKEN="$(... token create ...)" captures it.',
    )
    create.add_argument(
        "--name", required=True, help="a name to list and revoke it by (unique among live tokens)"
    )
    create.add_argument(
        "--scope",
        action="append",
        required=True,
        choices=tokens.SCOPES,
        help="what the token may do: read (install) or upload (publish); repeat it for both: "
        "--scope read --scope upload",
    )
    create.add_argument(
        "--project", action="append", default=[], help="limit uploads to this project (repeatable)"
    )
    create.add_argument(
        "--namespace",
        action="append",
        default=[],
        metavar="PREFIX",
        help="limit uploads to this reserved namespace, PREFIX and PREFIX-… (repeatable); the only "
        "token besides a project token that may upload into it",
    )
    create.add_argument("--expires-days", type=float, help="the token stops working after this many days")
    create.set_defaults(command=token_create)
    token.add_parser("list", help="list tokens (names, never secrets)").set_defaults(command=token_list)
    forget = f"the API forgets it within {tokens.CACHE_SECONDS:.0f} s"
    revoke = token.add_parser("revoke", help=f"revoke every token of a name ({forget})")
    revoke.add_argument("name")
    revoke.set_defaults(command=token_revoke)

    upload = commands.add_parser("upload", help="validate and publish files straight to S3, any size")
    upload.add_argument("files", nargs="+", type=Path)
    upload.set_defaults(command=upload_files)

    for name, handler, text in (
        ("yank", yank, "mark a file yanked (PEP 592)"),
        ("unyank", unyank, "undo a yank"),
        ("remove", remove, "delete a file (the bucket's versioning keeps a copy)"),
    ):
        sub = commands.add_parser(name, help=text)
        sub.add_argument("project")
        sub.add_argument("filename")
        if name == "yank":
            sub.add_argument("--reason", default="", help="shown to installers")
        if name == "remove":
            sub.add_argument("--yes", action="store_true", help="do not ask")
        sub.set_defaults(command=handler)

    reindex = commands.add_parser("reindex", help="rebuild generated pages from the bucket")
    reindex.add_argument("project", nargs="?", help="only this project (default: everything)")
    reindex.set_defaults(command=reindex_command)

    controls.add_commands(commands)
    publishers.add_commands(commands)  # trusted publishing (admin/publishers.py)

    live = commands.add_parser("check", help="prove a deployed index works end to end (admin/check.py)")
    check.add_arguments(live)
    live.set_defaults(command=check.command, live_check=True)
    _accept_global_flags_after_commands(parser)
    return parser


def _add_global_flags(parser: argparse.ArgumentParser, *, bucket: str | None, others: str | None) -> None:
    """``--bucket``, ``--endpoint-url`` and ``--region``, with these defaults (skipping any the
    parser already has: ``check`` defines its own)."""
    flags = (
        (
            "--bucket",
            bucket,
            "the index's bucket (default: $S3_BUCKET); on AWS: pulumi stack output bucket_name",
        ),
        (
            "--endpoint-url",
            others,
            "S3 endpoint: the dev server's embedded S3, as its banner prints it (default: AWS)",
        ),
        ("--region", others, "the bucket's AWS region (default: boto3's, e.g. $AWS_REGION)"),
    )
    for flag, default, text in flags:
        if flag not in parser._option_string_actions:
            metavar = "URL" if flag == "--endpoint-url" else None
            parser.add_argument(flag, default=default, metavar=metavar, help=text)


def _accept_global_flags_after_commands(parser: argparse.ArgumentParser) -> None:
    """Let every command take the global flags after it too (``token list --bucket B``).

    People paste a command and add ``--bucket`` at the end; argparse alone refuses that with
    ``unrecognized arguments``. Each command's copy defaults to SUPPRESS, so it sets the value only
    when given and never hides one given before the command.
    """
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in {id(p): p for p in action.choices.values()}.values():
                if any(isinstance(a, argparse._SubParsersAction) for a in sub._actions):
                    _accept_global_flags_after_commands(sub)
                else:
                    _add_global_flags(sub, bucket=argparse.SUPPRESS, others=argparse.SUPPRESS)


def _storage(args: argparse.Namespace) -> Storage:
    if not args.bucket:
        raise CommandError(
            "no bucket: pass --bucket NAME or set S3_BUCKET "
            "(on AWS: pulumi stack output bucket_name; locally: the bucket in the dev server's banner)"
        )
    # The functions' own client configuration: the CLI meets S3 as they do.
    client = make_client("s3", args.endpoint_url, args.region)
    return Storage(client, args.bucket)


def _progress(done: int, total: int) -> None:
    if done == total or done % max(1, total // 20) == 0:  # about every 5%
        print(f"  {done}/{total} projects", file=sys.stderr, flush=True)


# -- tokens -----------------------------------------------------------------------------------
def token_create(args: argparse.Namespace, storage: Storage) -> int:
    """Create a token and print it as the last line."""
    if args.expires_days is not None and not args.expires_days > 0:
        raise CommandError("--expires-days must be more than 0 (leave it out for a token that never expires)")
    expires = int(time.time() + args.expires_days * 86400) if args.expires_days is not None else None
    for project in args.project + args.namespace:
        if not is_valid_project_name(project):
            raise CommandError(f"invalid project name or namespace: {project!r}")
    try:
        token = tokens.TokenStore(storage).create(
            args.name, tuple(args.scope), tuple(args.project), expires, tuple(args.namespace)
        )
    except tokens.InvalidToken as error:
        raise CommandError(str(error)) from error
    scope_text = ", ".join(dict.fromkeys(args.scope))
    print(
        f"Created token {args.name!r} ({scope_text}). It is shown only now; store it safely:", file=sys.stderr
    )
    print(token)
    return 0


def token_list(args: argparse.Namespace, storage: Storage) -> int:
    """List token names, scopes, projects and expiry."""
    records = tokens.TokenStore(storage).list()
    if not records:
        print("no tokens")
    for record in records:
        expiry = (
            "never"
            if record.expires is None
            else time.strftime("%Y-%m-%d %H:%M", time.gmtime(record.expires))
        )
        state = " (expired)" if record.expired() else ""
        projects = ",".join(record.projects) or ("none" if record.namespaces else "any")
        if record.namespaces:
            projects += "\tnamespaces=" + ",".join(record.namespaces)
        print(
            f"{record.name}\tscopes={','.join(record.scopes)}\tprojects={projects}\texpires={expiry}{state}"
        )
    return 0


def token_revoke(args: argparse.Namespace, storage: Storage) -> int:
    """Revoke every token of a name."""
    count = tokens.TokenStore(storage).revoke(args.name)
    if count == 0:
        raise CommandError(f"no token named {args.name!r} (see: {PROG} token list)")
    print(
        f"revoked {count} token(s) named {args.name!r};",
        f"the API forgets them within {tokens.CACHE_SECONDS:.0f} s",
    )
    return 0


# -- files ------------------------------------------------------------------------------------
def upload_files(args: argparse.Namespace, storage: Storage) -> int:
    """Validate and publish each file; keeps going past a refusal and exits 1 if any was refused."""
    failed = 0
    for number, path in enumerate(args.files, 1):
        prefix = f"[{number}/{len(args.files)}] {path.name}"
        try:
            size = path.stat().st_size
            if size > MAX_UPLOAD_SIZE:
                raise Refused("larger than 5 GiB, the most one S3 PUT takes")
            with path.open("rb") as file:
                print(f"{prefix}: checking {size / 1e6:.1f} MB", file=sys.stderr)
                dist = publish.check_distribution(path.name, file)
                print(f"{prefix}: uploading to {dist.key}", file=sys.stderr)
                created = publish.publish(storage, dist, file)
        except (OSError, Refused) as error:
            print(f"{prefix}: refused: {error}", file=sys.stderr)
            failed += 1
            continue
        print(
            f"{prefix}: {'published' if created else 'already published with the same bytes'} ({dist.sha256})"
        )
    return 1 if failed else 0


def _locate(storage: Storage, project: str, filename: str) -> str:
    """The key of a published file, in whatever spelling of its folder it lives."""
    if not is_valid_project_name(project) or not is_safe_filename(filename):
        raise CommandError("invalid project name or filename")
    name = normalize(project)
    published = Catalog(storage).published_files(name)
    listed = [key for key, facts in published.items() if facts.filename == filename]
    for key in (f"{name}/{filename}", *listed):
        if storage.exists(key):
            return key
    raise CommandError(f"no file {filename!r} in project {name!r}")


def _set_yank(storage: Storage, key: str, reason: str | None) -> None:
    current = storage.tags(key) or {}
    current.pop(layout.YANK_TAG, None)
    if reason is not None:
        current[layout.YANK_TAG] = reason
    storage.put_tags(key, current)


def yank(args: argparse.Namespace, storage: Storage) -> int:
    """Tag a file ``pypi-yanked=<reason>``; the reindexer shows it on the page."""
    if not set(args.reason) <= _TAG_VALUE_CHARS or len(args.reason) > 256:
        raise CommandError("a reason is up to 256 of: letters, digits, spaces and + - = . _ : / @")
    key = _locate(storage, args.project, args.filename)
    _set_yank(storage, key, args.reason)
    print(f"yanked {key}" + (f": {args.reason}" if args.reason else ""))
    return 0


def unyank(args: argparse.Namespace, storage: Storage) -> int:
    """Remove the yank tag."""
    key = _locate(storage, args.project, args.filename)
    _set_yank(storage, key, None)
    print(f"unyanked {key}")
    return 0


def remove(args: argparse.Namespace, storage: Storage) -> int:
    """Delete a file, after asking (or with --yes)."""
    key = _locate(storage, args.project, args.filename)
    if not args.yes:
        if not sys.stdin.isatty():
            raise CommandError("not a terminal: add --yes to remove without asking")
        if (
            input(f"Remove {key} from the index? Installs pinned to it will fail. [y/N] ").strip().lower()
            != "y"
        ):
            print("kept")
            return 1
    storage.delete(key)
    print(f"removed {key}")
    return 0


def reindex_command(args: argparse.Namespace, storage: Storage) -> int:
    """Rebuild the generated pages of one project or of the whole bucket, here and now."""
    indexer = Indexer(storage)
    started = time.monotonic()
    if args.project:
        if not is_valid_project_name(args.project):
            raise CommandError(f"invalid project name: {args.project!r}")
        name = normalize(args.project)
        published = Catalog(storage).published_files(name)
        folders = sorted({name, args.project, *(f.folder for f in published.values())})
        objects = indexer.list_project(folders)
        if not any(layout.package_key(obj.key) for obj in objects):
            raise CommandError(
                f"the bucket holds no files of {name!r} in {', '.join(folders)}; nothing was written"
            )
        print(f"reindexing {name}: {len(objects)} objects in {', '.join(folders)}", file=sys.stderr)
        indexer.reindex_project(name, objects)
    else:
        print("rebuilding every project from a listing of the bucket...", file=sys.stderr)
        count = indexer.rebuild(progress=_progress)
        print(f"{count} projects", file=sys.stderr)
    print(f"done in {time.monotonic() - started:.1f} s")
    return 0
