"""What the dev server prints when it is ready: where it is, and the lines to paste.

Every line indented by :data:`COMMAND_INDENT` is a shell command that runs as printed from the
repository root (``NAME`` stands for a project, ``dist/*`` for your files); the tests parse the banner
and run those lines against the running server. The admin and publish lines use ``.venv/bin/python -m
admin``, ``.venv/bin/twine`` and ``.venv/bin/uv``, which ``make venv`` made, so they work without
activating anything; the install lines name the user's own pip and uv.

In private mode (no ``--public-read``) the first command makes a **read** token into ``$TOKEN`` and the
install lines carry it: in the URL, or kept off the command line in ``~/.netrc`` (pip) or in
``UV_INDEX_<NAME>_USERNAME`` / ``_PASSWORD`` (uv).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

#: The interpreter ``make venv`` made, relative to the repository root.
ADMIN = ".venv/bin/python -m admin"
#: The publishing clients ``make venv`` installed, as a new shell finds them (not on its PATH).
TWINE = ".venv/bin/twine"
UV = ".venv/bin/uv"
#: Indentation of a command line (headings are indented by two spaces).
COMMAND_INDENT = "    "
#: The token user, as on PyPI.
TOKEN_USER = "__token__"  # noqa: S105 (a user name, not a secret)
#: The uv index name the banner uses (``UV_INDEX_LOCAL_*``).
UV_INDEX_NAME = "local"


@dataclass(frozen=True)
class Banner:
    """What the banner describes."""

    index_url: str
    s3_endpoint: str
    bucket: str
    files: int
    data: str
    public_read: bool

    def admin(self, *args: str) -> str:
        """An admin command line against the embedded S3, as it runs from the repository root."""
        return shlex.join(
            [*ADMIN.split(), "--endpoint-url", self.s3_endpoint, "--bucket", self.bucket, *args]
        )

    def lines(self) -> list[str]:
        """The banner, line by line (without the final ``ready``)."""
        mode = "public reads" if self.public_read else "private: every read needs a token"
        lines = [
            f"serverless-pypi dev server ({mode}): {self.files} file(s) from {self.data}",
            f"  index:  {self.index_url}",
            f"  browse: {views_url(self.index_url)}",
            f"  S3:     {self.s3_endpoint} (bucket {self.bucket})",
        ]
        if self.public_read:
            lines += [
                "  install:",
                *_commands(
                    f"pip install --index-url {self.index_url} NAME",
                    f"uv pip install --index-url {self.index_url} NAME",
                ),
            ]
        else:
            lines += self._private_install()
        create = self.admin("token", "create", "--name", "publisher", "--scope", "upload")
        lines += [
            "  publish: an upload token into $UPLOAD_TOKEN (shown once), then twine or uv publish:",
            *_commands(
                f'UPLOAD_TOKEN="$({create})"',
                f'{TWINE} upload --repository-url {self.index_url} -u {TOKEN_USER} -p "$UPLOAD_TOKEN" dist/*',
                f'{UV} publish --publish-url {self.index_url} -u {TOKEN_USER} -p "$UPLOAD_TOKEN" dist/*',
            ),
        ]
        return lines

    def _private_install(self) -> list[str]:
        url = self.index_url
        host = urlsplit(url).hostname or "127.0.0.1"
        return [
            "  1. a read token into $TOKEN (shown once; for another, change --name):",
            *_commands(f'TOKEN="$({self.admin("token", "create", "--name", "reader", "--scope", "read")})"'),
            "  2. install with the token in the URL:",
            *_commands(
                f'pip install --index-url "{with_token(url)}" NAME',
                f'uv pip install --index-url "{with_token(url)}" NAME',
            ),
            "  or keep it off the command line: pip reads ~/.netrc, uv its UV_INDEX_<NAME>_* variables:",
            *_commands(
                f"printf 'machine {host} login {TOKEN_USER} password %s\\n' \"$TOKEN\" >> ~/.netrc",
                f"pip install --index-url {url} NAME",
                f"UV_INDEX_{UV_INDEX_NAME.upper()}_USERNAME={TOKEN_USER} "
                f'UV_INDEX_{UV_INDEX_NAME.upper()}_PASSWORD="$TOKEN" '
                f"uv pip install --index {UV_INDEX_NAME}={url} NAME",
            ),
        ]


def views_url(index_url: str) -> str:
    """The web view beside the index: ``http://127.0.0.1:8080/project/``."""
    parts = urlsplit(index_url)
    return urlunsplit(parts._replace(path="/project/", query="", fragment=""))


def with_token(url: str, variable: str = "TOKEN") -> str:
    """``url`` with ``__token__:$VARIABLE@`` as its user part (for a double-quoted shell word)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"{TOKEN_USER}:${variable}@{parts.netloc}"))


def _commands(*commands: str) -> list[str]:
    return [COMMAND_INDENT + command for command in commands]


def commands(text: str) -> list[str]:
    """The command lines of a printed banner, in order (what the tests run)."""
    return [line[len(COMMAND_INDENT) :] for line in text.splitlines() if line.startswith(COMMAND_INDENT)]
