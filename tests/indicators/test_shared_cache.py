"""The shared cache of lists and pages (core.cache): a cached page shows each kind of write at
once (the write moves its scope's generation), readers who see differently never share an
entry, a warm hit costs a few queries, nothing for one user is shared."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import cache as shared
from entities.choices import Role
from indicators import services
from indicators.choices import ImportStatus, Status
from indicators.models import Indicator, Value
from indicators.services import progress as engine
from tests.factories import MembershipFactory, OrgUnitFactory, UserFactory, api_token
from tests.indicators.factories import (
    IndicatorFactory,
    NodeFactory,
    PeriodFactory,
    PlanFactory,
    value_in,
    with_framework,
)
from tests.indicators.test_excel import workbook

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 11, 1)


def auth(api, user):
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
    return api


def rows(api, url):
    r = api.get(url)
    assert r.status_code == 200
    return {row["id"]: row for row in r.json()["results"]}


def counted(fn):
    with CaptureQueriesContext(connection) as ctx:
        response = fn()
    assert response.status_code == 200
    return response, len(ctx.captured_queries)


def dashboard(client, plan):
    """The plan dashboard with every node's section loaded, as htmx loads them."""
    r = client.get(reverse("indicators:plan-progress", args=[plan.pk]))
    assert r.status_code == 200
    page = r.content.decode()
    for url in re.findall(r'hx-get="([^"]+)"', page):
        section = client.get(url, headers={"HX-Request": "true"})
        assert section.status_code == 200
        page += section.content.decode()
    return page


# The helper itself.


def test_a_missing_generation_starts_above_any_used_before():
    (first,) = shared.generations(["indicators"])
    shared.bump("indicators")
    assert shared.generations(["indicators"]) == (first + 1,)
    cache.delete("shared:generation:indicators")  # evicted, or Redis flushed
    (again,) = shared.generations(["indicators"])
    assert again > first + 1


def test_an_entry_is_rebuilt_after_a_bump_of_its_scope_only():
    built = []

    def build():
        built.append(1)
        return len(built)

    def read():
        return shared.cached("t", build, scopes=("oversight",), params={"a": 1})

    assert (read(), read()) == (1, 1)
    shared.bump("indicators")
    assert read() == 1
    shared.bump("oversight")
    assert read() == 2
    assert shared.cached("t", build, scopes=("oversight",), params={"a": 2}) == 3
    assert shared.cached("t", build, scopes=("oversight",), params={"a": 1}, visibility="x") == 4


def test_a_write_bumps_again_when_its_transaction_commits(django_capture_on_commit_callbacks):
    (before,) = shared.generations(["compacts"])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        shared.bump_for_write("compacts")
        assert shared.generations(["compacts"]) == (before + 1,)
    assert len(callbacks) == 1
    assert shared.generations(["compacts"]) == (before + 2,)


def test_an_audited_write_bumps_the_scope_of_its_targets_app(unops, reviewer):
    from audit.services import event_record

    assert shared.scope_of("indicators.value") == ("indicators",)
    assert shared.scope_of("reports.reportrun") == shared.SCOPES  # no scope: every scope
    before = dict(zip(shared.SCOPES, shared.generations(shared.SCOPES), strict=True))
    event_record(actor=reviewer, action="membership.granted", target=unops)
    after = dict(zip(shared.SCOPES, shared.generations(shared.SCOPES), strict=True))
    assert {s for s in shared.SCOPES if after[s] != before[s]} == {"entities"}


# Each kind of write shows at once.


def test_values_api_shows_a_saved_then_approved_value_at_once(api, officer, reviewer, plan, period):
    indicator = IndicatorFactory(plan=plan, code="V-1")
    url = f"/api/v1/values/?plan={plan.pk}"
    auth(api, reviewer)
    assert rows(api, url) == {}
    value = services.value_save(
        indicator=indicator, period=period, data={"numeric_value": Decimal("7")}, actor=officer
    )
    listed = rows(api, url)
    assert listed[value.pk]["status"] == Status.DRAFT
    assert Decimal(listed[value.pk]["numeric_value"]) == Decimal("7")
    value = services.value_submit(value=value, actor=officer)
    assert rows(api, url)[value.pk]["status"] == Status.SUBMITTED
    services.value_approve(value=value, actor=reviewer)
    assert rows(api, url)[value.pk]["status"] == Status.APPROVED


def test_values_api_shows_an_import_once_committed(api, officer, reviewer, period, kinds):
    url = f"/api/v1/values/?plan={period.plan_id}"
    auth(api, reviewer)
    assert rows(api, url) == {}
    upload = SimpleUploadedFile("values.xlsx", workbook(period, {"K-number": (12.5, None)}))
    job = services.import_job_create(period=period, upload=upload, actor=officer)
    assert job.status == ImportStatus.READY, job.errors
    assert rows(api, url) == {}  # a preview writes nothing
    services.import_commit(job=job, actor=officer)
    listed = rows(api, url)
    assert [Decimal(r["numeric_value"]) for r in listed.values()] == [Decimal("12.5")]


def test_indicators_api_and_dashboard_show_an_edited_indicator_at_once(
    api, client, reviewer, officer, plan, period
):
    indicator = with_framework(IndicatorFactory(plan=plan, code="E-1", name_en="Before"))
    value_in(indicator, period, Status.APPROVED, officer=officer, reviewer=reviewer)
    engine.progress_compute_full(as_of=AS_OF)
    url = f"/api/v1/indicators/?plan={plan.pk}"
    auth(api, reviewer)
    client.force_login(reviewer)
    assert rows(api, url)[indicator.pk]["name_en"] == "Before"
    assert "Before" in dashboard(client, plan)
    services.indicator_save(
        plan=plan, code="E-1", actor=reviewer, data={"name_en": "After"}, indicator=indicator
    )
    assert rows(api, url)[indicator.pk]["name_en"] == "After"
    page = dashboard(client, plan)
    assert "After" in page and "Before" not in page


def test_dashboard_shows_progress_once_computed(client, reviewer, officer, plan, period):
    """A computation is not an audited write: it moves the progress scope itself."""
    indicator = with_framework(IndicatorFactory(plan=plan, code="C-1"))
    value_in(indicator, period, Status.APPROVED, officer=officer, reviewer=reviewer, number="15")
    client.force_login(reviewer)
    assert "data-no-snapshot" in dashboard(client, plan)
    engine.progress_compute_full(as_of=AS_OF)
    page = dashboard(client, plan)
    assert "data-no-snapshot" not in page
    assert "Baseline 10, latest 15, target 20, 50% of the way" in page


def test_dashboard_shows_an_indicator_folded_into_the_snapshot(
    client, reviewer, officer, plan, period
):
    indicator = with_framework(IndicatorFactory(plan=plan, code="F-1"))
    value = value_in(
        indicator, period, Status.APPROVED, officer=officer, reviewer=reviewer, number="15"
    )
    engine.progress_compute_full(as_of=AS_OF)
    client.force_login(reviewer)
    assert "50% of the way" in dashboard(client, plan)
    # A change the audit did not see (as a repair in the database would be), then the
    # incremental computation: only the computation itself can tell the cache.
    Value.objects.filter(pk=value.pk).update(numeric_value=Decimal("18"))
    engine.progress_mark([indicator.pk])
    engine.progress_compute_indicator(indicator_id=indicator.pk)
    page = dashboard(client, plan)
    assert "latest 18, target 20, 80% of the way" in page and "50% of the way" not in page


# Readers who see differently never share an entry.


def test_unit_and_entity_readers_never_read_each_others_entries(api, client, unops, undp, period):
    plan = period.plan
    unit_a, unit_b = OrgUnitFactory(entity=unops, code="A"), OrgUnitFactory(entity=unops, code="B")
    node = NodeFactory(plan=plan)
    made = {
        code: with_framework(IndicatorFactory(plan=plan, node=node, code=code, org_unit=unit))
        for code, unit in (("A-1", unit_a), ("B-1", unit_b), ("ANY-1", None))
    }
    other = IndicatorFactory(plan=PlanFactory(entity=undp, code="undp"), code="UNDP-1")
    PeriodFactory(plan=other.plan)
    for indicator in made.values():
        services.value_save(
            indicator=indicator, period=period, data={"numeric_value": Decimal("15")}, actor=None
        )
    engine.progress_compute_full(as_of=AS_OF)

    def unit_user(name, unit, role):
        user = UserFactory(username=name)
        MembershipFactory(user=user, entity=unops, org_unit=unit, role=role)
        return user

    readers = [
        ("entity reviewer", unit_user("e-rev", None, Role.REVIEWER), {"A-1", "B-1", "ANY-1"}),
        ("unit A reader", unit_user("a-read", unit_a, Role.READER), {"A-1", "ANY-1"}),
        ("unit B officer", unit_user("b-off", unit_b, Role.PROGRAMME_OFFICER), {"B-1", "ANY-1"}),
        ("unit A reviewer", unit_user("a-rev", unit_a, Role.REVIEWER), {"A-1", "ANY-1"}),
        ("entity reader", unit_user("e-read", None, Role.READER), {"A-1", "B-1", "ANY-1"}),
    ]
    # Twice round: the second time every entry exists, built by whoever came first.
    for _round in range(2):
        for label, user, codes in readers:
            auth(api, user)
            listed = rows(api, "/api/v1/indicators/")
            assert {r["code"] for r in listed.values()} == codes, label
            values = rows(api, f"/api/v1/values/?plan={plan.pk}")
            assert {Value.objects.get(pk=pk).indicator.code for pk in values} == codes, label
            client.force_login(user)
            page = dashboard(client, plan)
            shown = set(re.findall(r'data-indicator="([^"]+)"', page))
            assert shown == codes, label


# A warm hit.


def test_a_warm_hit_costs_a_few_queries(api, client, reviewer, officer, plan, period):
    for i in range(5):
        value_in(
            with_framework(IndicatorFactory(plan=plan, code=f"W-{i}")), period, officer=officer
        )
    engine.progress_compute_full(as_of=AS_OF)
    auth(api, reviewer)
    for url, most in (
        (f"/api/v1/values/?plan={plan.pk}", 4),
        (f"/api/v1/indicators/?plan={plan.pk}", 4),
    ):
        cold_response, cold = counted(lambda url=url: api.get(url))
        warm_response, warm = counted(lambda url=url: api.get(url))
        assert warm_response.json() == cold_response.json()
        assert warm <= most < cold, (url, warm, cold)
    client.force_login(reviewer)
    node = Indicator.objects.filter(plan=plan).first().node
    for url, headers in (
        (reverse("indicators:plan-progress", args=[plan.pk]), {}),
        (
            reverse("indicators:plan-progress-section", args=[plan.pk, node.pk]),
            {"HX-Request": "true"},
        ),
    ):
        cold_response, cold = counted(lambda url=url, h=headers: client.get(url, headers=h))
        warm_response, warm = counted(lambda url=url, h=headers: client.get(url, headers=h))
        assert warm < cold, (url, warm, cold)


def test_the_cached_page_keeps_each_readers_own_csrf_token(client, reviewer, plan, period):
    """The export form (with its CSRF token) is rendered around the cached tree each time."""
    from django.test import Client

    indicator = with_framework(IndicatorFactory(plan=plan, code="T-1"))
    services.value_save(
        indicator=indicator, period=period, data={"numeric_value": Decimal("1")}, actor=None
    )
    engine.progress_compute_full(as_of=AS_OF)
    other = Client()
    url = reverse("indicators:plan-progress", args=[plan.pk])
    tokens = []
    for c in (client, other):
        c.force_login(reviewer)
        r = c.get(url)
        assert r.status_code == 200
        tokens.append(re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', r.text).group(1))
        assert tokens[-1] in r.text
    assert tokens[0] != tokens[1]


def test_entity_dashboard_shows_a_submitted_value_at_once_to_each_reader_their_own(
    client, unops, officer, reviewer, plan, period
):
    unit = OrgUnitFactory(entity=unops, code="A")
    mine = IndicatorFactory(plan=plan, code="U-1", org_unit=unit)
    other = IndicatorFactory(plan=plan, code="U-2", org_unit=OrgUnitFactory(entity=unops))
    unit_reviewer = UserFactory(username="unit-reviewer")
    MembershipFactory(user=unit_reviewer, entity=unops, org_unit=unit, role=Role.REVIEWER)
    url = reverse("indicators:entity-dashboard", args=[unops.code])

    def waiting(user):
        client.force_login(user)
        r = client.get(url, {"period": period.pk})
        assert r.status_code == 200
        return set(re.findall(r'data-waiting="([^"]+)"', r.content.decode())), set(
            re.findall(r'data-missing="([^"]+)"', r.content.decode())
        )

    assert waiting(reviewer) == (set(), {"U-1", "U-2"})
    assert waiting(unit_reviewer) == (set(), {"U-1"})
    for indicator in (mine, other):
        value_in(indicator, period, Status.SUBMITTED, officer=officer)
    assert waiting(reviewer) == ({"U-1", "U-2"}, set())
    assert waiting(unit_reviewer) == ({"U-1"}, set())


def test_progress_pages_ask_nothing_warm_and_still_refuse_those_who_do_not_see_the_plan(
    client, unops, undp, reviewer, officer, plan, period
):
    """The plan and the node come from the shared cache, the same for every reader; whether a
    reader sees them is decided per request from their memberships: an outsider is refused
    even when a member warmed the entries, and a member who loses the role on the next
    request."""
    indicator = with_framework(IndicatorFactory(plan=plan, code="P-1"))
    value_in(indicator, period, officer=officer)
    engine.progress_compute_full(as_of=AS_OF)
    urls = (
        (reverse("indicators:plan-progress", args=[plan.pk]), {}),
        (
            reverse("indicators:plan-progress-section", args=[plan.pk, indicator.node_id]),
            {"HX-Request": "true"},
        ),
    )
    client.force_login(reviewer)
    for url, headers in urls:
        client.get(url, headers=headers)  # cold: builds the entries
        _response, warm = counted(lambda url=url, h=headers: client.get(url, headers=h))
        assert warm == 0, (url, warm)
    # A node of another plan through this plan's address: not found, cached or not.
    elsewhere = NodeFactory(plan=PlanFactory(entity=undp, code="UNDP-SP"))
    for _ in range(2):
        r = client.get(
            reverse("indicators:plan-progress-section", args=[plan.pk, elsewhere.pk]),
            headers={"HX-Request": "true"},
        )
        assert r.status_code == 404
    outsider = UserFactory(username="outsider")
    MembershipFactory(user=outsider, entity=undp, role=Role.REVIEWER)
    client.force_login(outsider)
    for url, headers in urls:
        assert client.get(url, headers=headers).status_code == 404, url
    client.force_login(reviewer)
    reviewer.memberships.filter(entity=unops).delete()
    for url, headers in urls:
        assert client.get(url, headers=headers).status_code == 404, url
