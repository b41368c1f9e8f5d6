from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from audit.models import Event
from indicators import services
from indicators.choices import Status, ValueKind
from indicators.models import Part, Value
from tests.indicators.factories import IndicatorFactory, value_in

pytestmark = pytest.mark.django_db


def test_officer_saves_draft_with_event_and_history(officer, indicator, period):
    value = services.value_save(
        indicator=indicator, period=period, data={"numeric_value": Decimal("12.5")}, actor=officer
    )
    assert value.status == Status.DRAFT and value.version == 1
    assert value.numeric_value == Decimal("12.5")
    event = Event.objects.get(action="value.saved")
    assert event.actor == officer and event.payload["new"]["numeric_value"] == "12.5"
    assert [e.pgh_label for e in value.events.all()] == ["insert"]


def test_full_workflow(officer, reviewer, indicator, period):
    value = value_in(indicator, period, Status.SUBMITTED, officer=officer)
    value = services.value_return(value=value, actor=reviewer, reason="Wrong source")
    assert value.status == Status.RETURNED and value.return_reason == "Wrong source"
    value = services.value_save(
        indicator=indicator,
        period=period,
        data={"numeric_value": Decimal("13")},
        actor=officer,
        expected_version=value.version,
    )
    value = services.value_submit(value=value, actor=officer)
    value = services.value_approve(value=value, actor=reviewer)
    assert value.status == Status.APPROVED
    actions = list(Event.objects.for_target(value).order_by("id").values_list("action", flat=True))
    assert actions == [
        "value.saved",
        "value.submitted",
        "value.returned",
        "value.saved",
        "value.submitted",
        "value.approved",
    ]


def test_approved_value_is_locked_until_reopened(officer, reviewer, indicator, period):
    value = value_in(indicator, period, Status.APPROVED, officer=officer, reviewer=reviewer)
    with pytest.raises(ValidationError) as exc:
        services.value_save(
            indicator=indicator, period=period, data={"numeric_value": Decimal("1")}, actor=officer
        )
    assert "approved and locked" in str(exc.value)
    with pytest.raises(ValidationError):
        services.value_reopen(value=value, actor=reviewer, reason="  ")
    value = services.value_reopen(value=value, actor=reviewer, reason="Typo in the figure")
    assert value.status == Status.RETURNED
    services.value_save(
        indicator=indicator, period=period, data={"numeric_value": Decimal("1")}, actor=officer
    )


def test_reviewer_cannot_approve_own_entry(reviewer, officer, indicator, period, unops):
    from entities.choices import Role
    from tests.factories import MembershipFactory

    MembershipFactory(user=reviewer, entity=unops, role=Role.PROGRAMME_OFFICER)
    value = value_in(indicator, period, Status.SUBMITTED, officer=reviewer)
    with pytest.raises(PermissionDenied, match="entered or submitted yourself"):
        services.value_approve(value=value, actor=reviewer)
    assert Value.objects.get().status == Status.SUBMITTED


def test_stale_version_is_refused(officer, indicator, period):
    value = services.value_save(
        indicator=indicator, period=period, data={"numeric_value": Decimal("1")}, actor=officer
    )
    services.value_save(
        indicator=indicator,
        period=period,
        data={"numeric_value": Decimal("2")},
        actor=officer,
        expected_version=1,
    )
    with pytest.raises(services.StaleVersion) as exc:
        services.value_save(
            indicator=indicator,
            period=period,
            data={"numeric_value": Decimal("3")},
            actor=officer,
            expected_version=value.version,
        )
    assert exc.value.value.numeric_value == Decimal("2")
    assert Value.objects.get().numeric_value == Decimal("2")


def test_closed_period_refuses_entries(officer, reviewer, indicator, period):
    services.period_upsert(plan=period.plan, label=period.label, actor=reviewer, is_closed=True)
    period.refresh_from_db()
    with pytest.raises(ValidationError, match="closed"):
        services.value_save(
            indicator=indicator, period=period, data={"numeric_value": Decimal("1")}, actor=officer
        )
    assert not Value.objects.exists()


@pytest.mark.parametrize(
    "kind,data,field,message",
    [
        (
            ValueKind.PERCENT,
            {"numeric_value": Decimal("101")},
            "numeric_value",
            "between 0 and 100",
        ),
        (ValueKind.NUMBER, {"numeric_value": Decimal("1.25")}, "numeric_value", "decimal places"),
        (ValueKind.NUMBER, {"text_value": "many"}, "numeric_value", "Enter a number"),
        (ValueKind.YES_NO, {}, "bool_value", "yes or no"),
        (ValueKind.TEXT, {"text_value": "  "}, "text_value", "qualitative"),
        (ValueKind.CURRENCY, {"numeric_value": Decimal("5"), "currency": "EUR"}, "currency", "USD"),
        (ValueKind.NUMBER, {"is_missing": True}, "footnote", "footnote"),
        (ValueKind.PARTS, {"parts": {"pooled": Decimal("1")}}, "parts", "thematic"),
    ],
)
def test_bad_values_are_refused_with_message(officer, plan, period, kind, data, field, message):
    indicator = IndicatorFactory(plan=plan, value_kind=kind, decimals=1)
    with pytest.raises(ValidationError) as exc:
        services.value_save(indicator=indicator, period=period, data=data, actor=officer)
    assert message in " ".join(exc.value.message_dict[field])
    assert not Value.objects.exists()
    assert not Event.objects.filter(action="value.saved").exists()


def test_parts_value_stores_child_rows(officer, plan, period):
    indicator = IndicatorFactory(plan=plan, value_kind=ValueKind.PARTS, decimals=0)
    value = services.value_save(
        indicator=indicator,
        period=period,
        data={"parts": {"pooled": Decimal("59"), "thematic": Decimal("27")}},
        actor=officer,
    )
    assert {p.code: p.numeric_value for p in value.parts.all()} == {
        "pooled": Decimal("59"),
        "thematic": Decimal("27"),
    }
    assert value.numeric_value is None


@pytest.mark.parametrize(
    "kind,columns",
    [
        (ValueKind.NUMBER, {"bool_value": True}),
        (ValueKind.PERCENT, {"numeric_value": Decimal("150")}),
        (ValueKind.YES_NO, {"numeric_value": Decimal("1")}),
        (ValueKind.TEXT, {"text_value": ""}),
        (ValueKind.CURRENCY, {"numeric_value": Decimal("1"), "currency": ""}),
        (ValueKind.PARTS, {"numeric_value": Decimal("1")}),
    ],
)
def test_database_refuses_columns_that_do_not_match_kind(officer, plan, period, kind, columns):
    indicator = IndicatorFactory(plan=plan, value_kind=kind)
    with pytest.raises(IntegrityError), transaction.atomic():
        Value.objects.create(indicator=indicator, period=period, kind=kind, **columns)


def test_database_refuses_missing_without_footnote(plan, period):
    indicator = IndicatorFactory(plan=plan)
    with pytest.raises(IntegrityError), transaction.atomic():
        Value.objects.create(indicator=indicator, period=period, kind="number", is_missing=True)


def test_part_needs_exactly_one_owner():
    with pytest.raises(IntegrityError), transaction.atomic():
        Part.objects.create(code="x", numeric_value=1)


def test_baseline_and_target_are_maintained_by_reviewers(reviewer, officer, indicator):
    data = {
        "numeric_value": Decimal("5"),
        "period_start": date(2025, 1, 1),
        "period_end": date(2025, 12, 31),
    }
    with pytest.raises(PermissionDenied):
        services.baseline_set(indicator=indicator, actor=officer, data=data)
    baseline = services.baseline_set(indicator=indicator, actor=reviewer, data=data)
    assert baseline.numeric_value == Decimal("5")
    target = services.target_set(
        indicator=indicator, year=2027, actor=reviewer, data={"numeric_value": Decimal("7")}
    )
    assert target.year == 2027
    assert Event.objects.filter(action__in=["baseline.set", "target.set"]).count() == 2


@pytest.mark.parametrize(
    "raw,expected",
    [("1 234.5", "1234.5"), ("1,234,567.25", "1234567.25"), ("45.5%", "45.5"), (59.0, "59")],
)
def test_numbers_people_write(plan, raw, expected):
    from indicators.parsing import parse_value

    indicator = IndicatorFactory(plan=plan, value_kind=ValueKind.PERCENT)
    assert parse_value(indicator, raw)["numeric_value"] == Decimal(expected)


@pytest.mark.parametrize("raw", ["12,5", "1,23", "abc", "1.2.3", "NaN", "Infinity"])
def test_numbers_refused_not_guessed(plan, raw):
    from indicators.parsing import parse_value

    indicator = IndicatorFactory(plan=plan, value_kind=ValueKind.NUMBER)
    with pytest.raises(ValidationError) as exc:
        parse_value(indicator, raw)
    assert "is not a number" in exc.value.messages[0]


def test_concurrent_create_is_a_conflict_not_an_error(officer, indicator, period, monkeypatch):
    """Two officers create the same value at once: the second insert loses the race and is
    told so with the value that won, as with a stale version."""
    from indicators.services import values as value_services

    real_check = value_services.value_check

    def check_then_other_officer_saves(**kwargs):
        result = real_check(**kwargs)
        Value.objects.create(
            indicator=indicator, period=period, kind="number", numeric_value=Decimal("99")
        )
        return result

    monkeypatch.setattr(value_services, "value_check", check_then_other_officer_saves)
    with pytest.raises(services.StaleVersion) as exc:
        services.value_save(
            indicator=indicator,
            period=period,
            data={"numeric_value": Decimal("1")},
            actor=officer,
            expected_version=0,
        )
    assert exc.value.value.numeric_value == Decimal("99")


def test_row_history_names_the_actor_for_bulk_writes(officer, plan, period):
    indicators = [IndicatorFactory(plan=plan) for _ in range(3)]
    services.values_save(
        period=period,
        rows=[{"indicator": i, "data": {"numeric_value": Decimal("1")}} for i in indicators],
        actor=officer,
    )
    history = Value.pgh_event_model.objects.select_related("pgh_context")
    assert history.count() == 3
    assert {h.pgh_context.metadata["user"] for h in history} == {officer.pk}


def test_ratings_are_the_progress_statuses():
    from indicators import progress
    from indicators.choices import Rating

    assert set(Rating.values) == set(progress.STATUSES)


def test_a_part_may_be_missing_when_the_footnote_says_why(officer, plan, period):
    """Printed "46 和-a": the thematic part was not provided (footnote a)."""
    indicator = IndicatorFactory(plan=plan, value_kind=ValueKind.PARTS, decimals=0)
    value = services.value_save(
        indicator=indicator,
        period=period,
        actor=officer,
        data={"parts": {"pooled": Decimal("46"), "thematic": None}, "footnote": "a: not provided"},
    )
    assert {p.code: p.numeric_value for p in value.parts.all()} == {
        "pooled": Decimal("46"),
        "thematic": None,
    }


@pytest.mark.parametrize(
    ("parts", "footnote"),
    [
        ({"pooled": Decimal("46"), "thematic": None}, ""),  # no reason given
        ({"pooled": None, "thematic": None}, "a: not provided"),  # nothing left: use "missing"
    ],
)
def test_a_missing_part_needs_a_footnote_and_another_part(officer, plan, period, parts, footnote):
    indicator = IndicatorFactory(plan=plan, value_kind=ValueKind.PARTS, decimals=0)
    with pytest.raises(ValidationError) as error:
        services.value_save(
            indicator=indicator,
            period=period,
            actor=officer,
            data={"parts": parts, "footnote": footnote},
        )
    assert "parts" in error.value.message_dict
    assert not Value.objects.filter(indicator=indicator).exists()


# --- many values at once, and closing a period --------------------------------------------


def _submitted(plan, period, officer, n, **kwargs):
    return [
        value_in(IndicatorFactory(plan=plan, **kwargs), period, Status.SUBMITTED, officer=officer)
        for _ in range(n)
    ]


def test_bulk_approve_checks_each_value_on_its_own(
    officer, reviewer, plan, period, unops, undp_plan, officer_undp
):
    from entities.choices import Role
    from tests.factories import MembershipFactory
    from tests.indicators.factories import PeriodFactory

    fine = _submitted(plan, period, officer, 2)
    stale = _submitted(plan, period, officer, 1)[0]
    text_ind = IndicatorFactory(plan=plan, value_kind=ValueKind.TEXT)
    text = services.value_save(
        indicator=text_ind, period=period, data={"text_value": "Good"}, actor=officer
    )
    text = services.value_submit(value=text, actor=officer)
    MembershipFactory(user=reviewer, entity=unops, role=Role.PROGRAMME_OFFICER)
    own = value_in(IndicatorFactory(plan=plan), period, Status.SUBMITTED, officer=reviewer)
    draft = value_in(IndicatorFactory(plan=plan), period, officer=officer)
    other_entity = value_in(
        IndicatorFactory(plan=undp_plan),
        PeriodFactory(plan=undp_plan),
        Status.SUBMITTED,
        officer=officer_undp,
    )
    items = [(v.pk, v.version) for v in (*fine, own, draft, text, other_entity)]
    items.insert(2, (stale.pk, stale.version - 1))
    results = services.values_bulk_transition(action="approve", items=items, actor=reviewer)

    by_id = {r["id"]: r for r in results}
    assert [r["id"] for r in results] == [pk for pk, _v in items]
    assert all(by_id[v.pk]["ok"] and by_id[v.pk]["status"] == Status.APPROVED for v in fine)
    assert "changed by someone else" in by_id[stale.pk]["error"]
    assert "entered or submitted yourself" in by_id[own.pk]["error"]
    assert by_id[draft.pk]["error"] and not by_id[draft.pk]["ok"]
    assert by_id[text.pk]["error"] == "Rate the qualitative value before approving it."
    assert by_id[other_entity.pk] == {
        "id": other_entity.pk,
        "ok": False,
        "status": "",
        "version": None,
        "error": "No such value.",
        "value": None,
    }
    approved = set(Value.objects.filter(status=Status.APPROVED).values_list("pk", flat=True))
    assert approved == {v.pk for v in fine}
    events = Event.objects.filter(action="value.approved")
    assert sorted(int(e.target_id) for e in events) == sorted(v.pk for v in fine)
    assert all(e.actor == reviewer for e in events)


def test_bulk_return_needs_one_reason_and_records_it_on_each(officer, reviewer, plan, period):
    values = _submitted(plan, period, officer, 3)
    items = [(v.pk, v.version) for v in values]
    for reason in ("", "   "):
        with pytest.raises(ValidationError, match="Give a reason"):
            services.values_bulk_transition(
                action="return", items=items, actor=reviewer, reason=reason
            )
    assert not Value.objects.exclude(status=Status.SUBMITTED).exists()
    results = services.values_bulk_transition(
        action="return", items=items, actor=reviewer, reason="Attach the source"
    )
    assert all(r["ok"] for r in results)
    assert set(Value.objects.values_list("return_reason", flat=True)) == {"Attach the source"}
    events = Event.objects.filter(action="value.returned")
    assert events.count() == 3 and {e.reason for e in events} == {"Attach the source"}


def test_bulk_refuses_bad_requests_before_writing(officer, reviewer, plan, period):
    value = _submitted(plan, period, officer, 1)[0]
    bad = [
        ({"action": "delete", "items": [(value.pk, value.version)]}, "Choose submit"),
        ({"action": "approve", "items": []}, "Select at least one"),
        ({"action": "approve", "items": [(value.pk, 2), (value.pk, 2)]}, "appears twice"),
        (
            {"action": "approve", "items": [(i, 1) for i in range(services.BULK_LIMIT + 1)]},
            "at most 500",
        ),
    ]
    for kwargs, message in bad:
        with pytest.raises(ValidationError, match=message):
            services.values_bulk_transition(actor=reviewer, **kwargs)
    assert Value.objects.get().status == Status.SUBMITTED
    # The boundary: exactly BULK_LIMIT items is accepted (unknown ids are answered one by one).
    results = services.values_bulk_transition(
        action="approve",
        items=[(value.pk, value.version)] + [(-i, 1) for i in range(1, services.BULK_LIMIT)],
        actor=reviewer,
    )
    assert len(results) == services.BULK_LIMIT and results[0]["ok"]


def test_officer_cannot_bulk_approve_but_bulk_submits(officer, plan, period):
    drafts = [value_in(IndicatorFactory(plan=plan), period, officer=officer) for _ in range(2)]
    items = [(v.pk, v.version) for v in drafts]
    refused = services.values_bulk_transition(action="approve", items=items, actor=officer)
    assert not any(r["ok"] for r in refused) and all(r["error"] for r in refused)
    done = services.values_bulk_transition(action="submit", items=items, actor=officer)
    assert all(r["ok"] and r["status"] == Status.SUBMITTED for r in done)
    assert Event.objects.filter(action="value.submitted").count() == 2


def test_bulk_within_a_period_ignores_values_of_another(officer, plan, period):
    from tests.indicators.factories import PeriodFactory

    other = PeriodFactory(plan=plan, label="2027", start_date="2027-01-01", end_date="2027-12-31")
    value = value_in(IndicatorFactory(plan=plan), other, officer=officer)
    results = services.values_bulk_transition(
        action="submit", items=[(value.pk, value.version)], actor=officer, period=period
    )
    assert results[0]["error"] == "No such value."
    assert Value.objects.get().status == Status.DRAFT


def test_closing_a_period_needs_a_reason_and_is_audited(officer, reviewer, indicator, period):
    value_in(indicator, period, officer=officer)
    with pytest.raises(PermissionDenied):
        services.period_set_closed(period=period, closed=True, actor=officer, reason="Done")
    for reason in ("", "  ", None):
        with pytest.raises(ValidationError, match="Give a reason"):
            services.period_set_closed(period=period, closed=True, actor=reviewer, reason=reason)
    period.refresh_from_db()
    assert not period.is_closed and not Event.objects.filter(action="period.closed").exists()
    services.period_set_closed(
        period=period, closed=True, actor=reviewer, reason="Reporting deadline passed"
    )
    period.refresh_from_db()
    assert period.is_closed
    event = Event.objects.get(action="period.closed")
    assert event.actor == reviewer and event.reason == "Reporting deadline passed"
    assert event.payload == {"open_values": 1}
    # Closing again writes nothing more; opening needs a reason too.
    services.period_set_closed(period=period, closed=True, actor=reviewer, reason="again")
    assert Event.objects.filter(action="period.closed").count() == 1
    services.period_set_closed(period=period, closed=False, actor=reviewer, reason="Late data")
    assert Event.objects.get(action="period.opened").reason == "Late data"


def test_other_entity_reviewer_cannot_close_period(period, undp):
    from entities.choices import Role
    from tests.factories import user_with_role

    stranger = user_with_role(Role.REVIEWER, undp, username="rev-undp")
    with pytest.raises(PermissionDenied):
        services.period_set_closed(period=period, closed=True, actor=stranger, reason="x")
    period.refresh_from_db()
    assert not period.is_closed
