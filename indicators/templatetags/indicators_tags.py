from django import template

from ..formatting import display
from ..formatting import number as format_number

register = template.Library()


@register.filter
def show(obj, indicator):
    """A baseline, target or value in words for the active language: {{ v|show:indicator }}."""
    if obj is None:
        return ""
    return display(indicator, obj)


@register.filter
def num(value, decimals=0):
    return format_number(value, decimals)


@register.filter
def get(mapping, key):
    return mapping.get(key)
