"""An officer whose value was returned finds it on the home page and in the notifications,
marks it read, and changes what they receive — in a real browser."""

import pytest
from django.contrib.auth import get_user_model

from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_returned_value_reaches_the_officer(new_page, small_demo):
    from indicators.choices import Status
    from resultsframework.celery import app as celery_app
    from tests.indicators.factories import value_in

    users = get_user_model().objects
    officer, reviewer = users.get(username="officer"), users.get(username="reviewer")
    # The return commits, its signal's receiver enqueues the task after the commit, and the
    # task runs here (eager) instead of in a worker.
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        value_in(
            small_demo.journey_indicator,
            small_demo.period,
            Status.RETURNED,
            officer=officer,
            reviewer=reviewer,
        )
    finally:
        celery_app.conf.task_always_eager = eager

    page = new_page()
    sign_in(page, "officer", small_demo.password)
    returned = page.locator("#work-returned")
    assert "Check the source" in returned.inner_text()
    assert page.locator("#unread-count").inner_text() == "1"

    page.click("#nav-notifications")
    page.wait_for_selector("#notifications")
    assert "Value returned: M3.2-a" in page.locator("#notifications").inner_text()
    page.click("#notifications button[type=submit]")
    page.wait_for_selector("#notifications")
    assert page.locator("#unread-count").count() == 0

    page.goto("/notifications/preferences/")
    page.uncheck("#id_value_returned__email")
    page.click("#notification-preferences button[type=submit]")
    page.wait_for_selector(".message-success")
    assert not page.locator("#id_value_returned__email").is_checked()
    assert page.locator("#id_value_returned__in_app").is_checked()

    # Saving the preferences left the language as shown: no language was chosen, so a browser
    # asking for Chinese opens in Chinese.
    zh = new_page(locale="zh-CN")
    sign_in(zh, "officer", small_demo.password)
    assert "退回给您的数值" in zh.locator("#work-returned").inner_text()
