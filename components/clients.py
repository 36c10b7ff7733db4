"""Ready-to-paste client settings for a deployed index (pure): pip, uv and twine, no secrets.

Credentials never go into these: pip and uv ask a keyring or ``~/.netrc`` on a 401, uv reads
``UV_INDEX_<NAME>_USERNAME`` / ``_PASSWORD``, twine reads ``TWINE_USERNAME`` / ``TWINE_PASSWORD``.
"""

from __future__ import annotations

#: The name the settings give the index (uv's ``[[tool.uv.index]]`` name, the ``.pypirc`` section).
INDEX_NAME = "private"


def pip_conf(index_url: str) -> str:
    """``pip.conf`` / ``pip.ini``: the private index as pip's only index.

    >>> print(pip_conf("https://pypi.example.com/simple/"), end="")
    [global]
    index-url = https://pypi.example.com/simple/
    """
    return f"[global]\nindex-url = {index_url}\n"


def uv_index(index_url: str, name: str = INDEX_NAME) -> str:
    """``pyproject.toml`` / ``uv.toml``: the index for uv, and where ``uv publish`` uploads."""
    return (
        "[[tool.uv.index]]\n"
        f'name = "{name}"\n'
        f'url = "{index_url}"\n'
        f'publish-url = "{index_url}"\n'
        "default = true\n"
    )


def pypirc(upload_url: str, name: str = INDEX_NAME) -> str:
    """``~/.pypirc`` for twine (``twine upload -r private``); the token goes in ``TWINE_PASSWORD``."""
    return (
        "[distutils]\n"
        f"index-servers =\n    {name}\n\n"
        f"[{name}]\n"
        f"repository = {upload_url}\n"
        "username = __token__\n"
    )
