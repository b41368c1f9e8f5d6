"""The data-entry grid and the review queue at scale, in a real browser.

Issue 14's defect: an officer typed a new value, attached evidence and added a comment in the
same row, then pressed *Save and submit*, and the old value was submitted: the attachment's
answer had replaced the whole row, typed input included. Run in English and in Chinese."""

from decimal import Decimal

import pytest

from audit.models import Event
from indicators.choices import Status
from indicators.models import Value
from tests.browser.conftest import sign_in
from tests.indicators.factories import IndicatorFactory, value_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _people():
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    return users.get(username="officer"), users.get(username="reviewer")


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_typed_value_survives_evidence_and_comment(new_page, small_demo, tmp_path, locale):
    period, ind = small_demo.period, small_demo.journey_indicator
    officer_user, _ = _people()
    value_in(ind, period, officer=officer_user, number="42.5")
    field = f"#id_i{ind.pk}-value"
    extra = f"#extra-{ind.pk}"

    officer = new_page(locale=locale)
    sign_in(officer, "officer", small_demo.password)
    officer.goto(f"/indicators/entry/{period.pk}/")
    assert officer.input_value(field) == "42.5"
    officer.fill(field, "57.5")

    evidence = tmp_path / "iaig-follow-up.pdf"
    evidence.write_bytes(b"%PDF-1.4\n%%EOF\n")
    officer.set_input_files(f"#file-{ind.pk}", str(evidence))
    officer.click(f"{extra} [data-action=attach-row]")
    officer.wait_for_selector(f"{extra} [data-evidence]")
    assert officer.input_value(field) == "57.5"

    officer.fill(f"#comment-{ind.pk}", "From the IAIG follow-up tracker")
    officer.click(f"{extra} [data-action=comment-row]")
    officer.wait_for_selector(f"{extra} .comment")
    assert officer.input_value(field) == "57.5"

    officer.click(f"#row-{ind.pk} button[value=submit]")
    officer.wait_for_selector(f"#entry-{ind.pk} .status-submitted")
    value = Value.objects.get()
    assert value.status == Status.SUBMITTED
    assert value.numeric_value == Decimal("57.5")
    assert value.evidence.count() == 1 and value.comments.count() == 1
    assert officer.foreign_requests == []


def test_bulk_submit_refuses_a_ticked_row_with_unsaved_input(new_page, small_demo):
    period, ind = small_demo.period, small_demo.journey_indicator
    officer_user, _ = _people()
    value_in(ind, period, officer=officer_user, number="42.5")
    other = value_in(small_demo.indicators["number"], period, officer=officer_user, number="3")

    officer = new_page()
    sign_in(officer, "officer", small_demo.password)
    officer.goto(f"/indicators/entry/{period.pk}/")
    officer.fill(f"#id_i{ind.pk}-value", "60")
    officer.check(f"#select-{ind.pk}")
    officer.click("[data-action=bulk-submit]")
    officer.wait_for_selector("#bulk-results [data-unsaved]")
    assert ind.code in officer.inner_text("#bulk-results")
    assert not Value.objects.filter(status=Status.SUBMITTED).exists()

    # Saved first, then both ticked rows are submitted, each on its own.
    officer.click(f"#row-{ind.pk} button[value=save]")
    # The saved row comes back with its status message (role=status); the live check of the
    # typed input also shows a .check-ok, before the save has answered.
    officer.wait_for_selector(f"#entry-{ind.pk} p.check-ok[role=status]")
    officer.check(f"#select-{ind.pk}")
    officer.check(f"#select-{other.indicator_id}")
    officer.click("[data-action=bulk-submit]")
    officer.wait_for_selector("#bulk-results [data-bulk-results] tbody tr >> nth=1")
    assert officer.locator("#bulk-results [data-ok='1']").count() == 2
    officer.wait_for_selector(f"#entry-{ind.pk} .status-submitted")
    submitted = Value.objects.filter(status=Status.SUBMITTED)
    assert submitted.count() == 2
    assert submitted.get(indicator=ind).numeric_value == Decimal("60")


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_reviewer_bulk_approves_and_returns_from_the_queue(new_page, small_demo, locale):
    period, plan = small_demo.period, small_demo.plan
    officer_user, _ = _people()
    values = [
        value_in(IndicatorFactory(plan=plan), period, Status.SUBMITTED, officer=officer_user)
        for _ in range(3)
    ]
    reviewer = new_page(locale=locale)
    sign_in(reviewer, "reviewer", small_demo.password)
    reviewer.goto("/indicators/review/")
    for value in values[:2]:
        reviewer.check(f"#select-value-{value.pk}")
    reviewer.select_option("#id_action", "approve")
    reviewer.click("[data-action=bulk-review]")
    reviewer.wait_for_selector("[data-bulk-results]")
    assert reviewer.locator("[data-bulk-results] [data-ok='1']").count() == 2
    statuses = dict(Value.objects.values_list("pk", "status"))
    assert [statuses[v.pk] for v in values] == [
        Status.APPROVED,
        Status.APPROVED,
        Status.SUBMITTED,
    ]
    assert Event.objects.filter(action="value.approved").count() == 2

    # A return needs the one reason; without it nothing is written. "Select all" ticks the
    # one value left in the queue.
    reviewer.check("#select-all-values")
    assert reviewer.is_checked(f"#select-value-{values[2].pk}")
    reviewer.select_option("#id_action", "return")
    reviewer.click("[data-action=bulk-review]")
    reviewer.wait_for_selector("[data-bulk-results] [role=alert]")
    assert Value.objects.get(pk=values[2].pk).status == Status.SUBMITTED
    reviewer.check(f"#select-value-{values[2].pk}")
    reviewer.fill("#id_reason", "Attach the source")
    reviewer.click("[data-action=bulk-review]")
    reviewer.wait_for_selector("[data-bulk-results] [data-ok='1']")
    assert Value.objects.get(pk=values[2].pk).status == Status.RETURNED
    assert reviewer.foreign_requests == []


def test_leaving_the_grid_with_unsaved_input_asks_first(new_page, small_demo):
    period, ind = small_demo.period, small_demo.journey_indicator
    officer = new_page()
    sign_in(officer, "officer", small_demo.password)
    officer.goto(f"/indicators/entry/{period.pk}/")
    officer.click(f"#id_i{ind.pk}-value")
    officer.keyboard.type("61")
    asked = []

    def stay(dialog):
        asked.append(dialog.type)
        dialog.dismiss()  # stay on the page

    officer.on("dialog", stay)
    # The click finishes once the navigation it started is cancelled by the dismissed dialog.
    officer.click("[data-entry-filter] button[type=submit]")
    assert asked == ["beforeunload"]
    assert officer.input_value(f"#id_i{ind.pk}-value") == "61"
    assert officer.url.endswith(f"/indicators/entry/{period.pk}/")
