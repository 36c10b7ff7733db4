"""``python -m admin check URL``: prove a deployed index works end to end, one line per check.

What a client does, over HTTP only (the standard library's urllib): the root, a project page in both
formats (PEP 503 HTML, PEP 691 JSON), a file's ``.metadata`` (PEP 658), a download redirect whose
bytes match the page's sha256, the redirect of an unknown project to the fallback index (or its 404),
and, for a private index, a 401 without a token. With ``--token`` the reads use it; with ``--token``
and ``--bucket``, a tiny generated wheel is published to a scratch project, awaited on its page,
then removed from the bucket with the operator's credentials (the only step that needs AWS).

Each line starts ``ok``, ``FAIL`` or ``skip``; the exit status is 1 when any check failed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import secrets
import sys
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO

from admin.probe import Answer, fetch
from admin.scratch import multipart, scratch_wheel
from handlers.aws.storage import Storage
from handlers.names import normalize

HTML = "application/vnd.pypi.simple.v1+html"
JSON = "application/vnd.pypi.simple.v1+json"
#: Redirects a download or a fallback may use (pip caches 301/308 for good: never those).
TEMPORARY_REDIRECTS = (302, 303, 307)
#: The scratch project the upload check publishes to and cleans up.
SCRATCH_PROJECT = "serverless-pypi-live-check"
#: How long an upload may take to show on its page (the reindex runs from an S3 event).
SEEN_TIMEOUT = 15.0

StorageFactory = Callable[[argparse.Namespace], Storage]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``check`` subcommand's arguments (``--bucket`` etc. may also come before ``check``)."""
    parser.add_argument("url", help="the index URL, e.g. https://pypi.example.com/simple/")
    parser.add_argument(
        "--token", help="API token: reads use it; with --bucket, also publish and remove a scratch wheel"
    )
    parser.add_argument("--project", help="project whose page and files to check (default: the first)")
    parser.add_argument(
        "--fallback-url", help="the fallback index the deployment is configured with (must redirect there)"
    )
    parser.add_argument(
        "--scratch-project",
        default=SCRATCH_PROJECT,
        help=f"where the upload check publishes ({SCRATCH_PROJECT})",
    )
    # Also accepted after `check`; SUPPRESS keeps a value given before `check`.
    parser.add_argument(
        "--bucket", default=argparse.SUPPRESS, help="the index's bucket (to remove the scratch wheel)"
    )
    parser.add_argument("--endpoint-url", default=argparse.SUPPRESS, help="S3 endpoint (the dev server's)")
    parser.add_argument("--region", default=argparse.SUPPRESS, help="AWS region (default: boto3's)")


# -- results ---------------------------------------------------------------------------------------
class CheckFailed(Exception):
    """One check did not pass; the message says what was seen."""


class Skipped(Exception):
    """One check could not run here; the message says why."""


@dataclass
class Report:
    """The lines printed so far and whether any failed."""

    out: TextIO = sys.stdout
    failed: int = 0
    passed: int = 0
    lines: list[str] = field(default_factory=list)

    def line(self, outcome: str, name: str, detail: str) -> None:
        """Print one check's line."""
        text = f"{outcome:<5} {name}: {detail}"
        self.lines.append(text)
        print(text, file=self.out, flush=True)

    def run(self, name: str, check: Callable[[], str]) -> bool:
        """Run one check; True when it passed."""
        try:
            detail = check()
        except Skipped as why:
            self.line("skip", name, str(why))
            return False
        except CheckFailed as error:
            self.failed += 1
            self.line("FAIL", name, str(error))
            return False
        except (OSError, ValueError) as error:  # unreachable, refused, timed out, bad JSON
            self.failed += 1
            self.line("FAIL", name, f"{type(error).__name__}: {error}")
            return False
        self.passed += 1
        self.line("ok", name, detail)
        return True


# -- the checks ------------------------------------------------------------------------------------
@dataclass
class LiveCheck:
    """The state the checks share: the index URL, the token, what earlier checks found."""

    url: str
    token: str | None = None
    project: str | None = None
    fallback_url: str | None = None
    private: bool = False
    files: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.url.endswith("/"):
            self.url += "/"

    def _read(self, url: str, accept: str) -> Answer:
        answer = fetch(url, accept=accept, token=self.token)
        if answer.status == 401:
            raise CheckFailed(f"401 for {url}: the index is private; pass --token (scope read)")
        if answer.status == 403:
            raise CheckFailed(f"403 for {url}: the token may not read (create one with --scope read)")
        return answer

    def _need_reads(self) -> None:
        if self.private and not self.token:
            raise Skipped("the index is private; pass --token (scope read) to check reads")

    def anonymous(self) -> str:
        """Without credentials: 200 when reads are public, else 401 with a Basic challenge."""
        answer = fetch(self.url, accept=HTML)
        if answer.status == 200:
            return "reads are public (200 without a token)"
        if answer.status == 401:
            challenge = answer.headers.get("WWW-Authenticate") or ""
            if not challenge.lower().startswith("basic"):
                raise CheckFailed(
                    f"401 without WWW-Authenticate: Basic (got {challenge!r}): pip will not ask"
                )
            self.private = True
            return f"private: 401 with WWW-Authenticate: {challenge}"
        raise CheckFailed(f"GET {self.url} without a token: {answer.status} {answer.text()}")

    def root(self) -> str:
        """The root in both formats, listing the same projects."""
        self._need_reads()
        html = self._read(self.url, HTML)
        if html.status != 200 or "html" not in html.content_type:
            raise CheckFailed(f"root as HTML: {html.status} {html.content_type} {html.text()}")
        answer = self._read(self.url, JSON)
        if answer.status != 200 or answer.content_type != JSON:
            raise CheckFailed(f"root as JSON: {answer.status} {answer.content_type} {answer.text()}")
        projects = [entry["name"] for entry in json.loads(answer.body)["projects"]]
        for name in projects:
            if f">{name}<" not in html.body.decode("utf-8", "replace"):
                raise CheckFailed(f"project {name!r} is in the JSON root but not in the HTML one")
        if self.project is None:
            listed = [name for name in projects if normalize(name) != normalize(SCRATCH_PROJECT)]
            self.project = listed[0] if listed else None
        return f"200 in HTML and JSON, {len(projects)} projects"

    def page(self) -> str:
        """A project page in both formats, with the same files and a sha256 for each."""
        self._need_reads()
        if self.project is None:
            raise Skipped("the index holds no project yet (pass --project or publish one)")
        url = urllib.parse.urljoin(self.url, f"{normalize(self.project)}/")
        answer = self._read(url, JSON)
        if answer.status != 200 or answer.content_type != JSON:
            raise CheckFailed(f"{url} as JSON: {answer.status} {answer.content_type} {answer.text()}")
        self.files = [
            dict(entry, url=urllib.parse.urljoin(url, entry["url"]))
            for entry in json.loads(answer.body)["files"]
        ]
        html = self._read(url, HTML)
        if html.status != 200 or "html" not in html.content_type:
            raise CheckFailed(f"{url} as HTML: {html.status} {html.content_type} {html.text()}")
        text = html.body.decode("utf-8", "replace")
        for entry in self.files:
            sha256 = entry.get("hashes", {}).get("sha256")
            if not sha256:
                raise CheckFailed(f"{entry['filename']} has no sha256 on the JSON page")
            if f"#sha256={sha256}" not in text:
                raise CheckFailed(f"{entry['filename']}: the HTML page lacks its #sha256={sha256}")
        return f"{normalize(self.project)}: {len(self.files)} files in HTML and JSON, each with its sha256"

    def metadata(self) -> str:
        """A wheel's ``.metadata``: 200, and its sha256 as the page announces."""
        self._need_reads()
        with_metadata = [entry for entry in self.files if entry.get("core-metadata")]
        if not with_metadata:
            raise Skipped("no file on the page announces core metadata")
        entry = with_metadata[0]
        answer = self._read(entry["url"].split("#")[0] + ".metadata", "*/*")
        if answer.status != 200:
            raise CheckFailed(f"{entry['filename']}.metadata: {answer.status} {answer.text()}")
        announced = entry["core-metadata"]
        digest = hashlib.sha256(answer.body).hexdigest()
        if isinstance(announced, dict) and announced.get("sha256") not in (None, digest):
            raise CheckFailed(
                f"{entry['filename']}.metadata: sha256 {digest}, the page says {announced['sha256']}"
            )
        if b"Metadata-Version:" not in answer.body:
            raise CheckFailed(f"{entry['filename']}.metadata is not core metadata: {answer.text()}")
        return f"{entry['filename']}.metadata: 200, {len(answer.body)} bytes, sha256 as announced"

    def download(self) -> str:
        """The smallest file: a temporary redirect, then bytes whose sha256 is the page's."""
        self._need_reads()
        if not self.files:
            raise Skipped("no file to download")
        entry = min(self.files, key=lambda item: item.get("size") or 0)
        url = entry["url"].split("#")[0]
        answer = self._read(url, "*/*")
        location = answer.headers.get("Location")
        if answer.status not in TEMPORARY_REDIRECTS or not location:
            raise CheckFailed(f"{entry['filename']}: {answer.status} (want 302/303/307 with Location)")
        stored = fetch(urllib.parse.urljoin(url, location))  # never with our token
        if stored.status != 200:
            raise CheckFailed(
                f"{entry['filename']}: the redirect target answered {stored.status} {stored.text()}"
            )
        digest = hashlib.sha256(stored.body).hexdigest()
        if digest != entry["hashes"]["sha256"]:
            raise CheckFailed(
                f"{entry['filename']}: downloaded sha256 {digest}, the page says {entry['hashes']['sha256']}"
            )
        return f"{entry['filename']}: {answer.status} to storage, {len(stored.body)} bytes, sha256 matches"

    def fallback(self) -> str:
        """An unknown project: a temporary redirect to the fallback index, or 404 without one."""
        self._need_reads()
        name = f"no-such-project-{uuid.uuid4().hex[:12]}"
        answer = self._read(urllib.parse.urljoin(self.url, f"{name}/"), HTML)
        location = answer.headers.get("Location") or ""
        if answer.status in TEMPORARY_REDIRECTS:
            if self.fallback_url and not location.startswith(self.fallback_url):
                raise CheckFailed(f"redirects to {location}, not to --fallback-url {self.fallback_url}")
            return f"unknown project: {answer.status} to {location}"
        if answer.status == 404 and not self.fallback_url:
            return "unknown project: 404 (no fallback index configured)"
        raise CheckFailed(f"unknown project: {answer.status} {location or answer.text()}")


@dataclass
class UploadCheck:
    """Publish a scratch wheel, wait for it on its page, remove it from the bucket."""

    check: LiveCheck
    project: str
    storage: Callable[[], Storage]
    published_key: str | None = None
    filename: str = ""

    def publish(self) -> str:
        """POST the wheel to the root as twine does; 200 expected."""
        version = f"0.0.{int(time.time())}{secrets.randbelow(1000):03d}"
        self.filename, content = scratch_wheel(self.project, version)
        sha256 = hashlib.sha256(content).hexdigest()
        body, content_type = multipart(
            {
                ":action": "file_upload",
                "protocol_version": "1",
                "metadata_version": "2.1",
                "name": self.project,
                "version": version,
                "filetype": "bdist_wheel",
                "pyversion": "py3",
                "sha256_digest": sha256,
            },
            self.filename,
            content,
        )
        answer = fetch(
            self.check.url, token=self.check.token, method="POST", data=body, content_type=content_type
        )
        if answer.status != 200:
            raise CheckFailed(f"POST {self.filename}: {answer.status} {answer.text()}")
        self.published_key = f"{normalize(self.project)}/{self.filename}"
        self.sha256 = sha256
        return f"POST {self.filename}: 200"

    def _listed(self) -> dict[str, str]:
        url = urllib.parse.urljoin(self.check.url, f"{normalize(self.project)}/")
        answer = fetch(url, accept=JSON, token=self.check.token)
        if answer.status != 200 or answer.content_type != JSON:
            return {}
        return {
            entry["filename"]: entry["hashes"].get("sha256", "") for entry in json.loads(answer.body)["files"]
        }

    def seen(self) -> str:
        """The page lists the wheel, with its sha256, within :data:`SEEN_TIMEOUT`."""
        if self.published_key is None:
            raise Skipped("nothing was published")
        started = time.monotonic()
        for _ in _polls(SEEN_TIMEOUT):
            if self._listed().get(self.filename) == self.sha256:
                return f"on its page after {time.monotonic() - started:.1f} s"
        raise CheckFailed(
            f"{self.filename} not on its page after {SEEN_TIMEOUT:.0f} s (is the reindexer running?)"
        )

    def remove(self) -> str:
        """Delete it from the bucket (operator credentials) and see it leave its page."""
        if self.published_key is None:
            raise Skipped("nothing was published")
        self.storage().delete(self.published_key)
        started = time.monotonic()
        for _ in _polls(SEEN_TIMEOUT):
            if self.filename not in self._listed():
                waited = time.monotonic() - started
                return f"removed {self.published_key}, gone from its page after {waited:.1f} s"
        raise CheckFailed(
            f"removed {self.published_key} but it is still on its page after {SEEN_TIMEOUT:.0f} s"
        )


def _polls(timeout: float, interval: float = 0.5) -> Iterator[None]:
    deadline = time.monotonic() + timeout
    while True:
        yield None
        if time.monotonic() >= deadline:
            return
        time.sleep(interval)


# -- the command -----------------------------------------------------------------------------------
def run_checks(
    url: str,
    *,
    token: str | None = None,
    project: str | None = None,
    fallback_url: str | None = None,
    scratch_project: str = SCRATCH_PROJECT,
    storage: Callable[[], Storage] | None = None,
    out: TextIO = sys.stdout,
) -> Report:
    """Every check against the index at ``url``; ``storage`` (operator credentials) enables the upload."""
    report = Report(out)
    live = LiveCheck(url, token, project, fallback_url)
    if not report.run("reachable, auth", live.anonymous):
        return report  # nothing else can work
    report.run("root", live.root)
    report.run("page", live.page)
    report.run("metadata", live.metadata)
    report.run("download", live.download)
    report.run("fallback", live.fallback)
    if token is None:
        report.line("skip", "upload", "pass --token (scope upload) and --bucket to publish a scratch wheel")
    elif storage is None:
        report.line(
            "skip", "upload", "pass --bucket (and --endpoint-url locally) to remove what it would publish"
        )
    else:
        upload = UploadCheck(live, scratch_project, storage)
        if report.run("upload", upload.publish):
            report.run("upload seen", upload.seen)
            report.run("upload removed", upload.remove)
    return report


def command(args: argparse.Namespace, make_storage: StorageFactory) -> int:
    """``python -m admin check``: exit 0 when every check passed or was skipped, else 1."""
    storage = None
    if args.token and getattr(args, "bucket", None):
        storage = lambda: make_storage(args)  # noqa: E731  # only built when something was published
    report = run_checks(
        args.url,
        token=args.token,
        project=args.project,
        fallback_url=args.fallback_url,
        scratch_project=args.scratch_project,
        storage=storage,
    )
    print(f"{report.passed} passed, {report.failed} failed", file=sys.stderr)
    return 1 if report.failed else 0
