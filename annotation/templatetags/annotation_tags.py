from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    if isinstance(mapping, dict):
        return mapping.get(key)
    return None



@register.filter
def size_text(value):
    """A byte count as people write it: "512 MB", not filesizeformat's "512.0 MB"."""
    from django.template.defaultfilters import filesizeformat

    return str(filesizeformat(value)).replace(".0\xa0", "\xa0").replace(".0 ", " ")
