"""The entity dashboard's body (period chooser, counts, lists) is one entry of the shared cache:
a warm request of a signed-in reviewer asks the database nothing, and a change shows on the
next request."""

import re

import pytest
from django.urls import reverse

from indicators.choices import Status
from tests.indicators.factories import IndicatorFactory, PeriodFactory, value_in

pytestmark = pytest.mark.django_db


def waiting(page):
    return set(re.findall(r'data-waiting="([^"]+)"', page.content.decode()))


def test_a_warm_entity_dashboard_costs_no_query(
    client, unops, reviewer, plan, period, django_assert_num_queries
):
    IndicatorFactory(plan=plan, code="D-1")
    client.force_login(reviewer)
    url = reverse("indicators:entity-dashboard", args=["unops"])
    first = client.get(url)
    assert first.status_code == 200
    with django_assert_num_queries(0):
        again = client.get(url)
    assert again.status_code == 200
    main = re.compile(r"<main.*</main>", re.S)  # the header holds the reader's CSRF token
    assert main.search(again.content.decode())[0] == main.search(first.content.decode())[0]
    assert 'data-missing="D-1"' in again.content.decode()


def test_a_submitted_value_shows_on_the_next_request(
    client, unops, officer, reviewer, plan, period
):
    indicator = IndicatorFactory(plan=plan, code="D-1")
    client.force_login(reviewer)
    url = reverse("indicators:entity-dashboard", args=[unops.code])
    assert waiting(client.get(url, {"period": period.pk})) == set()
    value_in(indicator, period, Status.SUBMITTED, officer=officer)
    assert waiting(client.get(url, {"period": period.pk})) == {"D-1"}


def test_a_new_period_shows_in_the_chooser_on_the_next_request(client, unops, reviewer, plan):
    client.force_login(reviewer)
    url = reverse("indicators:entity-dashboard", args=[unops.code])
    assert "This entity has no reporting periods." in client.get(url).content.decode()
    PeriodFactory(plan=plan)  # a period without the services: its own audit or not, the
    # dashboard is keyed by the indicators scope, which the services bump
    from core.cache import bump

    bump("indicators")
    assert 'id="id_period"' in client.get(url).content.decode()


def test_a_reader_who_lost_the_role_is_refused_though_the_page_is_cached(
    client, unops, reviewer, plan, period
):
    client.force_login(reviewer)
    url = reverse("indicators:entity-dashboard", args=[unops.code])
    assert client.get(url).status_code == 200
    membership = reviewer.memberships.get()
    membership.delete()  # as the admin or a shell would
    assert client.get(url).status_code == 404
