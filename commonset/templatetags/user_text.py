"""Showing what users wrote: `{{ text|markdown }}` (commonset/markdown.py) for texts
written in Markdown (`{{ field|markdown:"once" }}` for a record's field),
and `{{ text|plain_text }}` for plain text.

`plain_text` keeps the line breaks as they were written, one block per line, each with
`dir="auto"` so that a line starting in Arabic reads right to left and one starting in
English left to right; an empty line stays one empty line (no doubled gaps, see
`.plain-text` in static/css/site.css).
"""

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from commonset.markdown import markdown_render

register = template.Library()


@register.filter
def markdown(text, once=""):
    """`{{ text|markdown }}`; `{{ text|markdown:"once" }}` for a text shown about once
    (a record's field), whose HTML is not kept."""
    return markdown_render(text, keep=once != "once")


@register.filter
def plain_text(text):
    if text is None or text == "":
        return mark_safe("")
    lines = str(text).strip("\n").splitlines()
    line_html = '<span class="text-line" dir="auto">{}</span>'
    return format_html_join("", line_html, ((line,) for line in lines))
