from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    if isinstance(mapping, dict):
        return mapping.get(key)
    return None


@register.filter
def join_list(value):
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return value
