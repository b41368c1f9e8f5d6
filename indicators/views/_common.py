"""Helpers shared by more than one page module of the package."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from .. import permissions
from ..models import ReportingPeriod


def _tree(nodes):
    """Nodes in depth-first order, each with its depth (for indentation)."""
    children = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)
    ordered = []

    def walk(parent_id, depth):
        for node in children.get(parent_id, []):
            node.depth = depth
            ordered.append(node)
            walk(node.pk, depth + 1)

    walk(None, 0)
    return ordered


def _entry_period(request, period_id):
    period = get_object_or_404(
        ReportingPeriod.objects.visible_to(request.user).select_related("plan__entity"),
        pk=period_id,
    )
    if not permissions.can_enter_for(request.user, period.plan):
        raise PermissionDenied(_("Only the entity's programme officers enter values."))
    return period
