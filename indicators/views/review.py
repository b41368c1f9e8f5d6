"""The review queue and bulk review."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import permissions, selectors, services
from ..filters import ValueFilter
from ..forms import (
    BulkActionForm,
)


@login_required
def review_queue(request):
    if not permissions.can_review_anywhere(request.user):
        raise PermissionDenied(_("Only reviewers review values."))
    return _review_page(request)


def _review_page(request, *, bulk_form=None, results=None, status=200):
    qs = selectors.review_values(request.user).with_related()
    filterset = ValueFilter(selectors.review_query(request.GET), queryset=qs, request=request)
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    template = "indicators/partials/review_rows.html" if request.htmx else "indicators/review.html"
    context = {
        "filter": filterset,
        "page": page,
        "bulk_form": bulk_form or BulkActionForm(actions={"approve", "return"}),
        "results": results,
    }
    return render(request, template, context, status=status)


@login_required
@require_POST
def review_bulk(request):
    """Approve or return the selected values with one reason. Each value goes through its own
    service (permission, version, rules, audit); the page lists what succeeded and what was
    refused, and why."""
    if not permissions.can_review_anywhere(request.user):
        raise PermissionDenied(_("Only reviewers review values."))
    form = BulkActionForm(request.POST, actions={"approve", "return"})
    if not form.is_valid():
        return _review_page(request, bulk_form=form, status=400)
    results = services.values_bulk_transition(
        action=form.cleaned_data["action"],
        items=form.cleaned_data["values"],
        actor=request.user,
        reason=form.cleaned_data["reason"],
    )
    return _review_page(request, results=results)
