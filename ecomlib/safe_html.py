"""HTML that data cannot script: the report pages' Content-Security-Policy, a small
Markdown renderer for report sentences that escapes everything first, and the clean-up that
makes an nbconvert page self-contained.

Export text (shop names, product titles, streamer nicknames, traffic sources, ad plan names,
supplier and warehouse names, refund reasons, notes ...) is untrusted: a seller's export may
carry ``<img src=x onerror=...>`` or ``<script>`` in any of those fields. The report layer
therefore never emits a data value as markup:

* :func:`markdown_html` renders a sentence that may hold data values: the whole text is
  HTML-escaped first, then only ``**bold**`` and ```code``` become tags; link and image
  syntax ``[x](javascript:...)``, raw HTML and entities stay visible text;
* :func:`harden_page` makes a whole page self-contained and inert: every ``<script>``
  element and remote ``<link>``/``@import`` is removed and :data:`CSP` (no script at all,
  images and fonts only from ``data:`` URLs, inline styles) is put first in ``<head>``, so
  even markup that slipped through could neither run script nor fetch anything;
* :func:`neutral_markdown` makes a data value inert inside chat-robot Markdown (DingTalk,
  WeCom): no tags, no links, no images, one line.
"""
from __future__ import annotations

import html as _html
import re

__all__ = ["CSP", "csp_meta", "escape", "markdown_html", "harden_page", "neutral_markdown",
           "remote_references"]

#: the Content-Security-Policy of every static report page: nothing may be fetched or run,
#: except images and fonts embedded as ``data:`` URLs and the page's own inline CSS
CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; "
       "base-uri 'none'; form-action 'none'")


def csp_meta() -> str:
    """``<meta http-equiv="Content-Security-Policy" ...>`` with :data:`CSP` (plus no referrer)."""
    return (f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
            '<meta name="referrer" content="no-referrer">')


def escape(value) -> str:
    """``str(value)`` with ``& < > " '`` escaped (safe in text and in quoted attributes)."""
    return _html.escape(str(value), quote=True)


_CODE = re.compile(r"(`[^`\n]+`)")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*", re.S)
_PARAS = re.compile(r"\n[ \t]*\n")


def markdown_html(text) -> str:
    """A report sentence as HTML: escaped, then ``**bold**`` -> ``<strong>``, ```code``` ->
    ``<code>``, blank lines -> paragraphs. Nothing else is Markdown here: a data value such
    as ``<script>``, ``[x](javascript:...)`` or ``&amp;`` shows as the text it is.

    >>> markdown_html("店铺 **<b>x</b>** 在 `a&b` 中")
    '<p>店铺 <strong>&lt;b&gt;x&lt;/b&gt;</strong> 在 <code>a&amp;b</code> 中</p>'
    """
    s = escape("" if text is None else text)
    out = []
    for part in _CODE.split(s):
        if len(part) > 2 and part[0] == "`" and part[-1] == "`":
            out.append(f"<code>{part[1:-1]}</code>")
        else:
            out.append(_BOLD.sub(r"<strong>\1</strong>", part))
    paras = [p.strip() for p in _PARAS.split("".join(out))]
    return "".join(f"<p>{p}</p>" for p in paras if p) or "<p></p>"


_COMMENT = re.compile(r"<!--.*?-->", re.S)
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script\s*>", re.I | re.S)
_SCRIPT_OPEN = re.compile(r"<(/?)script\b", re.I)
_LINK = re.compile(r"<link\b[^>]*>", re.I)
_REMOTE = re.compile(r"""(?:https?:)?//""", re.I)
_IMPORT = re.compile(r"@import\b[^;]*;", re.I)
_HEAD = re.compile(r"<head\b[^>]*>", re.I)
_TITLE = re.compile(r"<title\b[^>]*>.*?</title\s*>", re.I | re.S)
_OLD_META = re.compile(r"<meta\b[^>]*(?:http-equiv\s*=\s*[\"']?content-security-policy|"
                       r"name\s*=\s*[\"']?referrer)[^>]*>", re.I)


def harden_page(page: str, title: str | None = None) -> str:
    """A whole HTML page made self-contained and inert (see the module docstring).

    Removes every ``<script>`` element (the nbconvert templates add require.js, MathJax and
    mermaid from public CDNs; the reports are static tables and PNG charts and need none),
    every ``<link>`` element and every CSS ``@import``; puts :func:`csp_meta`
    first in ``<head>`` (adding a head if there is none) and sets ``<title>`` to ``title``
    (escaped) when given.
    """
    page = _COMMENT.sub("", page)  # the template's notes about the CDN scripts go too
    page = _SCRIPT.sub("", page)
    page = _SCRIPT_OPEN.sub(lambda m: "&lt;" + m.group(1) + "script", page)  # unclosed leftovers
    page = _LINK.sub("", page)
    page = _IMPORT.sub("", page)
    page = _OLD_META.sub("", page)  # hardening twice gives the same page
    if title is not None:
        tag = f"<title>{escape(title)}</title>"
        page, n = _TITLE.subn(lambda _m: tag, page, count=1)
        if not n:
            page = _HEAD.sub(lambda m: m.group(0) + tag, page, count=1)
    m = _HEAD.search(page)
    if m:
        page = page[:m.end()] + csp_meta() + page[m.end():]
    else:
        page = "<head>" + csp_meta() + "</head>" + page
    return page


def remote_references(page: str) -> list[str]:
    """Addresses the page would load from elsewhere: ``src=``/``href=`` of script, link,
    img, iframe, source, embed, object and ``url(...)``/``@import`` in CSS that are not
    ``data:`` or relative (an empty list for a self-contained page)."""
    found = []
    for m in re.finditer(r"<(script|link|img|iframe|source|embed|object|audio|video)\b[^>]*?"
                         r"\b(?:src|href|data)\s*=\s*[\"']?([^\"'\s>]+)", page, re.I):
        if _REMOTE.match(m.group(2)):
            found.append(m.group(2))
    for m in re.finditer(r"(?:url\(\s*[\"']?|@import\s+[\"'])([^\"')\s]+)", page, re.I):
        if _REMOTE.match(m.group(1)):
            found.append(m.group(1))
    return found


_MD_SWAP = str.maketrans({"<": "＜", ">": "＞", "[": "［", "]": "］", "\r": " ", "\n": " ",
                          "\t": " "})


def neutral_markdown(text) -> str:
    """A data value made inert in chat-robot Markdown (DingTalk, WeCom): ``< > [ ]`` become
    their full-width forms (no tags, links, images or link references can start), line
    breaks become spaces (no headings or lists can start). Readable, not reversible.

    >>> neutral_markdown('[x](javascript:alert(1)) <img src=x>')
    '［x］(javascript:alert(1)) ＜img src=x＞'
    """
    return str(text).translate(_MD_SWAP)
