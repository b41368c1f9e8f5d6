"""Everyday use in the browser: filters wait for their button (WCAG 3.2.2), the interface opens
in the language the user chose, and the audit trail speaks the reader's language."""

import datetime

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _navigations(page):
    seen = []
    page.on("framenavigated", lambda frame: seen.append(frame.url))
    return seen


def test_audit_action_filter_and_period_picker_wait_for_their_button(new_page, small_demo):
    from tests.indicators.factories import PeriodFactory

    earlier = PeriodFactory(
        plan=small_demo.plan,
        label="2025",
        start_date=datetime.date(2025, 1, 1),
        end_date=datetime.date(2025, 12, 31),
    )
    page = new_page()
    sign_in(page, "auditor", settings.DEMO_PASSWORD)
    page.goto("/audit/")
    seen = _navigations(page)
    page.select_option("#id_action", "entity.created")
    assert page.locator("#id_action").get_attribute("onchange") is None
    assert seen == [] and "action=" not in page.url  # choosing changed nothing yet
    with page.expect_navigation():
        page.click("#action-apply")
    assert "action=entity.created" in page.url
    expect(page.locator("#id_action")).to_have_value("entity.created")

    page.goto(f"/indicators/entities/{small_demo.unops.code}/dashboard/")
    seen = _navigations(page)
    page.select_option("#id_period", str(earlier.pk))
    assert seen == [] and "period=" not in page.url
    with page.expect_navigation():
        page.click("#period-apply")
    assert f"period={earlier.pk}" in page.url
    expect(page.locator("#id_period")).to_have_value(str(earlier.pk))


def test_sign_in_opens_in_the_language_chosen_with_the_switcher(new_page, small_demo):
    # The officer chooses Chinese with the switcher, in an English browser.
    page = new_page(locale="en-US")
    sign_in(page, "officer", settings.DEMO_PASSWORD)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.select_option("#language-select", "zh-hans")
    page.click("#language-submit")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    page.context.close()

    # Another English browser: signing in opens in Chinese, the stored choice.
    page = new_page(locale="en-US")
    sign_in(page, "officer", settings.DEMO_PASSWORD)
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    assert page.locator('[data-nav="home"]').inner_text() == "首页"
    # Back to English with the switcher; a Chinese browser then opens in English.
    page.select_option("#language-select", "en")
    page.click("#language-submit")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.context.close()
    page = new_page(locale="zh-CN")
    sign_in(page, "officer", settings.DEMO_PASSWORD)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.locator('[data-nav="home"]').inner_text() == "Home"


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_audit_trail_names_a_revoked_role_in_the_readers_language(new_page, small_demo, language):
    from django.contrib.auth import get_user_model
    from django.utils import translation

    from entities import services
    from entities.choices import Role

    admin = get_user_model().objects.get(username="admin")
    person = get_user_model().objects.get(username="officer-undp")
    other = "en" if language == "zh-hans" else "zh-hans"
    with translation.override(other):  # the administrator works in the other language
        membership = services.membership_grant(
            user=person, entity=small_demo.unops, role=Role.REVIEWER, actor=admin
        )
        services.membership_revoke(membership=membership, actor=admin)
    with translation.override(language):
        expected = f"officer-undp — {Role.REVIEWER.label} @ UNOPS"
    with translation.override(other):
        foreign = f"officer-undp — {Role.REVIEWER.label} @ UNOPS"

    page = new_page(locale="zh-CN" if language == "zh-hans" else "en-US")
    sign_in(page, "auditor", settings.DEMO_PASSWORD)
    page.goto("/audit/?action=membership.revoked")
    expect(page.locator("html")).to_have_attribute("lang", language)
    row = page.locator("main table tbody tr").first
    assert expected in row.inner_text()
    assert foreign not in page.inner_text("main")


def test_resaving_a_recommendation_in_chinese_keeps_its_dates(new_page, small_demo):
    """The edit form as the Chinese page renders it, sent back untouched, changes no date."""
    rec = small_demo.recommendations[0]
    rec.target_date = datetime.date(2027, 3, 31)
    rec.issued_on = datetime.date(2024, 5, 6)
    rec.save()
    page = new_page(locale="zh-CN")
    sign_in(page, "auditor", settings.DEMO_PASSWORD)
    page.goto(f"/oversight/recommendations/{rec.pk}/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    page.click("#action-edit summary")
    form = page.locator("#action-edit form")
    expect(form.locator("input[name=target_date]")).to_have_value("2027-03-31")
    expect(form.locator("input[name=issued_on]")).to_have_value("2024-05-06")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    rec.refresh_from_db()
    assert (rec.target_date, rec.issued_on) == (
        datetime.date(2027, 3, 31),
        datetime.date(2024, 5, 6),
    )
