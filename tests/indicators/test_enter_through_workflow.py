"""values_enter_through_workflow: many new values entered and brought through the workflow at
once (the demo loaders' path) leave what the one-value services leave — statuses, versions,
audit events, row history, progress marks, the returned signal — and refuse what they refuse,
before anything is written."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import Event
from indicators import services
from indicators.choices import Status, ValueKind
from indicators.models import ProgressDirty, Value
from indicators.signals import value_returned
from tests.indicators.factories import IndicatorFactory, PeriodFactory, value_in

pytestmark = pytest.mark.django_db

STATUSES = (Status.DRAFT, Status.SUBMITTED, Status.APPROVED, Status.RETURNED)


def _rows(plan, periods, statuses=STATUSES):
    rows = []
    for i, status in enumerate(statuses):
        row = {
            "indicator": IndicatorFactory(plan=plan),
            "period": periods[i % len(periods)],
            "data": {"numeric_value": Decimal(10 + i)},
            "status": status,
        }
        if status == Status.RETURNED:
            row["reason"] = "Check the source"
        rows.append(row)
    return rows


def _trail(value):
    """What a value leaves behind, without ids and times."""
    events = Event.objects.for_target(value).order_by("id")
    history = Value.pgh_event_model.objects.filter(pgh_obj_id=value.pk).order_by("pgh_id")
    return {
        "value": Value.objects.filter(pk=value.pk)
        .values(
            "status", "version", "numeric_value", "return_reason", "rating",
            "entered_by", "submitted_by", "reviewed_by",
        )
        .get(),
        "events": [
            (e.action, e.actor_id, e.reason, e.entity_id, e.target_repr,
             e.payload)
            for e in events
        ],
        "history": [
            (h.pgh_label, h.status, h.version, h.pgh_context.metadata["user"]) for h in history
        ],
    }  # fmt: skip


def test_many_values_leave_what_one_at_a_time_leaves(officer, reviewer, plan):
    periods = [PeriodFactory(plan=plan, label="2026"), PeriodFactory(plan=plan, label="2027")]
    returned = []

    def on_returned(sender, value, actor, reason, **kwargs):
        returned.append((value.pk, actor, reason))

    value_returned.connect(on_returned, dispatch_uid="test-enter-returned")
    try:
        rows = _rows(plan, periods)
        values = services.values_enter_through_workflow(
            rows=rows, officer=officer, reviewer=reviewer
        )
    finally:
        value_returned.disconnect(dispatch_uid="test-enter-returned")
    assert [(v.status, v.version) for v in values] == [
        (Status.DRAFT, 1),
        (Status.SUBMITTED, 2),
        (Status.APPROVED, 3),
        (Status.RETURNED, 3),
    ]
    assert returned == [(values[3].pk, reviewer, "Check the source")]
    assert set(ProgressDirty.objects.values_list("indicator_id", flat=True)) >= {
        values[2].indicator_id
    }

    # The same values, one at a time, through the one-value services.
    one_by_one = [
        value_in(
            IndicatorFactory(plan=plan, code=f"{row['indicator'].code}-1"),
            row["period"],
            row["status"],
            officer=officer,
            reviewer=reviewer,
            number=str(row["data"]["numeric_value"]),
        )
        for row in rows
    ]
    for many, one in zip(values, one_by_one, strict=True):
        a, b = _trail(many), _trail(one)
        # The only differences: the target's own words (its indicator code) and id.
        for trail in (a, b):
            trail["events"] = [(*e[:4], e[5]) for e in trail["events"]]
        assert a == b
        assert len(a["events"]) == {Status.DRAFT: 1, Status.SUBMITTED: 2}.get(many.status, 3)


@pytest.mark.parametrize("missing", [False, True])
def test_an_approved_qualitative_value_needs_a_rating(officer, reviewer, plan, period, missing):
    indicator = IndicatorFactory(plan=plan, value_kind=ValueKind.TEXT)
    data = {"is_missing": True, "footnote": "Not collected"} if missing else {"text_value": "Ok"}
    row = {"indicator": indicator, "period": period, "data": data, "status": Status.APPROVED}
    if missing:  # a missing value is not rated, and needs no rating
        values = services.values_enter_through_workflow(
            rows=[row], officer=officer, reviewer=reviewer
        )
        assert values[0].status == Status.APPROVED and values[0].rating == ""
        return
    with pytest.raises(ValidationError, match="Rate the qualitative value"):
        services.values_enter_through_workflow(rows=[row], officer=officer, reviewer=reviewer)
    row["rating"] = "on_track"
    (value,) = services.values_enter_through_workflow(
        rows=[row], officer=officer, reviewer=reviewer
    )
    assert Value.objects.get(pk=value.pk).rating == "on_track"
    assert Event.objects.get(action="value.approved").payload["rating"] == "on_track"


def test_a_number_carries_no_rating(officer, reviewer, plan, period):
    row = _rows(plan, [period], [Status.APPROVED])[0]
    row["rating"] = "on_track"
    with pytest.raises(ValidationError, match="Only qualitative values carry a rating"):
        services.values_enter_through_workflow(rows=[row], officer=officer, reviewer=reviewer)
    assert not Value.objects.exists() and not Event.objects.exists()


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_a_return_needs_a_reason(officer, reviewer, plan, period, reason):
    row = _rows(plan, [period], [Status.RETURNED])[0]
    row["reason"] = reason
    with pytest.raises(ValidationError, match="Give a reason"):
        services.values_enter_through_workflow(rows=[row], officer=officer, reviewer=reviewer)
    assert not Value.objects.exists() and not Event.objects.exists()


def test_an_existing_value_is_refused_before_anything_is_written(officer, reviewer, plan, period):
    rows = _rows(plan, [period], [Status.APPROVED, Status.APPROVED])
    value_in(rows[1]["indicator"], period, officer=officer)
    with pytest.raises(services.StaleVersion):
        services.values_enter_through_workflow(rows=rows, officer=officer, reviewer=reviewer)
    assert Value.objects.count() == 1 and Event.objects.filter(action="value.saved").count() == 1


def test_the_same_value_twice_is_refused(officer, reviewer, plan, period):
    rows = _rows(plan, [period], [Status.DRAFT])
    with pytest.raises(ValidationError, match="appears twice"):
        services.values_enter_through_workflow(
            rows=[rows[0], dict(rows[0])], officer=officer, reviewer=reviewer
        )
    assert not Value.objects.exists()


def test_nobody_approves_what_they_entered(officer, plan, period, unops):
    from entities.choices import Role
    from tests.factories import MembershipFactory

    MembershipFactory(user=officer, entity=unops, role=Role.REVIEWER)
    rows = _rows(plan, [period], [Status.SUBMITTED, Status.APPROVED])
    with pytest.raises(PermissionDenied, match="entered or submitted yourself"):
        services.values_enter_through_workflow(rows=rows, officer=officer, reviewer=officer)
    assert not Value.objects.exists() and not Event.objects.exists()


def test_an_officer_of_another_entity_enters_nothing(officer_undp, reviewer, plan, period):
    rows = _rows(plan, [period], [Status.DRAFT])
    with pytest.raises(PermissionDenied):
        services.values_enter_through_workflow(rows=rows, officer=officer_undp, reviewer=reviewer)
    assert not Value.objects.exists()


def test_a_closed_period_takes_no_entries(officer, reviewer, plan):
    period = PeriodFactory(plan=plan, is_closed=True)
    rows = _rows(plan, [period], [Status.APPROVED])
    with pytest.raises(ValidationError, match="closed"):
        services.values_enter_through_workflow(rows=rows, officer=officer, reviewer=reviewer)
    assert not Value.objects.exists()


def test_no_rows_write_nothing(officer, reviewer):
    assert services.values_enter_through_workflow(rows=[], officer=officer, reviewer=reviewer) == []
