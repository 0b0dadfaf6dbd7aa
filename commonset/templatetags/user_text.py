"""Showing what users wrote: `{{ text|markdown }}` (commonset/markdown.py) for texts
written in Markdown, `{{ text|plain_text }}` for plain text, and `{{ code|text_dir }}`,
the direction of a language code (campaigns/languages.py).

`plain_text` keeps the line breaks as they were written, one block per line, each with
`dir="auto"` so that a line starting in Arabic reads right to left and one starting in
English left to right; an empty line stays one empty line (no doubled gaps, see
`.plain-text` in static/css/site.css).
"""

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from campaigns.languages import language_direction
from commonset.markdown import markdown_render

register = template.Library()


@register.filter
def markdown(text):
    return markdown_render(text)


@register.filter
def plain_text(text):
    if text is None or text == "":
        return mark_safe("")
    lines = str(text).strip("\n").splitlines()
    line_html = '<span class="text-line" dir="auto">{}</span>'
    return format_html_join("", line_html, ((line,) for line in lines))


@register.filter
def text_dir(code):
    return language_direction(code)
