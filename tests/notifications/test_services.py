"""Each kind of notification, preferences, idempotency and no leak: through the real services,
signals, tasks and Django's in-memory outbox."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import Event
from entities.choices import Role
from indicators import services as indicator_services
from indicators.choices import Status
from notifications import services, tasks
from notifications.choices import Kind
from notifications.models import Notification, NotificationPreference
from oversight import services as oversight_services
from oversight.choices import ReviewState
from oversight.models import Evidence
from tests.factories import MembershipFactory, OrgUnitFactory, UserFactory, user_with_role
from tests.indicators.factories import IndicatorFactory, PeriodFactory, PlanFactory, value_in
from tests.oversight.factories import (
    OversightBodyFactory,
    RecommendationFactory,
    ReportFactory,
    body_auditor,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 2)


@pytest.fixture
def plan(unops):
    return PlanFactory(entity=unops)


@pytest.fixture
def period(plan):
    return PeriodFactory(plan=plan, label="2026", end_date=datetime.date(2026, 12, 31))


@pytest.fixture
def indicator(plan):
    return IndicatorFactory(plan=plan, code="M1")


# --- a value returned -------------------------------------------------------------------------


def test_returning_a_value_tells_its_officer_in_app_and_by_email(
    eager_celery, django_capture_on_commit_callbacks, indicator, period, officer, reviewer
):
    value = value_in(indicator, period, Status.SUBMITTED, officer=officer)
    with django_capture_on_commit_callbacks(execute=True):
        indicator_services.value_return(value=value, actor=reviewer, reason="Source missing")
    note = Notification.objects.get(recipient=officer)
    assert note.kind == Kind.VALUE_RETURNED
    assert note.params == {"indicator": "M1", "period": "2026", "reason": "Source missing"}
    assert note.url == f"/indicators/values/{value.pk}/"
    assert note.emailed_at is not None
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [officer.email]
    assert email.subject == "Value returned: M1, 2026"
    assert "Reason: Source missing" in email.body
    assert f"https://rf.example.org/indicators/values/{value.pk}/" in email.body
    assert not Notification.objects.filter(recipient=reviewer).exists()


def test_reopening_an_approved_value_also_tells_the_officer(
    eager_celery, django_capture_on_commit_callbacks, indicator, period, officer, reviewer
):
    value = value_in(indicator, period, Status.APPROVED, officer=officer, reviewer=reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        indicator_services.value_reopen(value=value, actor=reviewer, reason="Typo in source")
    assert Notification.objects.get(recipient=officer).params["reason"] == "Typo in source"


def test_a_refused_return_sends_nothing(
    eager_celery, django_capture_on_commit_callbacks, indicator, period, officer
):
    value = value_in(indicator, period, Status.SUBMITTED, officer=officer)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(PermissionDenied):
        indicator_services.value_return(value=value, actor=officer, reason="no")
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_the_receiver_waits_for_commit(
    django_capture_on_commit_callbacks, indicator, period, officer, reviewer
):
    value = value_in(indicator, period, Status.SUBMITTED, officer=officer)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        indicator_services.value_return(value=value, actor=reviewer, reason="Why")
    assert callbacks  # the enqueue (and the progress fold-in), deferred until the commit
    assert not Notification.objects.exists()


def test_value_returned_task_is_idempotent(indicator, period, officer, reviewer):
    value = value_in(indicator, period, Status.RETURNED, officer=officer, reviewer=reviewer)
    assert tasks.send_value_returned(value.pk) == 1
    assert tasks.send_value_returned(value.pk) == 1
    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1


def test_value_resubmitted_before_the_task_runs_says_nothing(indicator, period, officer, reviewer):
    value = value_in(indicator, period, Status.RETURNED, officer=officer, reviewer=reviewer)
    indicator_services.value_submit(value=value, actor=officer)
    assert tasks.send_value_returned(value.pk) == 0
    assert tasks.send_value_returned(999999) == 0
    assert not Notification.objects.exists()


def test_an_officer_who_lost_their_role_is_not_told(indicator, period, officer, reviewer):
    """No leak: visibility is checked when sending, not when the value was entered."""
    value = value_in(indicator, period, Status.RETURNED, officer=officer, reviewer=reviewer)
    officer.memberships.all().delete()
    assert tasks.send_value_returned(value.pk) == 0
    assert not Notification.objects.exists()
    assert mail.outbox == []


# --- preferences ------------------------------------------------------------------------------


def test_email_off_keeps_the_in_app_notification(indicator, period, officer, reviewer):
    services.preferences_save(
        user=officer,
        choices={Kind.VALUE_RETURNED: {"in_app": True, "email": False}},
        actor=officer,
    )
    value = value_in(indicator, period, Status.RETURNED, officer=officer, reviewer=reviewer)
    tasks.send_value_returned(value.pk)
    note = Notification.objects.get(recipient=officer)
    assert note.in_app and note.emailed_at is None
    assert mail.outbox == []


def test_in_app_off_sends_only_the_email(indicator, period, officer, reviewer):
    services.preferences_save(
        user=officer,
        choices={Kind.VALUE_RETURNED: {"in_app": False, "email": True}},
        actor=officer,
    )
    value = value_in(indicator, period, Status.RETURNED, officer=officer, reviewer=reviewer)
    tasks.send_value_returned(value.pk)
    assert not Notification.objects.visible_to(officer).exists()
    assert len(mail.outbox) == 1


def test_both_off_sends_nothing(indicator, period, officer, reviewer):
    services.preferences_save(
        user=officer,
        choices={Kind.VALUE_RETURNED: {"in_app": False, "email": False}},
        actor=officer,
    )
    value = value_in(indicator, period, Status.RETURNED, officer=officer, reviewer=reviewer)
    assert tasks.send_value_returned(value.pk) == 0
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_a_user_without_an_email_address_gets_the_in_app_notification(
    indicator, period, officer, reviewer
):
    officer.email = ""
    officer.save()
    value = value_in(indicator, period, Status.RETURNED, officer=officer, reviewer=reviewer)
    tasks.send_value_returned(value.pk)
    assert Notification.objects.filter(recipient=officer).exists()
    assert mail.outbox == []


def test_preferences_default_on_and_saving_is_audited(officer):
    prefs = services.preferences_for(officer)
    assert set(prefs) == set(Kind.values)
    assert all(p == {"in_app": True, "email": True} for p in prefs.values())
    services.preferences_save(
        user=officer,
        choices={Kind.CLOSURE_PROPOSED: {"in_app": True, "email": False}},
        actor=officer,
    )
    assert services.preferences_for(officer)[Kind.CLOSURE_PROPOSED]["email"] is False
    assert Event.objects.filter(action="notifications.preferences_saved", actor=officer).exists()


@pytest.mark.parametrize(
    "choices",
    [
        {"nonsense": {"in_app": True, "email": True}},
        {Kind.VALUE_RETURNED: {"in_app": "yes", "email": True}},
        {Kind.VALUE_RETURNED: {"in_app": True}},
        {Kind.VALUE_RETURNED: True},
    ],
)
def test_bad_preferences_are_refused_whole(officer, choices):
    good = {Kind.CLOSURE_PROPOSED: {"in_app": False, "email": False}}
    with pytest.raises(ValidationError):
        services.preferences_save(user=officer, choices={**good, **choices}, actor=officer)
    assert not NotificationPreference.objects.exists()


def test_nobody_changes_another_users_preferences(officer, reviewer):
    with pytest.raises(PermissionDenied):
        services.preferences_save(
            user=officer,
            choices={Kind.VALUE_RETURNED: {"in_app": False, "email": False}},
            actor=reviewer,
        )
    assert not NotificationPreference.objects.exists()


def test_mark_read_touches_only_the_actors_own(officer, reviewer):
    mine = Notification.objects.create(recipient=officer, kind=Kind.VALUE_RETURNED, key="a")
    theirs = Notification.objects.create(recipient=reviewer, kind=Kind.VALUE_RETURNED, key="b")
    assert services.notifications_mark_read(actor=officer, ids=[mine.pk, theirs.pk]) == 1
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert services.notifications_mark_read(actor=officer) == 0


# --- a period about to close ------------------------------------------------------------------


def _closing_period(plan, days_left):
    return PeriodFactory(
        plan=plan,
        label=f"closing-{days_left}",
        start_date=TODAY - datetime.timedelta(days=300),
        end_date=TODAY + datetime.timedelta(days=days_left),
    )


@pytest.mark.parametrize(("days_left", "told"), [(-1, False), (0, True), (7, True), (8, False)])
def test_period_closing_window_boundaries(plan, indicator, officer, days_left, told):
    _closing_period(plan, days_left)
    services.send_period_closing_reminders(today=TODAY)
    assert Notification.objects.filter(kind=Kind.PERIOD_CLOSING).exists() is told


def test_period_closing_counts_only_values_not_yet_submitted(plan, officer, reviewer, undp):
    period = _closing_period(plan, 3)
    a, b, c = (IndicatorFactory(plan=plan, code=code) for code in ("A", "B", "C"))
    IndicatorFactory(plan=plan, code="OLD", is_active=False)
    value_in(a, period, Status.SUBMITTED, officer=officer)
    value_in(b, period, Status.DRAFT, officer=officer)
    outsider = user_with_role(Role.PROGRAMME_OFFICER, undp, username="t-other-officer")
    services.send_period_closing_reminders(today=TODAY)
    note = Notification.objects.get(recipient=officer)
    assert note.params["missing"] == 2  # B (draft) and C (nothing); A is submitted
    assert note.params["due"] == period.end_date.isoformat()
    assert note.url == f"/indicators/entry/{period.pk}/"
    assert not Notification.objects.filter(recipient__in=[reviewer, outsider]).exists()
    assert mail.outbox[0].subject.startswith("2 values missing")
    # the beat task run again the next day says nothing new
    services.send_period_closing_reminders(today=TODAY + datetime.timedelta(days=1))
    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1


def test_period_closing_respects_an_officers_org_unit(plan, unops):
    period = _closing_period(plan, 3)
    unit, other = OrgUnitFactory(entity=unops), OrgUnitFactory(entity=unops)
    IndicatorFactory(plan=plan, code="MINE", org_unit=unit)
    IndicatorFactory(plan=plan, code="THEIRS", org_unit=other)
    narrowed = UserFactory(username="t-unit-officer")
    MembershipFactory(user=narrowed, entity=unops, role=Role.PROGRAMME_OFFICER, org_unit=unit)
    services.send_period_closing_reminders(today=TODAY)
    assert Notification.objects.get(recipient=narrowed).params["missing"] == 1
    del period


def test_closed_or_complete_periods_send_nothing(plan, indicator, officer):
    period = _closing_period(plan, 3)
    period.is_closed = True
    period.save()
    services.send_period_closing_reminders(today=TODAY)
    assert not Notification.objects.exists()


@pytest.mark.parametrize(("due_in", "told"), [(-1, False), (0, True), (7, True), (8, False)])
def test_period_closing_goes_by_the_due_date_when_there_is_one(
    plan, indicator, officer, due_in, told
):
    # Ends long ago (outside the window by its end date), due within it or not.
    period = _closing_period(plan, -60)
    period.due_date = TODAY + datetime.timedelta(days=due_in)
    period.save()
    services.send_period_closing_reminders(today=TODAY)
    notes = Notification.objects.filter(kind=Kind.PERIOD_CLOSING)
    assert notes.exists() is told
    if told:
        assert notes.get().params["due"] == period.due_date.isoformat()


def test_a_due_date_moved_later_is_told_again(plan, indicator, officer):
    period = _closing_period(plan, 3)
    services.send_period_closing_reminders(today=TODAY)
    period.due_date = period.end_date + datetime.timedelta(days=2)
    period.save()
    services.send_period_closing_reminders(today=TODAY)
    dues = sorted(n.params["due"] for n in Notification.objects.filter(recipient=officer))
    assert dues == [period.end_date.isoformat(), period.due_date.isoformat()]


# --- e-mail in the recipient's language -------------------------------------------------------


def test_each_recipient_gets_the_email_in_their_own_language(plan, indicator, unops):
    from entities.services import profile_language_set

    chinese = user_with_role(Role.PROGRAMME_OFFICER, unops, username="t-zh-officer")
    english = user_with_role(Role.PROGRAMME_OFFICER, unops, username="t-en-officer")
    unset = user_with_role(Role.PROGRAMME_OFFICER, unops, username="t-default-officer")
    profile_language_set(user=chinese, language="zh-hans", actor=chinese)
    profile_language_set(user=english, language="en", actor=english)
    period = _closing_period(plan, 3)
    period.due_date = datetime.date(2027, 1, 31)
    period.end_date = datetime.date(2026, 12, 31)
    period.save()
    services.send_period_closing_reminders(today=datetime.date(2027, 1, 28))
    by_to = {m.to[0]: m for m in mail.outbox}
    zh, en, default = by_to[chinese.email], by_to[english.email], by_to[unset.email]
    assert zh.subject == f"{plan.code} closing-3 缺失 1 个数值，截止日期 2027年1月31日"
    assert "value" not in zh.body.lower() and "Enter" not in zh.body
    assert en.subject == f"1 value missing in {plan.code} closing-3, due 31 January 2027"
    assert "Enter and submit them by the due date." in en.body
    assert default.subject == en.subject  # no choice: the site's language (English)
    # The in-app notification still reads in the language of the page that shows it.
    note = Notification.objects.get(recipient=chinese)
    assert note.params["due"] == "2027-01-31"


def test_the_language_is_the_users_own_choice(officer, reviewer):
    from entities.models import Profile
    from entities.services import profile_language_set

    with pytest.raises(PermissionDenied):
        profile_language_set(user=officer, language="zh-hans", actor=reviewer)
    with pytest.raises(ValidationError):
        profile_language_set(user=officer, language="fr", actor=officer)
    assert not Profile.objects.exists()
    profile_language_set(user=officer, language="zh-hans", actor=officer)
    profile_language_set(user=officer, language="zh-hans", actor=officer)  # already so
    assert Profile.objects.get(user=officer).language == "zh-hans"
    assert Event.objects.filter(action="profile.language_set").count() == 1


# --- a closure proposed -----------------------------------------------------------------------


@pytest.fixture
def oios(db):
    return OversightBodyFactory(code="oios", name_en="OIOS")


@pytest.fixture
def rec(oios, unops):
    report = ReportFactory(body=oios, symbol="2021/001", entity=unops)
    return RecommendationFactory(report=report, entity=unops, reference="AR2021/001/01")


def _propose(rec, actor):
    Evidence.objects.create(
        recommendation=rec,
        file="x.pdf",
        original_name="x.pdf",
        content_type="application/pdf",
        size=1,
        uploaded_by=actor,
    )
    return oversight_services.recommendation_propose_closure(
        recommendation=rec,
        actor=actor,
        proposed_status="implemented",
        implementation_date=datetime.date(2024, 1, 1),
        note="Done",
    )


def test_closure_proposed_tells_the_bodys_auditors_only(
    eager_celery, django_capture_on_commit_callbacks, rec, oios, reviewer
):
    auditor = body_auditor(oios, username="t-oios")
    other_body_auditor = body_auditor(OversightBodyFactory(code="boa"), username="t-boa")
    with django_capture_on_commit_callbacks(execute=True):
        _propose(rec, reviewer)
    note = Notification.objects.get()
    assert note.recipient == auditor
    assert note.kind == Kind.CLOSURE_PROPOSED
    assert note.params == {"reference": "AR2021/001/01", "entity": "UNOPS"}
    assert mail.outbox[0].to == [auditor.email]
    assert not Notification.objects.filter(recipient=other_body_auditor).exists()
    # twice: nothing new
    assert tasks.send_closure_proposed(rec.pk) == 1
    assert Notification.objects.count() == 1


def test_closure_already_decided_sends_nothing(rec, oios, reviewer):
    body_auditor(oios, username="t-oios")
    _propose(rec, reviewer)
    rec.review_state = ReviewState.OPEN
    rec.save()
    assert tasks.send_closure_proposed(rec.pk) == 0


def test_an_inactive_auditor_is_not_told(rec, oios, reviewer):
    auditor = body_auditor(oios, username="t-oios")
    auditor.is_active = False
    auditor.save()
    _propose(rec, reviewer)
    assert tasks.send_closure_proposed(rec.pk) == 0


# --- the weekly digest ------------------------------------------------------------------------


def test_weekly_digest_per_focal_point_through_the_task(
    rec, oios, unops, undp, officer, reviewer, monkeypatch
):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)
    report = rec.report
    rec.target_date = TODAY - datetime.timedelta(days=1)  # overdue
    rec.save()
    RecommendationFactory(
        report=report, entity=unops, reference="SOON", target_date=TODAY + datetime.timedelta(30)
    )
    RecommendationFactory(
        report=report, entity=unops, reference="LATER", target_date=TODAY + datetime.timedelta(31)
    )
    RecommendationFactory(
        report=report,
        entity=unops,
        reference="DONE",
        status="implemented",
        implementation_date=datetime.date(2025, 1, 1),
        target_date=TODAY,
    )
    RecommendationFactory(report=report, entity=undp, reference="UNDP-SECRET", target_date=TODAY)
    undp_officer = user_with_role(Role.PROGRAMME_OFFICER, undp, username="t-undp-officer")
    reader = user_with_role(Role.READER, unops, username="t-reader")

    assert tasks.send_recommendation_digests() == 3  # officer, reviewer, undp officer

    note = Notification.objects.get(recipient=officer, kind=Kind.RECOMMENDATIONS_DUE)
    refs = [i["reference"] for i in note.params["items"]]
    assert refs == ["AR2021/001/01", "SOON"]
    assert note.params["overdue"] == 1 and note.params["due_soon"] == 1
    assert "UNDP-SECRET" not in str(note.params)  # no leak across entities
    undp_note = Notification.objects.get(recipient=undp_officer)
    assert [i["reference"] for i in undp_note.params["items"]] == ["UNDP-SECRET"]
    assert not Notification.objects.filter(recipient=reader).exists()
    email = next(m for m in mail.outbox if m.to == [officer.email])
    assert email.subject == "Recommendations: 1 overdue, 1 due soon"
    assert "AR2021/001/01, target date 2026-12-01 — overdue" in email.body

    # run twice in the same week: nothing new; next week: a new digest
    assert tasks.send_recommendation_digests() == 3
    assert Notification.objects.filter(kind=Kind.RECOMMENDATIONS_DUE).count() == 3
    assert len(mail.outbox) == 3
    services.send_recommendation_digests(today=TODAY + datetime.timedelta(days=7))
    assert Notification.objects.filter(recipient=officer).count() == 2


def test_digest_honours_the_preference(rec, officer):
    services.preferences_save(
        user=officer,
        choices={Kind.RECOMMENDATIONS_DUE: {"in_app": False, "email": False}},
        actor=officer,
    )
    services.send_recommendation_digests(today=TODAY)
    assert not Notification.objects.filter(recipient=officer).exists()


def test_beat_schedules_the_reminders_in_code():
    from resultsframework.celery import app

    tasks_scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "notifications.tasks.send_recommendation_digests" in tasks_scheduled
    assert "notifications.tasks.send_period_closing_reminders" in tasks_scheduled


def test_texts_read_in_chinese():
    from django.utils import translation

    from notifications import texts

    note = Notification(
        kind=Kind.PERIOD_CLOSING,
        params={"missing": 3, "plan": "sp", "period": "2026", "due": "2026-12-31"},
    )
    with translation.override("zh-hans"):
        assert texts.subject(note) == "sp 2026 缺失 3 个数值，截止日期 2026年12月31日"
    with translation.override("en"):
        assert texts.subject(note) == "3 values missing in sp 2026, due 31 December 2026"


def test_demo_load_is_idempotent(rec, officer, monkeypatch):
    from django.utils import timezone

    from notifications import demo

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)
    assert demo.load() == 1
    assert demo.load() == 1
    assert Notification.objects.count() == 1
