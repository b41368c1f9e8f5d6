"""A real browser through the oversight journey: the auditor filters, searches in Chinese and
opens a recommendation with its history; the focal point proposes closure with evidence; the
auditor accepts it."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.oversight.conftest import PDF

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_out(page):
    page.click("[data-nav=sign-out]")
    page.wait_for_url("**/accounts/login/**")


def test_auditor_and_focal_point_close_a_recommendation(new_page, small_demo, tmp_path):
    # The demo auditor audits OIOS and the Board of Auditors; the UNOPS reviewer is a focal
    # point. Three UNOPS recommendations: two from OIOS, one from the Board.
    page = new_page()
    target = small_demo.recommendations[0]
    assert target.reference == "AR2024/017/03"

    # The auditor filters by body, searches in Chinese, and opens the recommendation.
    sign_in(page, "auditor", small_demo.password)
    page.goto("/oversight/recommendations/")
    assert page.locator("#rec-count").inner_text().startswith("3")
    page.select_option("#id_body", "oios")
    # expect() polls from outside the page: the page's CSP forbids the eval of wait_for_function.
    expect(page.locator("#rec-count")).to_have_text(re.compile(r"^2"))
    page.fill("#id_q", "燃料")
    expect(page.locator("#rec-count")).to_have_text(re.compile(r"^1"))
    assert "q=" in page.url  # the filtered list is a link that can be shared
    page.click("text=AR2024/017/03")
    page.wait_for_url(f"**/oversight/recommendations/{target.pk}/")
    assert "项目署应加强对燃料管理的控制" in page.inner_text("main")
    assert page.locator("#history tbody tr").count() >= 1
    assert page.locator("#no-actions").count() == 0  # may comment, not propose
    assert page.locator("#action-propose_closure").count() == 0
    sign_out(page)

    # The focal point attaches evidence and proposes closure.
    sign_in(page, "reviewer", small_demo.password)
    page.goto(f"/oversight/recommendations/{target.pk}/")
    evidence = tmp_path / "fuel-policy.pdf"
    evidence.write_bytes(PDF)
    page.click("#action-upload_evidence summary")
    page.set_input_files("#action-upload_evidence input[type=file]", str(evidence))
    page.click("#action-upload_evidence button[type=submit]")
    page.wait_for_selector("text=Evidence attached.")
    assert "fuel-policy.pdf" in page.inner_text("#evidence-list")
    page.click("#action-propose_closure summary")
    page.select_option("#action-propose_closure select", "implemented")
    yesterday = (datetime.date.today() - datetime.timedelta(days=1)).isoformat()
    page.fill("#action-propose_closure input[type=date]", yesterday)
    page.fill("#action-propose_closure textarea", "Fuel controls issued and applied.")
    page.click("#action-propose_closure button[type=submit]")
    page.wait_for_selector("text=Closure proposed; the oversight body will review it.")
    assert "Closure proposed" in page.inner_text("#rec-review-state")
    sign_out(page)

    # The auditor accepts the closure; the history shows the whole journey.
    sign_in(page, "auditor", small_demo.password)
    page.goto(f"/oversight/recommendations/{target.pk}/")
    page.click("#action-accept_closure summary")
    page.click("#action-accept_closure button[type=submit]")
    page.wait_for_selector("text=Closure accepted: the recommendation is closed.")
    assert page.inner_text("#rec-status") == "Implemented"
    assert "Closed" in page.inner_text("#rec-review-state")
    assert page.locator("#history tbody tr").count() >= 5
    target.refresh_from_db()
    assert target.status == "implemented"
    assert page.foreign_requests == []
