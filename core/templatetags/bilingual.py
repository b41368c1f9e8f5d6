from django import template

from core.bilingual import localized_html

register = template.Library()


@register.filter
def bilingual(obj, field):
    """`{{ indicator|bilingual:"definition" }}`: the field's English/Chinese pair in the reader's
    language, a fallback text marked with its own language (core.bilingual)."""
    return localized_html(obj, field)
