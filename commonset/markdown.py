"""User-written Markdown as safe HTML: the one place it is rendered.

markdown-it-py parses CommonMark (with tables and strikethrough); raw HTML in the text is
not rendered but shown as the text it is (markdown-it's `html: False`); images are not
loaded but become a link to the image's address with its alt text; nh3 then keeps only
the tags and attributes listed here, only http(s) and mailto addresses (no `javascript:`,
no `data:`), adds `rel="nofollow noopener"` to every link, and puts `dir="auto"` on every
block so that a paragraph in Arabic reads right to left beside one in English.

Used by the `markdown` template filter (commonset/templatetags/user_text.py), the static
Space page and the dataset card. Rendering is slow next to a page's other work (about
4 ms for 1 KB of guidelines with lists on this machine, markdown-it being most of it;
a kept one is read back in microseconds), and the annotate page shows the campaign's
guidelines and question descriptions on every request, so the HTML of the last campaign
texts is kept in this process (`markdown_render` is a pure function of its text).
Record fields, each shown about once, pass `keep=False` so they do not push those out.
"""

from __future__ import annotations

from functools import lru_cache

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml

_BLOCKS = ["p", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "th", "td", "pre"]
ALLOWED_TAGS = {
    *_BLOCKS,
    "ul",
    "ol",
    "hr",
    "br",
    "strong",
    "em",
    "s",
    "del",
    "code",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "ol": {"start"},
    "th": {"style"},
    "td": {"style"},
}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow noopener"

# Texts longer than this are rendered but not kept (a campaign's guidelines fit easily).
CACHED_TEXT_MAX = 50_000


def _image_as_link(self, tokens, idx, options, env):
    """An image is not loaded: it becomes a link to its address, labelled with its alt
    text (or the address when it has none)."""
    token = tokens[idx]
    src = token.attrGet("src") or ""
    alt = self.renderInlineAsText(token.children or [], options, env) or src
    return f'<a href="{escapeHtml(src)}">{escapeHtml(alt)}</a>'


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
    md.add_render_rule("image", _image_as_link)
    return md


_MARKDOWN = _parser()
_CLEANER = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    url_schemes=URL_SCHEMES,
    link_rel=LINK_REL,
    filter_style_properties={"text-align"},
    set_tag_attribute_values={tag: {"dir": "auto"} for tag in _BLOCKS},
    strip_comments=True,
)


def _render(text: str) -> str:
    return _CLEANER.clean(_MARKDOWN.render(text))


_render_cached = lru_cache(maxsize=512)(_render)


def markdown_render(text: str | None, *, keep: bool = True) -> SafeString:
    """`text` (Markdown written by a user) as HTML that is safe to put in a page; `keep`
    (a text shown again and again, like guidelines) keeps the result for next time."""
    if not text:
        return mark_safe("")
    text = str(text)
    keep = keep and len(text) <= CACHED_TEXT_MAX
    html = _render_cached(text) if keep else _render(text)
    return mark_safe(html)  # noqa: S308 - sanitised by nh3 just above
