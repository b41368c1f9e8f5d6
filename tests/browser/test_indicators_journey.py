"""The whole journey of a value, in a real browser: the officer enters it with evidence and
submits; the reviewer returns it with a reason; the officer corrects and resubmits; the reviewer
approves; the auditor sees the history; the UNDP officer can neither see nor change any of it."""

import re

import pytest

from indicators.choices import Status
from indicators.models import Evidence, Value
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_value_journey(new_page, small_demo, tmp_path):
    period, ind = small_demo.period, small_demo.journey_indicator
    password = small_demo.password
    entry = f"/indicators/entry/{period.pk}/"
    row = f"#row-{ind.pk}"
    field = f"#id_i{ind.pk}-value"

    # 1. The officer types a word (inline error), then a number; saves a draft.
    officer = new_page()
    sign_in(officer, "officer", password)
    officer.goto(entry)
    officer.fill(field, "abc")
    officer.wait_for_selector(f"#check-{ind.pk} .field-error")
    assert "is not a number" in officer.inner_text(f"#check-{ind.pk}")
    officer.fill(field, "42.5")
    officer.wait_for_selector(f"#check-{ind.pk} .check-ok")
    assert not Value.objects.exists()
    officer.click(f"{row} button[value=save]")
    officer.wait_for_selector(f"{row} >> text=Draft saved.")
    value = Value.objects.get()
    assert value.status == Status.DRAFT and str(value.numeric_value.normalize()) == "42.5"

    # ... attaches evidence and a comment in the grid, and submits.
    evidence = tmp_path / "audit-report.pdf"
    evidence.write_bytes(b"%PDF-1.4\n%%EOF\n")
    officer.set_input_files(f"#file-{ind.pk}", str(evidence))
    officer.click(f"#entry-{ind.pk} [data-action=attach-row]")
    officer.wait_for_selector(f"#entry-{ind.pk} >> text=Evidence attached.")
    assert officer.inner_text(f"#entry-{ind.pk} [data-evidence]") == "audit-report.pdf"
    officer.fill(f"#comment-{ind.pk}", "From the IAIG follow-up tracker")
    officer.click(f"#entry-{ind.pk} [data-action=comment-row]")
    officer.wait_for_selector(f"#entry-{ind.pk} >> text=Comment added.")
    officer.click(f"{row} button[value=submit]")
    officer.wait_for_selector(f"{row} >> text=Submitted for review.")
    assert Value.objects.get().status == Status.SUBMITTED

    # 2. The reviewer finds it in the review queue and returns it with a reason.
    reviewer = new_page()
    sign_in(reviewer, "reviewer", password)
    reviewer.click('[data-nav="review"]')
    reviewer.click(f"text={ind.code}")
    reviewer.fill("#return-reason", "Attach the IAIG follow-up report, not the draft.")
    reviewer.click("[data-action=return]")
    reviewer.wait_for_selector("[data-status=returned]")

    # 3. The officer sees the reason in the grid, corrects and resubmits.
    officer.goto(entry)
    assert "Attach the IAIG follow-up report" in officer.inner_text(row)
    officer.fill(field, "43")
    officer.click(f"{row} button[value=submit]")
    officer.wait_for_selector(f"{row} >> text=Submitted for review.")
    assert Value.objects.get().status == Status.SUBMITTED

    # 4. The reviewer approves; the value is locked.
    reviewer.reload()
    reviewer.click("[data-action=approve]")
    reviewer.wait_for_selector("[data-status=approved]")
    officer.goto(entry)
    assert officer.locator(f"{row} input[name$=-value]").count() == 0
    assert "approved" in officer.inner_text(row).lower()

    # 5. The auditor reads the whole history, and may change nothing.
    auditor = new_page()
    sign_in(auditor, "auditor", password)
    auditor.goto(f"/indicators/values/{value.pk}/")
    history = auditor.inner_text("[data-history]")
    for word in (
        "saved",
        "evidence attached",
        "submitted",
        "returned",
        "approved",
        "Attach the IAIG follow-up report",
        "42.5",
        "43.0",
    ):
        assert word.lower() in history.lower(), word  # actions in words: "Evidence attached"
    actors = auditor.locator("[data-history] tr td:nth-child(2)").all_inner_texts()
    assert set(actors) == {"officer", "reviewer"}, actors
    assert auditor.locator("[data-action]").count() == 0

    # 6. The UNDP officer sees none of it and cannot change it.
    undp = new_page()
    sign_in(undp, "officer-undp", password)
    assert undp.goto(f"/indicators/values/{value.pk}/").status == 404
    assert undp.goto(entry).status == 404
    evidence_id = Evidence.objects.get().pk
    assert undp.goto(f"/indicators/values/{value.pk}/evidence/{evidence_id}/").status == 404
    undp.goto("/indicators/")
    assert not re.search(r"sp-2026|Strategic plan", undp.inner_text("main"))
    csrf = next(c["value"] for c in undp.context.cookies() if c["name"] == "csrftoken")
    response = undp.request.post(
        f"/indicators/values/{value.pk}/reopen/",
        form={"reason": "hijack", "version": str(Value.objects.get().version)},
        headers={"X-CSRFToken": csrf, "Referer": undp.url},
    )
    assert response.status == 404
    assert Value.objects.get().status == Status.APPROVED
    for page in (officer, reviewer, auditor, undp):
        assert page.foreign_requests == []
