from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from audit.models import Event
from indicators.choices import Status, ValueKind
from indicators.models import Evidence, Value
from tests.indicators.factories import IndicatorFactory, value_in, with_framework

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def login(client, user):
    client.force_login(user)
    return client


def entry_url(period):
    return f"/indicators/entry/{period.pk}/"


def test_navigation_shows_entry_to_officer_and_review_to_reviewer(client, officer, reviewer):
    page = login(client, officer).get("/").content.decode()
    assert 'data-nav="data-entry"' in page and 'data-nav="review"' not in page
    page = login(client, reviewer).get("/").content.decode()
    assert 'data-nav="review"' in page and 'data-nav="data-entry"' not in page


def test_entry_grid_shows_baseline_target_and_last_approved(
    client, officer, reviewer, plan, period
):
    from tests.indicators.factories import PeriodFactory

    ind = with_framework(IndicatorFactory(plan=plan, code="X1"))
    earlier = PeriodFactory(plan=plan, label="2025", start_date="2025-01-01", end_date="2025-12-31")
    value_in(ind, earlier, Status.APPROVED, officer=officer, reviewer=reviewer, number="11")
    page = login(client, officer).get(entry_url(period)).content.decode()
    assert 'data-code="X1"' in page
    assert "10.0" in page and "20.0" in page and "11.0" in page


def test_entry_grid_query_count_does_not_grow(
    client, officer, plan, period, django_assert_max_num_queries
):
    for kind in ValueKind.values:
        ind = IndicatorFactory(plan=plan, value_kind=kind)
        if kind == ValueKind.NUMBER:
            with_framework(ind)
            value_in(ind, period, officer=officer)
    login(client, officer)
    with django_assert_max_num_queries(25) as few:
        assert client.get(entry_url(period)).status_code == 200
    for _ in range(15):
        ind = with_framework(IndicatorFactory(plan=plan))
        value_in(ind, period, officer=officer)
        IndicatorFactory(plan=plan, value_kind=ValueKind.PARTS)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(entry_url(period)).status_code == 200


def test_inline_check_reports_error_and_writes_nothing(client, officer, plan, period):
    ind = IndicatorFactory(plan=plan, value_kind=ValueKind.PERCENT)
    r = login(client, officer).post(
        f"/indicators/entry/{period.pk}/{ind.pk}/check/",
        {f"i{ind.pk}-value": "150", f"i{ind.pk}-version": "0"},
        HTTP_HX_REQUEST="true",
    )
    assert "A percent must be between 0 and 100." in r.content.decode()
    r = client.post(
        f"/indicators/entry/{period.pk}/{ind.pk}/check/",
        {f"i{ind.pk}-value": "abc", f"i{ind.pk}-version": "0"},
        HTTP_HX_REQUEST="true",
    )
    assert "“abc” is not a number." in r.content.decode()
    r = client.post(
        f"/indicators/entry/{period.pk}/{ind.pk}/check/",
        {f"i{ind.pk}-value": "45.5", f"i{ind.pk}-version": "0"},
        HTTP_HX_REQUEST="true",
    )
    assert "Looks good" in r.content.decode()
    assert not Value.objects.exists()


def test_save_draft_then_submit_from_grid(client, officer, indicator, period):
    login(client, officer)
    url = f"/indicators/entry/{period.pk}/{indicator.pk}/save/"
    r = client.post(
        url,
        {f"i{indicator.pk}-value": "1 234.5", f"i{indicator.pk}-version": "0", "action": "save"},
        HTTP_HX_REQUEST="true",
    )
    assert "Draft saved." in r.content.decode()
    value = Value.objects.get()
    assert value.numeric_value == Decimal("1234.5") and value.status == Status.DRAFT
    r = client.post(
        url,
        {f"i{indicator.pk}-value": "1234.5", f"i{indicator.pk}-version": "1", "action": "submit"},
        HTTP_HX_REQUEST="true",
    )
    assert "Submitted for review." in r.content.decode()
    assert Value.objects.get().status == Status.SUBMITTED


def test_stale_save_from_grid_shows_current_value(client, officer, indicator, period):
    value_in(indicator, period, officer=officer, number="7")
    from indicators import services

    services.value_save(
        indicator=indicator,
        period=period,
        data={"numeric_value": Decimal("8")},
        actor=officer,
        expected_version=1,
    )
    r = login(client, officer).post(
        f"/indicators/entry/{period.pk}/{indicator.pk}/save/",
        {f"i{indicator.pk}-value": "9", f"i{indicator.pk}-version": "1", "action": "save"},
        HTTP_HX_REQUEST="true",
    )
    page = r.content.decode()
    assert "changed by someone else" in page
    assert "data-conflict" in page and "8.0" in page
    assert Value.objects.get().numeric_value == Decimal("8")


def test_undp_officer_gets_404_on_unops_pages(client, officer_undp, officer, indicator, period):
    value = value_in(indicator, period, officer=officer)
    login(client, officer_undp)
    for url in (
        f"/indicators/values/{value.pk}/",
        f"/indicators/indicators/{indicator.pk}/",
        f"/indicators/plans/{period.plan.pk}/",
        entry_url(period),
        f"/indicators/entry/{period.pk}/template.xlsx",
    ):
        assert client.get(url).status_code == 404, url
    r = client.post(f"/indicators/values/{value.pk}/submit/", {})
    assert r.status_code == 404
    assert client.get("/indicators/").content.decode().count("sp-2026") == 0
    assert Value.objects.get().status == Status.DRAFT


def test_reviewer_returns_without_reason_is_refused(client, officer, reviewer, indicator, period):
    value = value_in(indicator, period, Status.SUBMITTED, officer=officer)
    login(client, reviewer)
    r = client.post(
        f"/indicators/values/{value.pk}/return/", {"reason": "", "version": 2}, follow=True
    )
    assert "Give a reason." in r.content.decode()
    assert Value.objects.get().status == Status.SUBMITTED
    client.post(f"/indicators/values/{value.pk}/return/", {"reason": "Source?", "version": 2})
    assert Value.objects.get().status == Status.RETURNED


def test_value_page_shows_history_to_auditor_not_to_officer(
    client, officer, reviewer, auditor, indicator, period
):
    value = value_in(indicator, period, Status.RETURNED, officer=officer, reviewer=reviewer)
    page = login(client, auditor).get(f"/indicators/values/{value.pk}/").content.decode()
    assert "data-history" in page and "Check the source" in page
    page = login(client, officer).get(f"/indicators/values/{value.pk}/").content.decode()
    assert "data-history" not in page


@override_settings(INDICATORS_EVIDENCE_MAX_BYTES=1024)
def test_evidence_upload_limits_and_private_download(
    client, officer, officer_undp, auditor, indicator, period
):
    value = value_in(indicator, period, officer=officer)
    login(client, officer)
    url = f"/indicators/values/{value.pk}/evidence/"
    r = client.post(url, {"file": SimpleUploadedFile("x.exe", b"MZ...")}, follow=True)
    assert "Files of this type are not accepted" in r.content.decode()
    r = client.post(
        url, {"file": SimpleUploadedFile("big.pdf", b"%PDF" + b"0" * 2000)}, follow=True
    )
    assert "The file is too large" in r.content.decode()
    r = client.post(url, {"file": SimpleUploadedFile("fake.pdf", b"not a pdf")}, follow=True)
    assert "does not match its extension" in r.content.decode()
    assert not Evidence.objects.exists()
    client.post(url, {"file": SimpleUploadedFile("report.pdf", PDF)})
    evidence = Evidence.objects.get()
    assert "report" not in evidence.file.name  # stored under a random name
    download = f"/indicators/values/{value.pk}/evidence/{evidence.pk}/"
    r = client.get(download)
    assert r.status_code == 200 and b"".join(r.streaming_content) == PDF
    assert login(client, auditor).get(download).status_code == 200
    assert login(client, officer_undp).get(download).status_code == 404
    client.logout()
    assert client.get(download).status_code == 302
    assert Event.objects.filter(action="value.evidence_attached").count() == 1


def test_reviewer_edits_indicator_baseline_target_in_app(client, reviewer, officer, indicator):
    login(client, reviewer)
    r = client.post(
        f"/indicators/indicators/{indicator.pk}/edit/",
        {
            "name_en": "Renamed",
            "name_zh": "改名",
            "definition_en": "",
            "data_source_en": "",
            "frequency": "annual",
            "unit_en": "",
            "decimals": 1,
            "direction": "increase",
            "is_active": "on",
        },
    )
    assert r.status_code == 302
    r = client.post(
        f"/indicators/indicators/{indicator.pk}/baseline/",
        {"value": "abc", "period_start": "2025-01-01", "period_end": "2025-12-31"},
    )
    assert "“abc” is not a number." in r.content.decode()
    client.post(
        f"/indicators/indicators/{indicator.pk}/baseline/",
        {"value": "4.5", "period_start": "2025-01-01", "period_end": "2025-12-31"},
    )
    client.post(
        f"/indicators/indicators/{indicator.pk}/targets/new/",
        {"value": "9", "year": 2029, "target_kind": "end"},
    )
    page = client.get(f"/indicators/indicators/{indicator.pk}/").content.decode()
    assert "Renamed" in page and "4.5" in page and "9.0" in page
    # The history in words: action labels, the typed value formatted, no raw payload.
    assert "Baseline set" in page and "Target set" in page and "Value: 9.0" in page
    assert "baseline.set" not in page and "numeric_value" not in page
    login(client, officer)
    assert client.get(f"/indicators/indicators/{indicator.pk}/edit/").status_code == 403


def test_pages_in_chinese(client, officer, reviewer, indicator, period):
    value = value_in(indicator, period, Status.RETURNED, officer=officer, reviewer=reviewer)
    login(client, officer)
    client.cookies["django_language"] = "zh-hans"
    page = client.get(entry_url(period), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "数据填报" in page and "已退回" in page and "保存草稿" in page
    page = client.get(f"/indicators/values/{value.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "您可以执行的操作" in page.content.decode()
    r = client.post(
        f"/indicators/entry/{period.pk}/{indicator.pk}/check/",
        {f"i{indicator.pk}-value": "abc", f"i{indicator.pk}-version": "2"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert "“abc”不是数字。" in r.content.decode()


def test_reviewer_creates_indicator_in_app(client, reviewer, officer, plan):
    from indicators.models import Indicator
    from tests.indicators.factories import NodeFactory

    node = NodeFactory(plan=plan)
    data = {
        "node": node.pk,
        "code": "NEW-1",
        "name_en": "New indicator",
        "name_zh": "新指标",
        "frequency": "annual",
        "value_kind": "currency",
        "currency": "",
        "decimals": 0,
        "direction": "increase",
    }
    login(client, reviewer)
    r = client.post(f"/indicators/plans/{plan.pk}/indicators/new/", data)
    assert "A currency amount needs an ISO 4217 currency code." in r.content.decode()
    assert not Indicator.objects.filter(code="NEW-1").exists()
    r = client.post(f"/indicators/plans/{plan.pk}/indicators/new/", {**data, "currency": "USD"})
    assert r.status_code == 302
    assert Event.objects.filter(action="indicator.created").exists()
    login(client, officer)
    r = client.post(f"/indicators/plans/{plan.pk}/indicators/new/", {**data, "code": "NEW-2"})
    assert r.status_code == 403
    assert not Indicator.objects.filter(code="NEW-2").exists()


def test_reviewer_closes_period_on_plan_page(client, reviewer, officer, period):
    login(client, officer)
    assert (
        client.post(f"/indicators/periods/{period.pk}/close/", {"closed": "1"}).status_code == 403
    )
    login(client, reviewer)
    page = client.get(f"/indicators/plans/{period.plan_id}/").content.decode()
    assert 'data-period-toggle="2026"' in page
    client.post(f"/indicators/periods/{period.pk}/close/", {"reason": "Done", "confirm": "on"})
    period.refresh_from_db()
    assert period.is_closed


def test_evidence_and_comment_from_the_grid(client, officer, reviewer, indicator, period):
    value = value_in(indicator, period, officer=officer)
    url = f"/indicators/entry/{period.pk}/{indicator.pk}/attach/"
    login(client, officer)
    r = client.post(url, {"file": SimpleUploadedFile("x.exe", b"MZ")}, HTTP_HX_REQUEST="true")
    assert "Files of this type are not accepted" in r.content.decode()
    assert not Evidence.objects.exists()
    r = client.post(url, {"file": SimpleUploadedFile("source.pdf", PDF)}, HTTP_HX_REQUEST="true")
    page = r.content.decode()
    assert "Evidence attached." in page and "source.pdf" in page
    r = client.post(url, {"text": "Figure from the IAIG report"}, HTTP_HX_REQUEST="true")
    assert "Figure from the IAIG report" in r.content.decode()
    assert value.comments.count() == 1 and value.evidence.count() == 1
    page = client.get(entry_url(period)).content.decode()
    assert "source.pdf" in page and "Figure from the IAIG report" in page


# --- closing a period -------------------------------------------------------------------------


def test_period_close_asks_confirmation_and_reason(client, officer, reviewer, indicator, period):
    value_in(indicator, period, officer=officer)
    url = f"/indicators/periods/{period.pk}/close/"
    login(client, reviewer)
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "1 value of this period is not approved yet." in text and 'name="confirm"' in text
    for data in ({"reason": "", "confirm": "on"}, {"reason": "Deadline passed"}, {}):
        r = client.post(url, data)
        assert r.status_code == 400, data
        assert 'role="alert"' in r.content.decode()
    period.refresh_from_db()
    assert not period.is_closed and not Event.objects.filter(action="period.closed").exists()
    r = client.post(url, {"reason": "Deadline passed", "confirm": "on"})
    assert r.status_code == 302
    period.refresh_from_db()
    assert period.is_closed
    assert Event.objects.get(action="period.closed").reason == "Deadline passed"
    # The same page opens it again, with its own reason.
    assert "Open the reporting period" in client.get(url).content.decode()
    client.post(url, {"reason": "Late data from the field", "confirm": "on"})
    period.refresh_from_db()
    assert not period.is_closed
    assert Event.objects.get(action="period.opened").reason == "Late data from the field"


def test_reviewer_edits_a_periods_due_date_on_its_page(client, reviewer, period):
    import datetime

    url = f"/indicators/periods/{period.pk}/edit/"
    login(client, reviewer)
    plan_page = client.get(f"/indicators/plans/{period.plan_id}/").content.decode()
    assert f'href="{url}"' in plan_page
    client.cookies["django_language"] = "zh-hans"
    page = client.get(url).content.decode()
    assert 'value="2026-01-01"' in page and 'type="date"' in page  # ISO whatever the language
    data = {"start_date": "2026-01-01", "end_date": "2026-12-31"}
    r = client.post(url, {**data, "due_date": "2025-12-31"})  # before the start
    assert r.status_code == 400 and 'role="alert"' in r.content.decode()
    period.refresh_from_db()
    assert period.due_date is None
    assert client.post(url, {**data, "due_date": "2027-01-31"}).status_code == 302
    period.refresh_from_db()
    assert period.due_date == datetime.date(2027, 1, 31)
    assert Event.objects.filter(action="period.updated", target_id=str(period.pk)).exists()
    assert "data-period-due" in client.get(f"/indicators/plans/{period.plan_id}/").content.decode()


def test_period_edit_refusals(client, officer, period, undp):
    from entities.choices import Role
    from tests.factories import user_with_role

    url = f"/indicators/periods/{period.pk}/edit/"
    data = {"start_date": "2026-01-01", "end_date": "2026-12-31", "due_date": "2027-01-31"}
    login(client, officer)
    assert client.get(url).status_code == 403
    assert client.post(url, data).status_code == 403
    login(client, user_with_role(Role.REVIEWER, undp, username="rev-undp"))
    assert client.post(url, data).status_code == 404
    period.refresh_from_db()
    assert period.due_date is None and not Event.objects.filter(action="period.updated").exists()


def test_admin_changes_a_periods_due_date_through_the_service(client, period, unops):
    import datetime

    from django.contrib.auth.models import Permission

    from entities.choices import Role
    from tests.factories import UserFactory, user_with_role

    data = {"start_date": "2026-01-01", "end_date": "2026-12-31", "due_date": "2027-02-15",
            "is_closed": "on"}  # fmt: skip
    url = f"/admin/indicators/reportingperiod/{period.pk}/change/"
    # A superuser holds no reviewer role in the entity: the service refuses, nothing written.
    client.force_login(UserFactory(username="t-root", is_superuser=True, is_staff=True))
    assert client.post(url, data).status_code == 403
    period.refresh_from_db()
    assert period.due_date is None
    staff = user_with_role(Role.REVIEWER, unops, username="t-staff-reviewer", is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(codename__endswith="reportingperiod"))
    client.force_login(staff)
    assert client.get(url).status_code == 200
    r = client.post(url, data)
    assert r.status_code == 302, r.content
    period.refresh_from_db()
    assert period.due_date == datetime.date(2027, 2, 15)
    assert not period.is_closed  # closing needs a reason: not from the admin
    assert Event.objects.filter(action="period.updated", actor=staff).exists()


def test_period_close_refusals(client, officer, officer_undp, period, undp):
    from entities.choices import Role
    from tests.factories import user_with_role

    url = f"/indicators/periods/{period.pk}/close/"
    login(client, officer)
    assert client.get(url).status_code == 403
    assert client.post(url, {"reason": "x", "confirm": "on"}).status_code == 403
    login(client, user_with_role(Role.REVIEWER, undp, username="rev-undp"))
    assert client.post(url, {"reason": "x", "confirm": "on"}).status_code == 404
    period.refresh_from_db()
    assert not period.is_closed and not Event.objects.filter(action="period.closed").exists()


# --- the grid at scale ------------------------------------------------------------------------


def _tree_plan(plan):
    """Two goals, the first with a principle below it; an indicator under each of the three."""
    from tests.indicators.factories import LevelFactory, NodeFactory

    goal = LevelFactory(plan=plan, depth=0, code="goal", name_en="Goal")
    principle = LevelFactory(plan=plan, depth=1, code="principle", name_en="Principle")
    g1 = NodeFactory(plan=plan, level=goal, code="G1", title_en="People", order=1)
    g2 = NodeFactory(plan=plan, level=goal, code="G2", title_en="Planet", order=2)
    p1 = NodeFactory(plan=plan, level=principle, code="P1", parent=g1, title_en="Fairness")
    return {
        "G2": IndicatorFactory(plan=plan, node=g2, code="IND-G2"),
        "P1": IndicatorFactory(plan=plan, node=p1, code="IND-P1"),
        "G1": IndicatorFactory(plan=plan, node=g1, code="IND-G1"),
    }


def test_grid_groups_rows_by_goal_and_principle(client, officer, plan, period):
    _tree_plan(plan)
    page = login(client, officer).get(entry_url(period)).content.decode()
    heads = [page.index(h) for h in ("Goal G1: People", "Principle P1: Fairness", "Goal G2")]
    rows = [page.index(f'data-code="{c}"') for c in ("IND-G1", "IND-P1", "IND-G2")]
    assert heads[0] < rows[0] < heads[1] < rows[1] < heads[2] < rows[2]
    # A principle's heading names the goal above it.
    p1 = page[heads[1] - 200 : heads[1]]
    assert "Goal G1: People" in p1


def test_grid_filters_by_status_and_needs_my_action(client, officer, reviewer, plan, period):
    inds = _tree_plan(plan)
    value_in(inds["G1"], period, Status.DRAFT, officer=officer)
    value_in(inds["P1"], period, Status.SUBMITTED, officer=officer)
    login(client, officer)

    def codes(query):
        r = client.get(entry_url(period) + query)
        assert r.status_code == 200
        page = r.content.decode()
        return {c for c in ("IND-G1", "IND-P1", "IND-G2") if f'data-code="{c}"' in page}

    assert codes("") == {"IND-G1", "IND-P1", "IND-G2"}
    assert codes("?status=draft") == {"IND-G1"}
    assert codes("?status=submitted") == {"IND-P1"}
    assert codes("?status=none") == {"IND-G2"}
    assert codes("?needs_action=true") == {"IND-G1", "IND-G2"}
    assert codes("?needs_action=false") == {"IND-P1"}
    assert codes("?q=IND-P") == {"IND-P1"}
    # An unknown status is a form error, not a crash (django-filter shows all rows).
    r = client.get(entry_url(period) + "?status=bogus")
    assert r.status_code == 200
    assert "Select a valid choice" in r.content.decode()


def test_grid_with_groups_and_filters_query_count_does_not_grow(
    client, officer, plan, period, django_assert_max_num_queries
):
    from tests.indicators.factories import NodeFactory

    first = with_framework(_tree_plan(plan)["G1"])
    value_in(first, period, officer=officer)
    login(client, officer)
    url = entry_url(period) + "?needs_action=true"
    with django_assert_max_num_queries(30) as few:
        assert client.get(url).status_code == 200
    baseline = len(few.captured_queries)
    for _ in range(10):
        node = NodeFactory(plan=plan)
        ind = with_framework(IndicatorFactory(plan=plan, node=node))
        value_in(ind, period, officer=officer)
    page = client.get(url)
    assert page.status_code == 200 and page.content.decode().count("data-group") == 13
    with django_assert_max_num_queries(baseline):
        assert client.get(url).status_code == 200


def test_attach_in_grid_answers_only_the_extra_block(client, officer, indicator, period):
    """The defect of issue 14: the answer to an attachment replaced the whole row, and with it
    the value the officer had typed but not saved. Now it never contains the row's form."""
    value_in(indicator, period, officer=officer)
    url = f"/indicators/entry/{period.pk}/{indicator.pk}/attach/"
    login(client, officer)
    for data in ({"text": "From the tracker"}, {"file": SimpleUploadedFile("s.pdf", PDF)}):
        page = client.post(url, data, HTTP_HX_REQUEST="true").content.decode()
        assert f'id="extra-{indicator.pk}"' in page
        assert f'id="row-{indicator.pk}"' not in page and "-value" not in page


def _bulk(values):
    return [f"{v.pk}:{v.version}" for v in values]


def test_bulk_submit_from_grid(client, officer, plan, period):
    drafts = [value_in(IndicatorFactory(plan=plan), period, officer=officer) for _ in range(3)]
    stale = drafts[2]
    url = f"/indicators/entry/{period.pk}/bulk/"
    login(client, officer)
    page = client.get(entry_url(period)).content.decode()
    assert all(f'value="{v}"' in page for v in _bulk(drafts))
    assert "{#" not in page and "{%" not in page
    selection = _bulk(drafts[:2]) + [f"{stale.pk}:{stale.version - 1}"]
    r = client.post(url, {"action": "submit", "values": selection}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200
    page = r.content.decode()
    assert page.count('data-ok="1"') == 2 and page.count('data-ok="0"') == 1
    assert "changed by someone else" in page
    # The submitted rows come back out of band; the refused one is left as it is.
    assert page.count('hx-swap-oob="true"') == 2
    assert f'id="entry-{drafts[0].indicator_id}"' in page
    assert f'id="entry-{stale.indicator_id}"' not in page
    statuses = dict(Value.objects.values_list("pk", "status"))
    assert [statuses[v.pk] for v in drafts] == [Status.SUBMITTED, Status.SUBMITTED, Status.DRAFT]
    assert Event.objects.filter(action="value.submitted").count() == 2


def test_bulk_submit_refusals(client, officer, reviewer, officer_undp, plan, period):
    value = value_in(IndicatorFactory(plan=plan), period, officer=officer)
    url = f"/indicators/entry/{period.pk}/bulk/"
    login(client, officer)
    for data in ({"action": "submit"}, {"action": "submit", "values": ["x:1"]}):
        r = client.post(url, data, HTTP_HX_REQUEST="true")
        assert r.status_code == 400 and 'role="alert"' in r.content.decode()
    r = client.post(url, {"action": "approve", "values": _bulk([value])}, HTTP_HX_REQUEST="true")
    assert r.status_code == 400
    login(client, reviewer)
    assert client.post(url, {"action": "submit", "values": _bulk([value])}).status_code == 403
    login(client, officer_undp)
    assert client.post(url, {"action": "submit", "values": _bulk([value])}).status_code == 404
    assert Value.objects.get().status == Status.DRAFT
    assert not Event.objects.filter(action="value.submitted").exists()


def test_review_bulk_approve_and_return(client, officer, reviewer, plan, period, unops):
    from entities.choices import Role
    from tests.factories import MembershipFactory

    submitted = [
        value_in(IndicatorFactory(plan=plan), period, Status.SUBMITTED, officer=officer)
        for _ in range(3)
    ]
    MembershipFactory(user=reviewer, entity=unops, role=Role.PROGRAMME_OFFICER)
    own = value_in(IndicatorFactory(plan=plan), period, Status.SUBMITTED, officer=reviewer)
    login(client, reviewer)
    page = client.get("/indicators/review/").content.decode()
    assert all(f'value="{v}"' in page for v in _bulk([*submitted, own]))
    r = client.post(
        "/indicators/review/bulk/", {"action": "approve", "values": _bulk([*submitted[:2], own])}
    )
    assert r.status_code == 200
    page = r.content.decode()
    assert page.count('data-ok="1"') == 2
    assert "entered or submitted yourself" in page
    # A return without a reason writes nothing.
    r = client.post(
        "/indicators/review/bulk/", {"action": "return", "values": _bulk(submitted[2:])}
    )
    assert r.status_code == 400 and "Give a reason." in r.content.decode()
    assert Value.objects.get(pk=submitted[2].pk).status == Status.SUBMITTED
    r = client.post(
        "/indicators/review/bulk/",
        {"action": "return", "reason": "Attach the source", "values": _bulk(submitted[2:])},
    )
    assert r.status_code == 200 and 'data-ok="1"' in r.content.decode()
    statuses = dict(Value.objects.values_list("pk", "status"))
    assert [statuses[v.pk] for v in submitted] == [
        Status.APPROVED,
        Status.APPROVED,
        Status.RETURNED,
    ]
    assert statuses[own.pk] == Status.SUBMITTED
    assert Event.objects.get(action="value.returned").reason == "Attach the source"


def test_review_bulk_refusals(client, officer, reviewer, officer_undp, plan, period, undp):
    from entities.choices import Role
    from tests.factories import user_with_role

    value = value_in(IndicatorFactory(plan=plan), period, Status.SUBMITTED, officer=officer)
    data = {"action": "approve", "values": _bulk([value])}
    login(client, officer)
    assert client.post("/indicators/review/bulk/", data).status_code == 403
    login(client, user_with_role(Role.REVIEWER, undp, username="rev-undp"))
    r = client.post("/indicators/review/bulk/", data)
    assert r.status_code == 200 and "No such value." in r.content.decode()
    login(client, reviewer)
    r = client.post("/indicators/review/bulk/", {"action": "submit", "values": _bulk([value])})
    assert r.status_code == 400
    assert Value.objects.get().status == Status.SUBMITTED
    assert not Event.objects.filter(action="value.approved").exists()


def test_review_queue_needs_my_action_and_query_count(
    client, officer, reviewer, plan, period, unops, django_assert_max_num_queries
):
    from entities.choices import Role
    from tests.factories import MembershipFactory

    mine = value_in(IndicatorFactory(plan=plan), period, Status.SUBMITTED, officer=officer)
    MembershipFactory(user=reviewer, entity=unops, role=Role.PROGRAMME_OFFICER)
    own = value_in(IndicatorFactory(plan=plan), period, Status.SUBMITTED, officer=reviewer)
    login(client, reviewer)
    page = client.get("/indicators/review/?needs_action=true").content.decode()
    assert f"select-value-{mine.pk}" in page and f"select-value-{own.pk}" not in page

    def rebuilt():
        """The queue rebuilt (its cache entry moved on) under a warm signed-in shell: the
        user, navigation and unread count are cached per user and rebuilt by the first
        request after a write of their scopes (another page here)."""
        from core.cache import bump

        bump("indicators")
        client.get("/entities/")
        bump("indicators")
        return client.get("/indicators/review/?needs_action=true")

    with django_assert_max_num_queries(30) as few:
        assert rebuilt().status_code == 200
    for _ in range(10):
        value_in(IndicatorFactory(plan=plan), period, Status.SUBMITTED, officer=officer)
    with django_assert_max_num_queries(len(few.captured_queries)):
        r = rebuilt()
        assert r.status_code == 200
    assert r.content.decode().count("data-select ") == 11


def test_grid_bulk_and_closing_in_chinese(client, officer, reviewer, indicator, period):
    value = value_in(indicator, period, officer=officer)
    login(client, officer)
    client.cookies["django_language"] = "zh-hans"
    page = client.get(entry_url(period), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "待我处理" in page and "提交所选" in page and "未填报" in page
    r = client.post(
        f"/indicators/entry/{period.pk}/bulk/",
        {"action": "submit", "values": [f"{value.pk}:{value.version + 5}"]},
        HTTP_HX_REQUEST="true",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert "被拒绝：" in r.content.decode()
    login(client, reviewer)
    client.cookies["django_language"] = "zh-hans"
    page = client.get(f"/indicators/periods/{period.pk}/close/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert (
        "关闭报告期" in page.content.decode()
        and "本期有 1 个数值尚未核准。" in page.content.decode()
    )
    page = client.get("/indicators/review/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "核准所选" in page and "退回所选" in page


def test_grid_bulk_submit_without_javascript_redirects_with_messages(
    client, officer, indicator, period
):
    value = value_in(indicator, period, officer=officer)
    login(client, officer)
    r = client.post(
        f"/indicators/entry/{period.pk}/bulk/",
        {"action": "submit", "values": [f"{value.pk}:{value.version}"]},
        follow=True,
    )
    assert r.status_code == 200 and r.redirect_chain[-1][0] == entry_url(period)
    assert f"{indicator.code} 2026: Done." in r.content.decode()
    assert Value.objects.get().status == Status.SUBMITTED
