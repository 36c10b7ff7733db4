"""Where everything lives in the bucket: the one place that names keys.

Packages live at ``<project>/<filename>`` (the original Terraform module's layout). Everything the
reindexer generates lives under :data:`GENERATED_PREFIX`, which can never be a project folder because a
project name starts with a letter or digit. The component's event rule and IAM policies, the dev server
and the admin CLI import these names instead of spelling them again.
"""

from __future__ import annotations

from handlers.names import is_safe_filename, is_valid_project_name, normalize

#: Prefix of all generated data. Excluded from the event rule, so a reindex never triggers itself.
GENERATED_PREFIX = ".pypi/"

#: The root index the original module kept at the bucket root; still written for compatibility.
COMPAT_ROOT_KEY = "index.html"

#: Object tag that yanks a file (PEP 592); its value is the reason, possibly empty.
YANK_TAG = "pypi-yanked"

#: Object metadata key (``x-amz-meta-sha256``) holding a file's hex SHA-256, set on every upload.
SHA256_METADATA = "sha256"

#: Object metadata key (``x-amz-meta-provenance``) an upload with verified PEP 740 attestations sets on
#: the file: the hex SHA-256 of its provenance object. The reindexer reads the file anyway, so the page
#: learns "this file has provenance" from it without one more request.
PROVENANCE_METADATA = "provenance"
#: What follows a file's key to name its provenance object (beside the file, written once).
PROVENANCE_SUFFIX = ".provenance"

ROOT_PAGE_KEY = GENERATED_PREFIX + "root"
PROJECTS_PREFIX = GENERATED_PREFIX + "projects/"
METADATA_PREFIX = GENERATED_PREFIX + "metadata/"
TOKENS_PREFIX = GENERATED_PREFIX + "tokens/"
#: The web view's pages for people (``/project/NAME/`` and ``/project/NAME/VERSION/``), rendered by
#: the reindexer; ``/project/`` itself is a member of the root object.
VIEWS_PREFIX = GENERATED_PREFIX + "views/"
#: The key below a project's views that holds its latest view (a version never starts with ``_``).
LATEST_VIEW = "_latest"
#: Operators' controls (statuses, reserved namespaces): written by the admin CLI only, never by a
#: function. Status changes raise events (the event rule lets this one prefix through).
OPERATOR_PREFIX = GENERATED_PREFIX + "operator/"
STATUS_PREFIX = OPERATOR_PREFIX + "status/"
NAMESPACES_KEY = OPERATOR_PREFIX + "namespaces"


def project_page_key(project: str) -> str:
    """Key of a project's generated page (HTML and JSON together), by normalized name."""
    return PROJECTS_PREFIX + project


def metadata_key(project: str, filename: str) -> str:
    """Key of a wheel's core metadata (PEP 658), by normalized project name and filename."""
    return f"{metadata_prefix(project)}{filename}.metadata"


def metadata_prefix(project: str) -> str:
    """The folder of a project's core metadata objects (listed only to delete them on a quarantine)."""
    return f"{METADATA_PREFIX}{project}/"


def provenance_key(file_key: str) -> str:
    """Key of a file's PEP 740 provenance, beside the file (never a package: no archive suffix).

    >>> provenance_key("foo/foo-1.0.tar.gz")
    'foo/foo-1.0.tar.gz.provenance'
    """
    return file_key + PROVENANCE_SUFFIX


def view_key(project: str, version: str | None = None) -> str:
    """Key of a project's web view: of one version, or (None) of its newest version not yanked.

    >>> view_key("foo"), view_key("foo", "1.0")
    ('.pypi/views/foo/_latest', '.pypi/views/foo/1.0')
    """
    return f"{VIEWS_PREFIX}{project}/{version or LATEST_VIEW}"


def token_key(token_hash: str) -> str:
    """Key of an API token's record, by the hex SHA-256 of the token."""
    return TOKENS_PREFIX + token_hash


def status_key(project: str) -> str:
    """Key of a project's status (PEP 792), by normalized name."""
    return STATUS_PREFIX + project


def status_project(key: str) -> str | None:
    """The normalized project a status key belongs to, else None."""
    if not key.startswith(STATUS_PREFIX):
        return None
    project = key[len(STATUS_PREFIX) :]
    return project if is_valid_project_name(project) and normalize(project) == project else None


def raises_events(key: str) -> bool:
    """True for keys whose changes the reindexer is told of: packages and project statuses, never
    generated data (so a reindex never triggers itself)."""
    return not is_generated(key) or status_project(key) is not None


def is_generated(key: str) -> bool:
    """True for keys that are never a package and never an event source: what the reindexer owns,
    what the token exchange writes, release claims, the proxy's cached pages and the API's copies of
    large pages."""
    return (
        key.startswith(GENERATED_PREFIX)
        or key == COMPAT_ROOT_KEY
        or key.startswith(EXCHANGE_PREFIX)
        or key.startswith(CLAIMS_PREFIX)
        or key.startswith(PROXY_PREFIX)
        or key.startswith(API_PREFIX)
    )


def package_key(key: str) -> tuple[str, str] | None:
    """``(folder, filename)`` when ``key`` is a package file the index lists, else None.

    >>> package_key("Foo.Bar/foo_bar-1.0.tar.gz"), package_key(".pypi/root"), package_key("a/b/c.whl")
    (('Foo.Bar', 'foo_bar-1.0.tar.gz'), None, None)
    """
    if is_generated(key) or key.count("/") != 1:
        return None
    folder, filename = key.split("/")
    if not is_valid_project_name(folder) or not is_safe_filename(filename):
        return None
    return folder, filename


# -- release claims --------------------------------------------------------------------------------
#: Release identities claimed by uploads: created (``If-None-Match: *``) before a file is written, so
#: of racing uploads of spellings of one release exactly one may write (handlers/uploads/claims.py).
#: Outside the generated prefix (the API may never write there), never a project folder, never an
#: event source; no lifecycle rule: a claim outlives its upload.
CLAIMS_PREFIX = ".pypi-claims/"


def claim_key(project: str, version: str, kind: str) -> str:
    """Key of one release claim: a normalized project, a canonical version, and ``sdist`` or a
    wheel's build tag and tag triple (``wheel/<build>/<tag>``)."""
    return f"{CLAIMS_PREFIX}{project}/{version}/{kind}"


# -- pages too large for Lambda ---------------------------------------------------------------------
#: What the API function itself writes to answer a client, and nothing else. Outside the generated
#: prefix (the API may never write there), never a project folder, never an event source.
API_PREFIX = ".pypi-api/"
#: Identity copies of pages too large for a Lambda response, with links made absolute for the URL a
#: client asked (handlers/simple/copies.py): created once (``If-None-Match: *``), expired by a
#: lifecycle rule.
LARGE_PAGES_PREFIX = API_PREFIX + "large/"


def large_page_key(etag: str, kind: str, url: str) -> str:
    """Key of one copy of a large page: the stored page's ETag, the format (``html`` or ``json``) and
    a hash of the page's absolute URL (the links in the copy are made for it).

    >>> large_page_key("abc", "html", "https://pypi.example.com/simple/")
    '.pypi-api/large/abc-html-15ec31da702c4a5da30ad13dfe9cb4cf'
    """
    import hashlib

    return f"{LARGE_PAGES_PREFIX}{etag}-{kind}-{hashlib.sha256(url.encode()).hexdigest()[:32]}"


# -- trusted publishing (docs/trusted-publishing.md) ------------------------------------------------
#: Trusted publishers: operator data (the admin CLI writes it; neither function may: the API's Deny on
#: the generated prefix and the reindexer's Deny on the operator prefix keep them off).
PUBLISHERS_PREFIX = OPERATOR_PREFIX + "publishers/"
#: What the API's token exchange writes, and nothing else: minted upload tokens and used ``jti``s.
#: Outside the generated prefix (the API may never write there) and never a project folder (a
#: project name starts with a letter or digit); a lifecycle rule expires it.
EXCHANGE_PREFIX = ".pypi-oidc/"
MINTED_TOKENS_PREFIX = EXCHANGE_PREFIX + "tokens/"
JTI_PREFIX = EXCHANGE_PREFIX + "jti/"


def publishers_prefix(issuer: str, repository: str) -> str:
    """Folder of the publishers of one repository at one issuer (lower-cased: GitHub ignores case).

    >>> publishers_prefix("https://token.actions.githubusercontent.com", "Octo/Repo")[:40]
    '.pypi/operator/publishers/dd9c65dd99'
    """
    import hashlib

    return f"{PUBLISHERS_PREFIX}{hashlib.sha256(issuer.encode()).hexdigest()[:16]}/{repository.lower()}/"


def minted_token_key(token_hash: str) -> str:
    """Key of a minted (trusted publishing) token's record, by the token's hex SHA-256."""
    return MINTED_TOKENS_PREFIX + token_hash


def jti_key(issuer: str, jti: str) -> str:
    """Key that marks an OIDC token as used: a hash of its issuer and ``jti`` (any characters)."""
    import hashlib

    return JTI_PREFIX + hashlib.sha256(f"{issuer}\n{jti}".encode()).hexdigest()


# -- the fallback proxy (handlers/proxy/) ------------------------------------------------------------
#: What the API function writes in proxy mode, and nothing else there: upstream pages after the policy.
#: Outside the generated prefix (only the reindexer writes there) and never a project folder.
PROXY_PREFIX = ".pypi-proxy/"
PROXY_PAGES_PREFIX = PROXY_PREFIX + "pages/"


def proxy_page_key(project: str) -> str:
    """Key of an upstream project's cached page (both formats, like our own), by normalized name."""
    return PROXY_PAGES_PREFIX + project
