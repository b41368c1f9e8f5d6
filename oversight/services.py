"""Every write to oversight data: keyword-only, atomic, validated, audited.

Views, API views, the importer and the demo loader all call these functions. Loaders pass
actor=None (a system write); everything a person does passes the person, and the permission
matrix in permissions.py decides.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import event_record
from core.files import EVIDENCE_TYPES, atomic_with_files, store_private
from core.rows import set_changed

from . import permissions as perms
from . import signals
from .choices import CLOSED_STATUSES, CommentKind, PeriodBasis, ReviewState
from .models import (
    ActionPlan,
    ActionPlanItem,
    Comment,
    Evidence,
    OversightBody,
    OversightBodyMember,
    OversightReport,
    Recommendation,
    Resolution,
    StatisticsPeriod,
)

# Fields an auditor of the body may change on a recommendation (workflow fields change only
# through the workflow services below).
RECOMMENDATION_EDITABLE_FIELDS = (
    "text_en",
    "text_zh",
    "org_unit",
    "is_critical",
    "priority",
    "issued_on",
    "target_date",
    "acceptance",
    "management_response",
)
RESOLUTION_EDITABLE_FIELDS = (
    "reports_or_actions_zh",
    "report_symbols",
    "action_kind",
    "summary_en",
    "summary_zh",
    "status",
)
ACTION_ITEM_EDITABLE_FIELDS = (
    "activity_en",
    "activity_zh",
    "implementation_date_en",
    "implementation_date_zh",
    "status",
    "status_text_en",
    "status_text_zh",
    "document_refs",
    "progress_notes_en",
    "progress_notes_zh",
)


def evidence_max_bytes():
    """The largest evidence file accepted, in bytes (OVERSIGHT_EVIDENCE_MAX_BYTES)."""
    return getattr(settings, "OVERSIGHT_EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)


def _save(obj):
    obj.full_clean()
    obj.save()
    return obj


def _require(actor, rec, action):
    """Refuse with PermissionDenied when the actor's relation does not allow `action`, and with
    ValidationError when the recommendation is not in a state where it can happen."""
    if not perms.allowed_by_role(actor, rec, action):
        raise PermissionDenied(str(perms.WHY_NOT[action]))
    reason = perms.why_not(actor, rec, action)
    if reason:
        raise ValidationError(str(reason))


def _locked(rec):
    """The recommendation, re-read and locked for this transaction (its row only: the body
    and entity rows read with it stay unlocked, so other recommendations are not held up)."""
    return (
        Recommendation.objects.select_for_update(of=("self",))
        .select_related("body", "entity")
        .get(pk=rec.pk)
    )


def _upsert(model, lookup, fields):
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        return _save(model(**lookup, **fields)), True
    changed = set_changed(obj, fields)
    if not changed:
        return obj, False
    return _save(obj), True


# Bodies, auditors, periods, reports ---------------------------------------------------------


@transaction.atomic
def body_upsert(*, code, actor, **fields):
    """Create or update an oversight body by code (idempotent, for loaders and admins).
    People need to be system administrators: the bodies are shared by every entity."""
    if actor is not None and not perms.can_maintain_bodies(actor):
        raise PermissionDenied(_("Only an administrator may change oversight bodies."))
    body, written = _upsert(OversightBody, {"code": code}, fields)
    if written:
        event_record(actor=actor, action="oversight.body.saved", target=body, payload=fields)
    return body


@transaction.atomic
def body_auditor_add(*, body, user, actor):
    """Make `user` an auditor of `body`: they may then close its recommendations."""
    if actor is not None and not perms.can_maintain_bodies(actor):
        raise PermissionDenied(_("Only an administrator may name a body's auditors."))
    member, created = OversightBodyMember.objects.get_or_create(body=body, user=user)
    if created:
        perms.forget_bodies(user)
        event_record(
            actor=actor,
            action="oversight.body.auditor_added",
            target=member,
            payload={"user": user.username, "body": body.code},
        )
    return member


@transaction.atomic
def body_auditor_remove(*, member, actor, reason=""):
    """`member` is no longer an auditor of its body (they keep what they did before)."""
    if actor is not None and not perms.can_maintain_bodies(actor):
        raise PermissionDenied(_("Only an administrator may name a body's auditors."))
    event_record(
        actor=actor,
        action="oversight.body.auditor_removed",
        target=member,
        reason=reason,
        payload={"user": member.user.username, "body": member.body.code},
    )
    perms.forget_bodies(member.user)
    member.delete()


@transaction.atomic
def period_upsert(*, body, label, actor, start, end, basis=PeriodBasis.IMPLEMENTATION):
    """A column of the body's published statistics (see StatisticsPeriod)."""
    period, written = _upsert(
        StatisticsPeriod,
        {"body": body, "label": label},
        {"start": start, "end": end, "basis": basis},
    )
    if written:
        event_record(actor=actor, action="oversight.period.saved", target=period)
    return period


@transaction.atomic
def report_upsert(*, body, symbol, actor, **fields):
    """Create or update a report by (body, symbol). People need to audit the body."""
    if actor is not None and not perms.can_create_in_body(actor, body):
        raise PermissionDenied(str(perms.WHY_NOT[perms.EDIT]))
    report, written = _upsert(OversightReport, {"body": body, "symbol": symbol}, fields)
    if written:
        event_record(
            actor=actor, action="oversight.report.saved", target=report, entity=report.entity
        )
    return report


@transaction.atomic
def report_create(*, body, symbol, actor, **fields):
    """A new report of `body`, by one of its auditors; a symbol the body already used is
    refused by the model's constraint."""
    if not perms.can_create_in_body(actor, body):
        raise PermissionDenied(str(perms.WHY_NOT[perms.EDIT]))
    report = _save(OversightReport(body=body, symbol=symbol, **fields))
    event_record(
        actor=actor, action="oversight.report.created", target=report, entity=report.entity
    )
    return report


# Recommendations ----------------------------------------------------------------------------


@transaction.atomic
def recommendation_create(*, actor, body, report, entity, reference, **fields):
    """A new recommendation, by an auditor of its body (or a loader)."""
    if actor is not None and not perms.can_create_in_body(actor, body):
        raise PermissionDenied(str(perms.WHY_NOT[perms.EDIT]))
    rec = _save(
        Recommendation(body=body, report=report, entity=entity, reference=reference, **fields)
    )
    event_record(actor=actor, action="oversight.recommendation.created", target=rec, entity=entity)
    return rec


@transaction.atomic
def recommendation_update(*, recommendation, actor, data):
    """Change what the body issued (text, dates, priority, acceptance...). Only the body's
    auditors may; workflow fields are refused here."""
    rec = _locked(recommendation)
    if actor is not None:
        _require(actor, rec, perms.EDIT)
    unknown = set(data) - set(RECOMMENDATION_EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(
            {field: _("This field cannot be changed here.") for field in sorted(unknown)}
        )
    before = {k: getattr(rec, k) for k in data}
    for k, v in data.items():
        setattr(rec, k, v)
    _save(rec)
    event_record(
        actor=actor,
        action="oversight.recommendation.updated",
        target=rec,
        entity=rec.entity,
        payload={
            "before": {k: str(v) for k, v in before.items()},
            "after": {k: str(v) for k, v in data.items()},
        },
    )
    return rec


def _comment(rec, actor, kind, text):
    return _save(Comment(recommendation=rec, kind=kind, body=text, author=actor))


@transaction.atomic
def comment_add(*, recommendation, actor, text):
    """A comment by a focal point or an auditor of the body."""
    rec = _locked(recommendation)
    _require(actor, rec, perms.COMMENT)
    if not text.strip():
        raise ValidationError({"text": _("Write the comment.")})
    comment = _comment(rec, actor, CommentKind.COMMENT, text.strip())
    event_record(actor=actor, action="oversight.comment.added", target=rec, entity=rec.entity)
    return comment


@transaction.atomic
def recommendation_record_progress(*, recommendation, actor, note, management_response=None):
    """The entity's focal point records progress (and may revise the management response)."""
    rec = _locked(recommendation)
    _require(actor, rec, perms.RECORD_PROGRESS)
    if not note.strip():
        raise ValidationError({"note": _("Describe the progress made.")})
    if management_response is not None and management_response != rec.management_response:
        rec.management_response = management_response
        _save(rec)
    comment = _comment(rec, actor, CommentKind.PROGRESS, note.strip())
    event_record(
        actor=actor,
        action="oversight.recommendation.progress",
        target=rec,
        entity=rec.entity,
        payload={"note": note.strip()},
    )
    return comment


@atomic_with_files()
def evidence_add(*, recommendation, actor, upload, description=""):
    """Attach a private evidence file to an open recommendation (checked by extension, content
    and size; stored under a random name, removed again if the transaction rolls back)."""
    rec = _locked(recommendation)
    _require(actor, rec, perms.UPLOAD_EVIDENCE)
    evidence = Evidence(recommendation=rec, description=description, uploaded_by=actor)
    # The row is checked before the file is written (the file is checked by store_private).
    evidence.full_clean(exclude=["file", "original_name", "content_type", "size"])
    stored = store_private(
        upload,
        folder=f"oversight/evidence/{rec.pk}",
        allowed_types=EVIDENCE_TYPES,
        max_bytes=evidence_max_bytes(),
    )
    evidence.file = stored.name
    evidence.original_name = stored.original_name
    evidence.content_type = stored.content_type
    evidence.size = stored.size
    _save(evidence)
    event_record(
        actor=actor,
        action="oversight.evidence.added",
        target=rec,
        entity=rec.entity,
        payload={"file": stored.original_name, "size": stored.size},
    )
    return evidence


@transaction.atomic
def recommendation_propose_closure(
    *, recommendation, actor, proposed_status, implementation_date, note
):
    """The focal point proposes closure (implemented, or no longer applicable / overtaken by
    events / reclassified), with evidence already attached and an explanation."""
    rec = _locked(recommendation)
    _require(actor, rec, perms.PROPOSE_CLOSURE)
    errors = {}
    if proposed_status not in CLOSED_STATUSES:
        errors["proposed_status"] = _("Propose a closing status.")
    if not implementation_date:
        errors["implementation_date"] = _("Give the date the recommendation was implemented.")
    elif implementation_date > timezone.localdate():
        errors["implementation_date"] = _("The implementation date cannot be in the future.")
    elif implementation_date < rec.issued_on:
        errors["implementation_date"] = _(
            "The implementation date cannot be before the issue date."
        )
    if not (note or "").strip():
        errors["note"] = _("Explain how the recommendation was addressed.")
    if not rec.evidence.exists():
        errors["evidence"] = _("Attach evidence before proposing closure.")
    if errors:
        raise ValidationError(errors)
    rec.review_state = ReviewState.CLOSURE_PROPOSED
    rec.proposed_status = proposed_status
    rec.proposed_implementation_date = implementation_date
    _save(rec)
    _comment(rec, actor, CommentKind.CLOSURE_PROPOSED, note.strip())
    event_record(
        actor=actor,
        action="oversight.recommendation.closure_proposed",
        target=rec,
        entity=rec.entity,
        reason=note.strip(),
        payload={"status": proposed_status, "implementation_date": str(implementation_date)},
    )
    signals.closure_proposed.send(sender=Recommendation, recommendation=rec, actor=actor)
    return rec


@transaction.atomic
def recommendation_accept_closure(*, recommendation, actor, note=""):
    """An auditor of the recommendation's body accepts the proposed closure."""
    rec = _locked(recommendation)
    _require(actor, rec, perms.ACCEPT_CLOSURE)
    rec.status = rec.proposed_status
    rec.implementation_date = rec.proposed_implementation_date
    rec.review_state = ReviewState.CLOSED
    rec.proposed_status = ""
    rec.proposed_implementation_date = None
    _save(rec)
    # Without a note the comment's kind says it all, in each reader's language (a default
    # sentence stored here would stay in the language of the auditor who accepted).
    _comment(rec, actor, CommentKind.CLOSURE_ACCEPTED, note.strip())
    event_record(
        actor=actor,
        action="oversight.recommendation.closed",
        target=rec,
        entity=rec.entity,
        reason=note.strip(),
        payload={"status": rec.status, "implementation_date": str(rec.implementation_date)},
    )
    return rec


@transaction.atomic
def recommendation_return_closure(*, recommendation, actor, reason):
    """An auditor of the body sends a proposed closure back, saying why."""
    rec = _locked(recommendation)
    _require(actor, rec, perms.RETURN_CLOSURE)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the closure is sent back.")})
    rec.review_state = ReviewState.OPEN
    rec.proposed_status = ""
    rec.proposed_implementation_date = None
    _save(rec)
    _comment(rec, actor, CommentKind.CLOSURE_RETURNED, reason.strip())
    event_record(
        actor=actor,
        action="oversight.recommendation.closure_returned",
        target=rec,
        entity=rec.entity,
        reason=reason.strip(),
    )
    return rec


# Resolutions (Annex I) and action plans (Annex II) ------------------------------------------


@transaction.atomic
def resolution_upsert(*, governing_body, session, row, actor, **fields):
    """Create or update a tracked resolution by (governing body, session, row)."""
    if actor is not None and not perms.can_edit_resolution(actor, governing_body=governing_body):
        raise PermissionDenied(_("You may not change the resolutions of this governing body."))
    resolution, written = _upsert(
        Resolution, {"governing_body": governing_body, "session": session, "row": row}, fields
    )
    if written:
        event_record(actor=actor, action="oversight.resolution.saved", target=resolution)
    return resolution


@transaction.atomic
def resolution_update(*, resolution, actor, data):
    """Record what the Secretariat did about a resolution, and its status."""
    if not perms.can_edit_resolution(actor, resolution):
        raise PermissionDenied(_("You may not change the resolutions of this governing body."))
    resolution = Resolution.objects.select_for_update().get(pk=resolution.pk)
    unknown = set(data) - set(RESOLUTION_EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({f: _("This field cannot be changed here.") for f in sorted(unknown)})
    before = {k: getattr(resolution, k) for k in data}
    for k, v in data.items():
        setattr(resolution, k, v)
    _save(resolution)
    event_record(
        actor=actor,
        action="oversight.resolution.updated",
        target=resolution,
        payload={
            "before": {k: str(v) for k, v in before.items()},
            "after": {k: str(v) for k, v in data.items()},
        },
    )
    return resolution


@transaction.atomic
def action_plan_upsert(*, code, actor, **fields):
    """Create or update an action plan by code (loaders)."""
    plan, written = _upsert(ActionPlan, {"code": code}, fields)
    if written:
        event_record(actor=actor, action="oversight.action_plan.saved", target=plan)
    return plan


@transaction.atomic
def action_plan_item_upsert(*, plan, number, actor, **fields):
    """Create or update an action-plan activity by (plan, number) (loaders)."""
    item, written = _upsert(ActionPlanItem, {"plan": plan, "number": number}, fields)
    if written:
        event_record(actor=actor, action="oversight.action_plan_item.saved", target=item)
    return item


@transaction.atomic
def action_plan_item_update(*, item, actor, data):
    """Record progress on an action-plan activity, or change its status."""
    if not perms.can_edit_action_plans(actor):
        raise PermissionDenied(_("You may not change action plans."))
    item = ActionPlanItem.objects.select_for_update().get(pk=item.pk)
    unknown = set(data) - set(ACTION_ITEM_EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({f: _("This field cannot be changed here.") for f in sorted(unknown)})
    before = {k: getattr(item, k) for k in data}
    for k, v in data.items():
        setattr(item, k, v)
    _save(item)
    event_record(
        actor=actor,
        action="oversight.action_plan_item.updated",
        target=item,
        payload={
            "before": {k: str(v) for k, v in before.items()},
            "after": {k: str(v) for k, v in data.items()},
        },
    )
    return item


# Imports of recommendation files (a job each): in their own module, named here. -------------

from .services_imports import (  # noqa: E402, F401
    recommendation_import_commit,
    recommendation_import_create,
    recommendation_import_preview,
    recommendation_import_write,
)
