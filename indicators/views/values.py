"""One value: its page, workflow transitions, comments and evidence."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.files import private_download_response

from .. import permissions, selectors, services
from ..choices import Action
from ..forms import (
    ApproveForm,
    CommentForm,
    EvidenceForm,
    ReasonForm,
    VersionForm,
)
from ..models import Indicator, Value


def _visible_value(request, pk):
    return get_object_or_404(
        Value.objects.visible_to(request.user)
        .with_related()
        .select_related("indicator__node__level", "indicator__baseline"),
        pk=pk,
    )


@login_required
def value_detail(request, pk):
    value = _visible_value(request, pk)
    user = request.user
    indicator = value.indicator
    can_history = permissions.can(user, Action.HISTORY, value)
    actions = permissions.actions_for(user, value)
    return render(
        request,
        "indicators/value_detail.html",
        {
            "value": value,
            "indicator": indicator,
            "baseline": getattr(indicator, "baseline", None),
            "target": selectors.target_for_year(
                Indicator.objects.with_framework().get(pk=indicator.pk),
                value.period.end_date.year,
            ),
            "actions": actions,
            "why_not": [(Action(a).label, why) for a, (ok, why) in actions.items() if not ok],
            "can_comment": permissions.can(user, Action.COMMENT, value),
            "can_attach": permissions.can(user, Action.ATTACH, value),
            "comments": value.comments.select_related("author"),
            "evidence": value.evidence.select_related("uploaded_by"),
            "history": selectors.value_history(value) if can_history else None,
            # Each action's form carries the hidden version; ids per action keep them apart
            # (the page shows several at once, and the return and reopen forms share one).
            "approve_form": ApproveForm(
                initial={"version": value.version}, auto_id="id_approve_%s"
            ),
            "reason_form": ReasonForm(initial={"version": value.version}, auto_id=False),
            "version_form": VersionForm(initial={"version": value.version}, auto_id=False),
            "comment_form": CommentForm(),
            "evidence_form": EvidenceForm(),
            "needs_rating": value.kind == "text" and not value.is_missing,
        },
    )


TRANSITIONS = {
    "submit": (services.value_submit, VersionForm, _("Submitted for review.")),
    "approve": (services.value_approve, ApproveForm, _("Approved.")),
    "return": (services.value_return, ReasonForm, _("Returned to the officer.")),
    "reopen": (services.value_reopen, ReasonForm, _("Reopened.")),
}


@login_required
@require_POST
def value_transition(request, pk, action):
    if action not in TRANSITIONS:
        raise Http404
    value = _visible_value(request, pk)
    service, form_class, done = TRANSITIONS[action]
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason.") if "reason" in form.errors else _("Invalid."))
        return redirect("indicators:value", pk=value.pk)
    kwargs = {k: v for k, v in form.cleaned_data.items() if k in ("reason", "rating")}
    try:
        service(
            value=value,
            actor=request.user,
            expected_version=form.cleaned_data.get("version"),
            **kwargs,
        )
        messages.success(request, done)
    except services.StaleVersion as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied as exc:
        return HttpResponse(str(exc), status=403)
    return redirect("indicators:value", pk=value.pk)


@login_required
@require_POST
def value_comment(request, pk):
    value = _visible_value(request, pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.comment_add(value=value, actor=request.user, text=form.cleaned_data["text"])
        except PermissionDenied as exc:
            return HttpResponse(str(exc), status=403)
    return redirect(reverse("indicators:value", args=[value.pk]) + "#comments")


@login_required
@require_POST
def evidence_upload(request, pk):
    value = _visible_value(request, pk)
    form = EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file."))
    else:
        try:
            services.evidence_attach(
                value=value, actor=request.user, upload=form.cleaned_data["file"]
            )
            messages.success(request, _("Evidence attached."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except PermissionDenied as exc:
            return HttpResponse(str(exc), status=403)
    return redirect(reverse("indicators:value", args=[value.pk]) + "#evidence")


@login_required
def evidence_download(request, pk, evidence_id):
    """Stream an evidence file to a user who may see its value (404 for anyone else)."""
    value = _visible_value(request, pk)
    if not permissions.can_view_evidence(request.user, value):
        raise PermissionDenied
    evidence = get_object_or_404(value.evidence, pk=evidence_id)
    return private_download_response(
        evidence.file.name, filename=evidence.original_name, content_type=evidence.content_type
    )
