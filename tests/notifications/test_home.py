"""The work lists of the home page: each shows only what the user may act on, with a count and
the first rows, in a number of queries that does not grow with the rows."""

import datetime

import pytest
from django.utils import timezone

from entities.choices import Role
from indicators.choices import Status
from notifications.selectors import work_lists
from oversight.choices import ReviewState
from tests.factories import MembershipFactory, OrgUnitFactory, UserFactory, user_with_role
from tests.indicators.factories import IndicatorFactory, PeriodFactory, PlanFactory, value_in
from tests.oversight.factories import (
    OversightBodyFactory,
    RecommendationFactory,
    ReportFactory,
    body_auditor,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(unops):
    return PlanFactory(entity=unops)


@pytest.fixture
def period(plan):
    return PeriodFactory(plan=plan, label="2026", end_date=datetime.date(2026, 12, 31))


def _home(client, user):
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response


def test_officer_sees_values_to_enter_with_the_due_date(client, plan, period, officer, undp):
    a, b, c = (IndicatorFactory(plan=plan, code=code) for code in ("A", "B", "C"))
    value_in(a, period, Status.SUBMITTED, officer=officer)
    value_in(b, period, Status.DRAFT, officer=officer)
    closed = PeriodFactory(plan=plan, label="2025", is_closed=True)
    PlanFactory(entity=undp, code="undp")
    PeriodFactory(plan=PlanFactory(entity=undp, code="undp"), label="UNDP-2026")
    response = _home(client, officer)
    work = response.context["work"]
    assert work["to_enter"].count == 1
    [row] = work["to_enter"].rows
    assert row == period and row.missing == 2  # B (draft) and C (nothing)
    html = response.content.decode()
    assert "2026-12-31" in html and f'href="/indicators/entry/{period.pk}/"' in html
    assert closed not in work["to_enter"].rows


def test_the_work_list_shows_and_orders_by_the_due_date(client, plan, period, officer):
    IndicatorFactory(plan=plan, code="A")
    later = PeriodFactory(
        plan=plan, label="2027", start_date=datetime.date(2027, 1, 1),
        end_date=datetime.date(2027, 12, 31),
    )  # fmt: skip
    period.due_date = datetime.date(2028, 1, 31)  # due after the later period ends
    period.save()
    response = _home(client, officer)
    assert response.context["work"]["to_enter"].rows == [later, period]
    html = response.content.decode()
    assert "2028-01-31" in html and "2026-12-31" not in html


def test_officer_narrowed_to_an_org_unit_counts_only_its_indicators(client, plan, period, unops):
    unit, other = OrgUnitFactory(entity=unops), OrgUnitFactory(entity=unops)
    IndicatorFactory(plan=plan, code="MINE", org_unit=unit)
    IndicatorFactory(plan=plan, code="SHARED")
    IndicatorFactory(plan=plan, code="THEIRS", org_unit=other)
    narrowed = UserFactory(username="t-unit-officer")
    MembershipFactory(user=narrowed, entity=unops, role=Role.PROGRAMME_OFFICER, org_unit=unit)
    [row] = work_lists(narrowed)["to_enter"].rows
    assert row.missing == 2


def test_returned_values_show_the_reason(client, plan, period, officer, reviewer, undp):
    value = value_in(
        IndicatorFactory(plan=plan), period, Status.RETURNED, officer=officer, reviewer=reviewer
    )
    undp_officer = user_with_role(Role.PROGRAMME_OFFICER, undp, username="t-undp-officer")
    response = _home(client, officer)
    assert response.context["work"]["returned"].rows == [value]
    html = response.content.decode()
    assert "Check the source" in html and f'href="/indicators/values/{value.pk}/"' in html
    assert work_lists(undp_officer)["returned"].count == 0
    assert work_lists(reviewer)["returned"].count == 0  # reviewers do not correct values


def test_returned_values_of_a_closed_period_are_not_work(plan, period, officer, reviewer):
    value_in(
        IndicatorFactory(plan=plan), period, Status.RETURNED, officer=officer, reviewer=reviewer
    )
    period.is_closed = True
    period.save()
    assert work_lists(officer)["returned"].count == 0


def test_reviewer_sees_submitted_values_but_never_their_own(plan, period, officer, unops, undp):
    submitted = value_in(IndicatorFactory(plan=plan), period, Status.SUBMITTED, officer=officer)
    both = user_with_role(Role.REVIEWER, unops, username="t-both")
    MembershipFactory(user=both, entity=unops, role=Role.PROGRAMME_OFFICER)
    own = value_in(IndicatorFactory(plan=plan), period, Status.SUBMITTED, officer=both)
    other_reviewer = user_with_role(Role.REVIEWER, undp, username="t-undp-reviewer")
    assert work_lists(both)["to_review"].rows == [submitted]
    assert own not in work_lists(both)["to_review"].rows
    assert work_lists(other_reviewer)["to_review"].count == 0
    assert work_lists(officer)["to_review"].count == 0


@pytest.fixture
def oios(db):
    return OversightBodyFactory(code="oios", name_en="OIOS")


@pytest.fixture
def report(oios, unops):
    return ReportFactory(body=oios, symbol="2021/001", entity=unops)


def test_focal_points_see_recommendations_due_or_overdue(client, report, unops, undp, officer):
    today = timezone.localdate()
    day = datetime.timedelta(days=1)

    def rec(ref, target, entity=unops, **kw):
        return RecommendationFactory(
            report=report, entity=entity, reference=ref, target_date=target, **kw
        )

    overdue = rec("OVERDUE", today - day)
    edge = rec("EDGE", today + 30 * day)
    rec("LATER", today + 31 * day)
    rec("NO-DATE", None)
    rec("PROPOSED", today, review_state=ReviewState.CLOSURE_PROPOSED)
    rec("DONE", today, status="implemented", implementation_date=datetime.date(2025, 1, 1))
    rec("UNDP", today, entity=undp)
    reader = user_with_role(Role.READER, unops, username="t-reader")
    response = _home(client, officer)
    work = response.context["work"]["recommendations"]
    assert work.rows == [overdue, edge]
    assert [r.is_overdue for r in work.rows] == [True, False]
    html = response.content.decode()
    assert "Overdue" in html and "Due soon" in html and "UNDP" not in html.split("work-lists")[1]
    assert work_lists(reader)["recommendations"].count == 0


def test_auditors_see_closures_of_their_own_body_only(client, report, unops, oios):
    proposed = RecommendationFactory(
        report=report, entity=unops, review_state=ReviewState.CLOSURE_PROPOSED
    )
    RecommendationFactory(report=report, entity=unops)  # open: nothing to decide
    auditor = body_auditor(oios, username="t-oios")
    other = body_auditor(OversightBodyFactory(code="boa"), username="t-boa")
    plain_auditor = user_with_role(Role.AUDITOR, None, username="t-plain-auditor")
    response = _home(client, auditor)
    assert response.context["work"]["closures"].rows == [proposed]
    assert f'href="/oversight/recommendations/{proposed.pk}/"' in response.content.decode()
    assert work_lists(other)["closures"].count == 0
    assert work_lists(plain_auditor)["closures"].count == 0


def test_nothing_waits_for_a_reader(client, unops):
    reader = user_with_role(Role.READER, unops, username="t-reader")
    response = _home(client, reader)
    assert 'id="work-empty"' in response.content.decode()


def test_superuser_home_works(client):
    admin = UserFactory(username="t-root", is_superuser=True, is_staff=True)
    assert all(wl.count == 0 for wl in _home(client, admin).context["work"].values())


def test_rows_are_capped_and_the_count_is_total(plan, officer):
    for i in range(12):
        PeriodFactory(plan=plan, label=f"P{i}")
    IndicatorFactory(plan=plan)
    work = work_lists(officer, limit=5)["to_enter"]
    assert work.count == 12 and len(work.rows) == 5


def _fill(plan, period, report, unops, officer, reviewer, focal, auditor, n):
    """n rows in every list."""
    for i in range(n):
        PeriodFactory(plan=plan, label=f"E{n}-{i}")  # an open period with nothing entered
        ind = IndicatorFactory(plan=plan)
        value_in(ind, period, Status.SUBMITTED, officer=officer)
        value_in(
            ind,
            PeriodFactory(plan=plan, label=f"R{n}-{i}"),
            Status.RETURNED,
            officer=focal,
            reviewer=reviewer,
        )
        RecommendationFactory(report=report, entity=unops, target_date=timezone.localdate())
        RecommendationFactory(
            report=report, entity=unops, review_state=ReviewState.CLOSURE_PROPOSED
        )


def test_home_query_count_does_not_grow_with_rows(
    client, plan, period, report, unops, oios, officer, reviewer, django_assert_max_num_queries
):
    # One user in every list: officer and reviewer of UNOPS, auditor of OIOS.
    busy = user_with_role(Role.PROGRAMME_OFFICER, unops, username="t-busy")
    MembershipFactory(user=busy, entity=unops, role=Role.REVIEWER)
    from oversight.models import OversightBodyMember

    OversightBodyMember.objects.create(body=oios, user=busy)
    _fill(plan, period, report, unops, officer, reviewer, busy, busy, 1)
    client.force_login(busy)
    with django_assert_max_num_queries(30) as few:
        response = client.get("/")
    assert response.status_code == 200
    assert all(wl.count >= 1 for wl in response.context["work"].values())
    _fill(plan, period, report, unops, officer, reviewer, busy, busy, 15)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/")
    assert response.status_code == 200
    assert all(wl.count >= 10 for wl in response.context["work"].values())
