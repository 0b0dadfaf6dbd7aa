"""`{% local_time value %}`: a <time> in UTC that static/js/local-time.js rewrites into the
visitor's own time zone, zone shown either way."""

from datetime import UTC

from django import template
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def local_time(value, date_only=False):
    if not value:
        return ""
    utc = value.astimezone(UTC)
    text = f"{utc:%-d %b %Y}" if date_only else f"{utc:%-d %b %Y, %H:%M} UTC"
    return format_html(
        '<time datetime="{}" data-local-time="{}">{}</time>',
        utc.isoformat().replace("+00:00", "Z"),
        "date" if date_only else "datetime",
        text,
    )
