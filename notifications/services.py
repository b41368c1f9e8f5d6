"""Every write of notifications: sending (in-app and e-mail), marking read, preferences.

Senders re-check at send time that the recipient may see what the notification speaks of
(the models' visible_to and the permission modules), and are idempotent: each notification has
a key unique per recipient, so a task run twice neither repeats a row nor re-sends an e-mail.
"""

import datetime
from collections import defaultdict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit.services import event_record
from core.cache import bump_for_write, notifications_scope
from entities.selectors import language_for

from . import texts
from .choices import Kind
from .models import Notification, NotificationPreference

# --- preferences ------------------------------------------------------------------------------


def preferences_for(user):
    """{kind: {"in_app": bool, "email": bool}} for every kind; without a saved choice, on."""
    prefs = {kind: {"in_app": True, "email": True} for kind in Kind.values}
    for row in NotificationPreference.objects.filter(user=user):
        prefs[row.kind] = {"in_app": row.in_app, "email": row.email}
    return prefs


@transaction.atomic
def preferences_save(*, user, choices, actor):
    """Save `user`'s choices ({kind: {"in_app": bool, "email": bool}}); only the user
    themself (or a superuser) may. Unknown kinds or non-boolean choices are refused whole."""
    if not actor or not actor.is_authenticated or (actor.pk != user.pk and not actor.is_superuser):
        raise PermissionDenied(_("You may change only your own notification preferences."))
    errors = {}
    for kind, choice in choices.items():
        if kind not in Kind.values:
            errors[kind] = _("Unknown kind of notification.")
        elif not isinstance(choice, dict) or not all(
            isinstance(choice.get(c), bool) for c in ("in_app", "email")
        ):
            errors[kind] = _("Say yes or no for each channel.")
    if errors:
        raise ValidationError(errors)
    for kind, choice in choices.items():
        NotificationPreference.objects.update_or_create(
            user=user, kind=kind, defaults={"in_app": choice["in_app"], "email": choice["email"]}
        )
    event_record(
        actor=actor,
        action="notifications.preferences_saved",
        target=user,
        payload={"preferences": choices},
    )
    return preferences_for(user)


# --- reading ----------------------------------------------------------------------------------


def notifications_mark_read(*, actor, ids=None):
    """Mark the actor's own unread notifications read (those in `ids`, or all); returns how
    many. Another user's ids are ignored, never an error that would confirm they exist."""
    qs = Notification.objects.visible_to(actor).unread()
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    count = qs.update(read_at=timezone.now())
    if count:
        bump_for_write(notifications_scope(actor.pk))  # the unread count in the header
    return count


# --- sending ----------------------------------------------------------------------------------


def _absolute(url):
    return settings.SITE_URL.rstrip("/") + url if url else ""


def notify(*, recipient, kind, key, params, url=""):
    """Tell `recipient` about something, through the channels they chose. Idempotent by `key`:
    a second call finds the first notification and sends no second e-mail. Returns the
    notification, or None when the recipient wants neither channel (or is inactive)."""
    pref = preferences_for(recipient)[kind]
    if not recipient.is_active or not (pref["in_app"] or pref["email"]):
        return None
    with transaction.atomic():
        note, _created = Notification.objects.get_or_create(
            recipient=recipient,
            key=key,
            defaults={"kind": kind, "params": params, "url": url, "in_app": pref["in_app"]},
        )
        if pref["email"] and recipient.email and note.emailed_at is None:
            # Locked, so two workers running the same task send one e-mail between them.
            note = Notification.objects.select_for_update().get(pk=note.pk)
            if note.emailed_at is None:
                with translation.override(language_for(recipient)):
                    message = texts.body(note)
                    if url:
                        message += "\n\n" + _absolute(url)
                    send_mail(
                        subject=texts.subject(note),
                        message=message,
                        from_email=None,
                        recipient_list=[recipient.email],
                    )
                note.emailed_at = timezone.now()
                note.save(update_fields=["emailed_at"])
    return note


def send_value_returned(*, value_id):
    """Tell whoever entered and submitted a value that it came back, with the reason."""
    from indicators.choices import Status
    from indicators.models import Value

    value = (
        Value.objects.select_related(
            "indicator__plan__entity", "period", "entered_by", "submitted_by"
        )
        .filter(pk=value_id)
        .first()
    )
    if value is None or value.status != Status.RETURNED:
        return []  # corrected and resubmitted meanwhile: nothing left to say
    recipients = {u.pk: u for u in (value.entered_by, value.submitted_by) if u is not None}
    sent = []
    for user in recipients.values():
        if not Value.objects.visible_to(user).filter(pk=value.pk).exists():
            continue
        note = notify(
            recipient=user,
            kind=Kind.VALUE_RETURNED,
            key=f"value_returned:{value.pk}:{value.version}",
            params={
                "indicator": value.indicator.code,
                "period": value.period.label,
                "reason": value.return_reason,
            },
            url=reverse("indicators:value", args=[value.pk]),
        )
        if note:
            sent.append(note)
    return sent


def send_closure_proposed(*, recommendation_id):
    """Tell the auditors of the recommendation's body that a closure awaits their decision."""
    from oversight import permissions as oversight_perms
    from oversight.choices import CommentKind, ReviewState
    from oversight.models import Recommendation

    rec = Recommendation.objects.select_related("entity").filter(pk=recommendation_id).first()
    if rec is None or rec.review_state != ReviewState.CLOSURE_PROPOSED:
        return []
    proposal = (
        rec.comments.filter(kind=CommentKind.CLOSURE_PROPOSED)
        .order_by("-id")
        .values_list("pk", flat=True)
        .first()
    )
    auditors = get_user_model().objects.filter(
        is_active=True, oversight_body_memberships__body_id=rec.body_id
    )
    sent = []
    for user in auditors:
        visible = Recommendation.objects.visible_to(user).filter(pk=rec.pk).exists()
        if not visible or not oversight_perms.can(user, rec, oversight_perms.ACCEPT_CLOSURE):
            continue
        note = notify(
            recipient=user,
            kind=Kind.CLOSURE_PROPOSED,
            key=f"closure_proposed:{rec.pk}:{proposal}",
            params={"reference": rec.reference, "entity": rec.entity.code},
            url=reverse("oversight:detail", args=[rec.pk]),
        )
        if note:
            sent.append(note)
    return sent


def send_period_closing_reminders(*, today=None):
    """For each open period whose values fall due (its due date, else its end date) within
    NOTIFICATIONS_PERIOD_CLOSING_DAYS, tell each programme officer of its entity how many of
    the values they may enter are still neither submitted nor approved. Once per period and
    due date (a due date moved later is told again)."""
    from entities.choices import Role
    from indicators import permissions as indicator_perms
    from indicators.choices import Action, Status
    from indicators.models import Indicator, ReportingPeriod, Value

    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=settings.NOTIFICATIONS_PERIOD_CLOSING_DAYS)
    periods = (
        ReportingPeriod.objects.open()
        .with_due()
        .filter(due_by__gte=today, due_by__lte=horizon)
        .select_related("plan__entity")
    )
    sent = []
    for period in periods:
        done = set(
            Value.objects.filter(
                period=period, status__in=[Status.SUBMITTED, Status.APPROVED]
            ).values_list("indicator_id", flat=True)
        )
        missing = [
            i
            for i in Indicator.objects.active().filter(plan=period.plan).select_related("plan")
            if i.pk not in done
        ]
        if not missing:
            continue
        officers = (
            get_user_model()
            .objects.filter(
                is_active=True,
                memberships__entity_id=period.plan.entity_id,
                memberships__role=Role.PROGRAMME_OFFICER,
            )
            .distinct()
        )
        for user in officers:
            if not ReportingPeriod.objects.visible_to(user).filter(pk=period.pk).exists():
                continue
            mine = [
                i
                for i in missing
                if indicator_perms.decide(user, Action.EDIT, indicator=i, period=period)[0]
            ]
            if not mine:
                continue
            note = notify(
                recipient=user,
                kind=Kind.PERIOD_CLOSING,
                key=f"period_closing:{period.pk}:{period.due.isoformat()}",
                params={
                    "missing": len(mine),
                    "plan": period.plan.code,
                    "period": period.label,
                    "due": period.due.isoformat(),
                },
                url=reverse("indicators:entry", args=[period.pk]),
            )
            if note:
                sent.append(note)
    return sent


DIGEST_ITEMS = 20


def send_recommendation_digests(*, today=None):
    """The weekly digest: each focal point (a reviewer or programme officer of an entity) gets
    one notification listing the open recommendations of their entities that are overdue or
    fall due within NOTIFICATIONS_DUE_SOON_DAYS. Once per user and ISO week."""
    from entities.models import Membership
    from entities.permissions import entity_ids_with_role
    from oversight.choices import ReviewState
    from oversight.models import Recommendation
    from oversight.permissions import FOCAL_POINT_ROLES

    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=settings.NOTIFICATIONS_DUE_SOON_DAYS)
    year, week, _day = today.isocalendar()
    users = defaultdict(list)
    for m in Membership.objects.filter(
        role__in=FOCAL_POINT_ROLES, user__is_active=True
    ).select_related("user"):
        users[m.user_id].append(m.user)
    sent = []
    for same_user in users.values():
        user = same_user[0]
        qs = (
            Recommendation.objects.visible_to(user)
            .open()
            .filter(review_state=ReviewState.OPEN, target_date__lte=horizon)
        )
        entity_ids = entity_ids_with_role(user, FOCAL_POINT_ROLES)
        if entity_ids is not None:
            qs = qs.filter(entity_id__in=entity_ids)
        overdue = qs.filter(target_date__lt=today).count()
        total = qs.count()
        if not total:
            continue
        items = [
            {
                "reference": ref,
                "target_date": target.isoformat(),
                "overdue": target < today,
            }
            for ref, target in qs.order_by("target_date", "reference").values_list(
                "reference", "target_date"
            )[:DIGEST_ITEMS]
        ]
        note = notify(
            recipient=user,
            kind=Kind.RECOMMENDATIONS_DUE,
            key=f"recommendations_due:{year}-W{week:02d}",
            params={"overdue": overdue, "due_soon": total - overdue, "items": items},
            url=reverse("home"),
        )
        if note:
            sent.append(note)
    return sent
