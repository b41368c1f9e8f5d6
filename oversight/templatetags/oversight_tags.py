from django import template

from .. import permissions

register = template.Library()


@register.simple_tag(takes_context=True)
def oversight_can_import(context):
    """Whether the signed-in user may import recommendations (for the sub-navigation)."""
    request = context.get("request")
    return bool(request and permissions.can_import(request.user))
