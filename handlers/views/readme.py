"""A description rendered as PyPI renders it: readme_renderer by ``Description-Content-Type`` (pure).

Markdown (GFM by default, or the ``variant`` the content type names), reStructuredText (also when no
content type is given, as on PyPI) or plain text; readme_renderer sanitizes its output with nh3.
Imported only by the reindexer: a view read never renders anything.
"""

from __future__ import annotations

from email.message import Message

#: Descriptions longer than this are cut before rendering (the core metadata bound is larger).
MAX_DESCRIPTION = 512 * 1024


def render(description: str, content_type: str | None) -> str:
    """Sanitized HTML for ``description`` (empty for an empty description).

    >>> render("# Title", "text/markdown").startswith('<h1 id="user-content-title">Title')
    True
    >>> render("<script>x</script>", "text/plain")
    '&lt;script&gt;x&lt;/script&gt;'
    """
    from readme_renderer import markdown, rst, txt

    text = description[:MAX_DESCRIPTION]
    if not text.strip():
        return ""
    kind, params = _content_type(content_type)
    rendered: str | None = None
    if kind == "text/markdown":
        rendered = markdown.render(text, variant=params.get("variant", "GFM"))
    elif kind in ("text/x-rst", ""):
        rendered = rst.render(text)
    return rendered if rendered is not None else (txt.render(text) or "")


def _content_type(value: str | None) -> tuple[str, dict[str, str]]:
    if not value:
        return "", {}
    message = Message()
    message["Content-Type"] = value
    params = {str(k).lower(): str(v) for k, v in (message.get_params() or [])[1:]}
    return message.get_content_type(), params
