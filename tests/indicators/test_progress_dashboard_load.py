"""The plan dashboard under load: sections loaded one node at a time, its computed aggregates
cached per snapshot and visibility (never shared by users who read differently, never stale
after a new snapshot or a change folded into it), and the entity dashboard's lists in pages."""

import re
from datetime import date

import pytest

from entities.choices import Role
from indicators.choices import Status
from indicators.services import progress as engine
from tests.factories import MembershipFactory, OrgUnitFactory, UserFactory, user_with_role
from tests.indicators.factories import IndicatorFactory, PeriodFactory, value_in, with_framework

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 11, 1)
HTMX = {"HX-Request": "true"}


def dashboard(client, plan):
    page = client.get(f"/indicators/plans/{plan.pk}/progress/")
    assert page.status_code == 200
    page = page.content.decode()
    for url in re.findall(r'hx-get="([^"]+)"', page):
        section = client.get(url, headers=HTMX)
        assert section.status_code == 200
        page += section.content.decode()
    return page


@pytest.fixture
def units(unops, plan, period):
    """Indicators of unit A, of unit B and of no unit, progress computed; a reviewer of the
    whole entity and one of unit A."""
    unit_a = OrgUnitFactory(entity=unops, code="A")
    unit_b = OrgUnitFactory(entity=unops, code="B")
    for code, unit in (("A-1", unit_a), ("B-1", unit_b), ("ANY-1", None)):
        with_framework(IndicatorFactory(plan=plan, code=code, org_unit=unit))
    engine.progress_compute_full(as_of=AS_OF)
    whole = user_with_role(Role.REVIEWER, unops, username="whole-reviewer")
    scoped = UserFactory(username="unit-a-reviewer")
    MembershipFactory(user=scoped, entity=unops, role=Role.REVIEWER, org_unit=unit_a)
    return whole, scoped


@pytest.mark.parametrize("first", ["whole", "scoped"])
def test_users_who_read_differently_never_share_the_cached_dashboard(client, plan, units, first):
    whole, scoped = units
    order = [whole, scoped] if first == "whole" else [scoped, whole]
    pages = {}
    for user in order:  # the first fills the cache, the second must not be served from it
        client.force_login(user)
        pages[user.username] = dashboard(client, plan)
    entity_page, unit_page = pages["whole-reviewer"], pages["unit-a-reviewer"]
    assert "Whole framework" in entity_page and "3 indicators" in entity_page
    assert 'data-indicator="B-1"' in entity_page
    # Roll-ups count every unit's indicators: a unit's reviewer reads none, nor unit B's rows.
    assert "Whole framework" not in unit_page and "share progressing" not in unit_page
    assert 'data-indicator="A-1"' in unit_page and 'data-indicator="ANY-1"' in unit_page
    assert 'data-indicator="B-1"' not in unit_page


def test_a_new_snapshot_and_a_folded_in_change_show_at_once(client, plan, units, officer):
    whole, _scoped = units
    client.force_login(whole)
    assert "3 indicators" in dashboard(client, plan)  # cached now
    with_framework(IndicatorFactory(plan=plan, code="NEW-1"))
    engine.progress_compute_full(as_of=AS_OF)
    page = dashboard(client, plan)
    assert "4 indicators" in page and 'data-indicator="NEW-1"' in page
    assert progressing(page) == 0
    # An approval folded into the current snapshot (no new snapshot) shows at once too.
    period = PeriodFactory(plan=plan)
    indicator = plan.indicators.get(code="ANY-1")
    value_in(indicator, period, Status.APPROVED, officer=officer, reviewer=whole, number="15")
    engine.progress_compute_indicator(indicator_id=indicator.pk)
    assert progressing(dashboard(client, plan)) == 1


def progressing(page):
    """The whole framework's count of indicators making progress."""
    return int(re.search(r"\bprogress (\d+), no progress", page).group(1))


def test_a_section_is_refused_like_its_plan(client, plan, units, officer_undp, undp_plan):
    whole, _scoped = units
    node = plan.indicators.first().node_id
    url = f"/indicators/plans/{plan.pk}/progress/nodes/{node}/"
    client.force_login(officer_undp)
    assert client.get(url, headers=HTMX).status_code == 404
    client.force_login(whole)
    # A node of another plan, even one the user reads, is not a section of this one.
    assert client.get(f"/indicators/plans/{undp_plan.pk}/progress/nodes/{node}/").status_code == 404
    # Asked for as a page (no JavaScript): the dashboard with that node's indicators shown.
    r = client.get(url)
    assert r.status_code == 302 and r["Location"].endswith(f"?node={node}#node-{node}")
    page = client.get(r["Location"]).content.decode()
    assert page.count('class="bullet-chart"') == 1
    client.logout()
    assert client.get(url, headers=HTMX).status_code == 302  # to the login page


def test_entity_dashboard_lists_come_in_pages(
    client, plan, period, officer, reviewer, django_assert_max_num_queries
):
    for i in range(53):
        ind = IndicatorFactory(plan=plan, code=f"W{i:03d}", order=i)
        value_in(ind, period, Status.SUBMITTED, officer=officer)
    url = f"/indicators/entities/UNOPS/dashboard/?period={period.pk}"
    client.force_login(reviewer)
    with django_assert_max_num_queries(30):
        page = client.get(url).content.decode()
    assert page.count("data-waiting=") == 50 and 'data-count="submitted">53<' in page
    assert "waiting_page=2" in page and "Page 1 of 2" in page
    second = client.get(url + "&waiting_page=2").content.decode()
    assert second.count("data-waiting=") == 3 and 'data-waiting="W052"' in second
    # The period chosen is kept when paging.
    assert f"period={period.pk}" in second


def test_entity_dashboard_queries_do_not_grow_and_each_list_pages_by_its_count(
    client, plan, period, officer, reviewer, django_assert_max_num_queries
):
    """The lists' lengths come from the counts (no COUNT each): with more rows of every kind
    no more queries, and each list has as many pages as its count says."""
    url = f"/indicators/entities/UNOPS/dashboard/?period={period.pk}"
    client.force_login(reviewer)

    def rows(start, n):
        for i in range(start, start + n):
            IndicatorFactory(plan=plan, code=f"M{i:03d}", order=i)  # missing
            waiting = IndicatorFactory(plan=plan, code=f"W{i:03d}", order=i)
            value_in(waiting, period, Status.SUBMITTED, officer=officer)
            done = IndicatorFactory(plan=plan, code=f"A{i:03d}", order=i)
            value_in(done, period, Status.APPROVED, officer=officer, reviewer=reviewer)

    rows(0, 2)
    with django_assert_max_num_queries(30) as few:
        assert client.get(url).status_code == 200
    rows(2, 50)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    for name in ("waiting", "missing", "approved"):  # 52 rows each: 50, then 2
        assert html.count(f"data-{name}=") == 50 and f"{name}_page=2" in html, name
        last = client.get(f"{url}&{name}_page=2")
        assert last.status_code == 200
        assert last.content.decode().count(f"data-{name}=") == 2, name
