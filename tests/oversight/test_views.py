"""The oversight pages: what each user sees and can do, refusals, query budgets, import."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from core.cache import bump
from oversight.choices import ReviewState, Status
from oversight.models import Comment, Evidence, Recommendation
from tests.oversight.conftest import PDF
from tests.oversight.factories import RecommendationFactory, ReportFactory

pytestmark = pytest.mark.django_db

YESTERDAY = (datetime.date.today() - datetime.timedelta(days=1)).isoformat()


def act(client, rec, action, data):
    return client.post(f"/oversight/recommendations/{rec.pk}/{action}/", data)


def test_list_filters_search_and_ageing(client, auditor, rec, undp_rec):
    undp_rec.text_zh = "应改进燃料管理。"
    undp_rec.save()
    client.force_login(auditor)
    r = client.get("/oversight/recommendations/")
    assert r.status_code == 200
    assert rec.reference in r.text and undp_rec.reference in r.text
    r = client.get("/oversight/recommendations/", {"q": "燃料"})
    assert undp_rec.reference in r.text and rec.reference not in r.text
    r = client.get("/oversight/recommendations/", {"entity": "UNOPS"})
    assert rec.reference in r.text and undp_rec.reference not in r.text
    assert r.context["ageing"]["overdue"] == 1  # target date 2022-06-30 has passed


def test_list_shows_only_own_entity(client, officer_undp, rec, undp_rec):
    client.force_login(officer_undp)
    r = client.get("/oversight/recommendations/")
    assert undp_rec.reference in r.text and rec.reference not in r.text
    assert client.get(f"/oversight/recommendations/{rec.pk}/").status_code == 404


def test_list_page_query_count(client, auditor, oios, unops, django_assert_max_num_queries):
    report = ReportFactory(body=oios)
    RecommendationFactory.create_batch(3, report=report, entity=unops)
    client.force_login(auditor)
    with django_assert_max_num_queries(20) as few:
        assert client.get("/oversight/recommendations/").status_code == 200
    RecommendationFactory.create_batch(60, report=report, entity=unops)
    # Factories write without a service: move the shared cache on as a service would, so
    # that the page is built again (the count of a build must not grow with the rows).
    bump()
    with django_assert_max_num_queries(len(few.captured_queries)):
        r = client.get("/oversight/recommendations/")
    assert r.status_code == 200
    assert r.context["count"] == 63


def test_detail_page_query_count(client, auditor, rec, reviewer, django_assert_max_num_queries):
    from oversight import services

    services.comment_add(recommendation=rec, actor=reviewer, text="one")
    client.force_login(auditor)
    with django_assert_max_num_queries(25) as few:
        assert client.get(f"/oversight/recommendations/{rec.pk}/").status_code == 200
    for i in range(10):
        services.comment_add(recommendation=rec, actor=reviewer, text=f"more {i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(f"/oversight/recommendations/{rec.pk}/").status_code == 200


def test_page_workflow(client, rec, reviewer, oios_auditor):
    client.force_login(reviewer)
    r = client.get(f"/oversight/recommendations/{rec.pk}/")
    assert set(r.context["forms"]) == {
        "comment",
        "record_progress",
        "upload_evidence",
        "propose_closure",
    }
    r = act(client, rec, "upload_evidence", {"file": SimpleUploadedFile("p.pdf", PDF)})
    assert r.status_code == 302
    r = act(
        client,
        rec,
        "propose_closure",
        {"proposed_status": "implemented", "implementation_date": YESTERDAY, "note": "Done"},
    )
    assert r.status_code == 302
    evidence = Evidence.objects.get()
    assert client.get(f"/oversight/evidence/{evidence.pk}/").status_code == 200
    client.force_login(oios_auditor)
    r = client.get(f"/oversight/recommendations/{rec.pk}/")
    assert set(r.context["forms"]) == {"comment", "accept_closure", "return_closure", "edit"}
    assert act(client, rec, "accept_closure", {"note": ""}).status_code == 302
    rec.refresh_from_db()
    assert rec.status == Status.IMPLEMENTED and rec.review_state == ReviewState.CLOSED
    r = client.get(f"/oversight/recommendations/{rec.pk}/")
    assert "closure_accepted" in [c.kind for c in r.context["comments"]]
    history = r.context["history"]
    assert len(history) >= 4
    # pghistory's middleware names who made each change.
    assert {"t-reviewer", "t-oios-auditor"} <= {h["user"] for h in history}
    assert any(h["changes"].get("status") == ("in_progress", "implemented") for h in history)
    # The page says it in words: field names and choice labels, not column values.
    page = r.content.decode()
    assert "Review state: Open → Closure proposed" in page
    assert "review_state" not in page and "closure_proposed" not in page


def test_page_refusals(client, rec, reviewer, boa_auditor, oios_auditor, officer_undp):
    client.force_login(reviewer)
    # Closure without evidence: the page again, 400, with the message; nothing written.
    r = act(
        client,
        rec,
        "propose_closure",
        {"proposed_status": "implemented", "implementation_date": YESTERDAY, "note": "Done"},
    )
    assert r.status_code == 400
    assert "Attach evidence before proposing closure." in r.text
    act(client, rec, "upload_evidence", {"file": SimpleUploadedFile("p.pdf", PDF)})
    act(
        client,
        rec,
        "propose_closure",
        {"proposed_status": "implemented", "implementation_date": YESTERDAY, "note": "Done"},
    )
    comments = Comment.objects.count()
    client.force_login(boa_auditor)
    assert act(client, rec, "accept_closure", {}).status_code == 403
    client.force_login(oios_auditor)
    r = act(client, rec, "return_closure", {"reason": ""})
    assert r.status_code == 400
    assert "Say why the closure is sent back." in r.text
    client.force_login(officer_undp)
    assert act(client, rec, "record_progress", {"note": "x"}).status_code == 404
    rec.refresh_from_db()
    assert rec.review_state == ReviewState.CLOSURE_PROPOSED
    assert Comment.objects.count() == comments


def test_evidence_is_not_served_to_other_entities(client, rec, reviewer, officer_undp):
    from oversight import services

    e = services.evidence_add(
        recommendation=rec, actor=reviewer, upload=SimpleUploadedFile("p.pdf", PDF)
    )
    client.force_login(officer_undp)
    assert client.get(f"/oversight/evidence/{e.pk}/").status_code == 404
    client.logout()
    assert client.get(f"/oversight/evidence/{e.pk}/").status_code == 302  # to sign-in


def xlsx(rows):
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    import io

    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile("recs.xlsx", out.getvalue())


HEADER = ["body", "report", "report_title", "report_date", "reference", "text_zh", "entity"]
HEADER += ["issued_on", "critical", "status", "implementation_date"]


def test_import_preview_errors_then_clean_confirm(client, oios, unops, oios_auditor):
    client.force_login(oios_auditor)
    bad = xlsx(
        [
            HEADER,
            ["oios", "2024/1", "Audit", "2024-01-10", "R1", "应加强控制。", "UNOPS", "2024-01-10"],
            ["oios", "2024/1", "", "", "R1", "", "NOPE", "10/01/2024", "maybe", "done"],
            ["jiu", "2024/1", "", "", "R3", "文字", "UNOPS", "2024-01-10", "no", "implemented"],
        ]
    )
    r = client.post("/oversight/import/", {"file": bad})
    assert r.status_code == 400
    errors = {(e["row"], e["column"]) for e in r.context["result"].errors}
    assert errors == {
        (3, "reference"),  # twice in the file
        (3, "entity"),
        (3, "issued_on"),
        (3, "critical"),
        (3, "status"),
        (4, "body"),
    }
    assert "nothing has been written" in r.text
    assert not Recommendation.objects.exists()
    good = xlsx(
        [
            HEADER,
            ["oios", "2024/1", "Audit", "2024-01-10", "R1", "应加强控制。", "UNOPS", "2024-01-10"],
            [
                "oios",
                "2024/1",
                "",
                "",
                "R2",
                "应更新手册。",
                "UNOPS",
                datetime.date(2024, 1, 10),
                "yes",
                "implemented",
                "2024-05-01",
            ],
        ]
    )
    r = client.post("/oversight/import/", {"file": good})
    assert r.status_code == 200
    token = r.context["confirm_token"]
    assert not Recommendation.objects.exists()  # the preview writes nothing
    r = client.post("/oversight/import/", {"confirm": token})
    assert r.status_code == 302
    assert Recommendation.objects.count() == 2
    r2 = Recommendation.objects.get(reference="R2")
    assert r2.is_critical and r2.status == Status.IMPLEMENTED
    assert r2.implementation_date == datetime.date(2024, 5, 1)


def test_import_refused_to_non_auditors(client, reviewer):
    client.force_login(reviewer)
    assert client.get("/oversight/import/").status_code == 403


def test_unreadable_import_file(client, oios_auditor):
    client.force_login(oios_auditor)
    r = client.post("/oversight/import/", {"file": SimpleUploadedFile("x.pdf", PDF)})
    assert r.status_code == 400
    assert "Upload an .xlsx or .csv file." in r.text
    r = client.post("/oversight/import/", {"file": SimpleUploadedFile("x.csv", b"a,b\n1,2\n")})
    assert r.status_code == 400
    assert "Missing columns" in r.text


def test_statistics_page_and_export(client, auditor, rec):
    client.force_login(auditor)
    r = client.get("/oversight/statistics/")
    assert r.status_code == 200
    assert "stats-oios" in r.text
    r = client.get("/oversight/statistics.xlsx")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    r = client.get("/oversight/export.xlsx", {"body": "oios"})
    assert r.status_code == 200


def test_resolution_pages(client, auditor, unops):
    from entities.choices import Role
    from oversight import demo
    from oversight.models import Resolution
    from tests.factories import user_with_role

    demo.load_resolutions()
    demo.load_action_plan()
    client.force_login(auditor)
    r = client.get("/oversight/resolutions/", {"q": "维持和平"})
    assert r.status_code == 200 and r.context["page"].paginator.count >= 1
    res = Resolution.objects.get(row=2)
    assert (
        client.post(f"/oversight/resolutions/{res.pk}/", {"status": "completed"}).status_code == 403
    )
    data = {
        "status": "completed",
        "action_kind": res.action_kind,
        "reports_or_actions_zh": res.reports_or_actions_zh,
        "summary_en": res.summary_en,
        "summary_zh": res.summary_zh,
    }
    # A General Assembly resolution: not UNOPS's secretariat's to change (no form, 403).
    client.force_login(user_with_role(Role.BOARD_SECRETARIAT, unops, username="t-sec-unops"))
    assert client.get(f"/oversight/resolutions/{res.pk}/").context["form"] is None
    assert client.post(f"/oversight/resolutions/{res.pk}/", data).status_code == 403
    res.refresh_from_db()
    assert res.status != "completed"
    secretariat = user_with_role(Role.BOARD_SECRETARIAT, None, username="t-sec2")
    client.force_login(secretariat)
    assert client.post(f"/oversight/resolutions/{res.pk}/", data).status_code == 302
    res.refresh_from_db()
    assert res.status == "completed"
    r = client.get(f"/oversight/resolutions/{res.pk}/")
    assert [h.pgh_label for h in r.context["history"]] == ["update", "insert"]
    assert client.get("/oversight/action-plans/").status_code == 200


def test_chinese_catalogue_is_complete_and_used(client, auditor, rec):
    from pathlib import Path

    import polib

    import oversight

    po = polib.pofile(str(Path(oversight.__file__).parent / "locale/zh_Hans/LC_MESSAGES/django.po"))
    assert po.percent_translated() == 100
    assert not po.fuzzy_entries()
    client.force_login(auditor)
    r = client.get("/oversight/recommendations/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "监督机构的建议" in r.text
    assert "导出为 Excel" in r.text


def test_body_auditor_edits_on_the_page(client, rec, oios_auditor, boa_auditor):
    data = {
        "text_en": rec.text_en,
        "text_zh": "新的中文案文。",
        "org_unit": "",
        "is_critical": "on",
        "priority": "critical",
        "issued_on": "2021-01-15",
        "target_date": "2023-12-31",
        "acceptance": "accepted",
        "management_response": "",
    }
    client.force_login(boa_auditor)
    assert act(client, rec, "edit", data).status_code == 403
    client.force_login(oios_auditor)
    r = act(client, rec, "edit", {**data, "priority": "urgent"})
    assert r.status_code == 400
    assert "Use one of the body" in r.text
    assert act(client, rec, "edit", data).status_code == 302
    rec.refresh_from_db()
    assert rec.text_zh == "新的中文案文。" and rec.is_critical
    assert rec.target_date.isoformat() == "2023-12-31"


def test_import_command(tmp_path, oios, unops, oios_auditor):
    from django.core.management import CommandError, call_command

    path = tmp_path / "recs.csv"
    path.write_text(
        "body,report,report_title,report_date,reference,text_en,entity,issued_on\n"
        "oios,2024/9,Audit,2024-01-02,X1,Do it,UNOPS,2024-01-02\n"
        "oios,2024/9,,,X2,Do more,NOPE,2024-01-02\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match="1 errors: nothing written"):
        call_command("import_recommendations", str(path), user=oios_auditor.username, commit=True)
    assert not Recommendation.objects.exists()
    path.write_text(path.read_text().replace("NOPE", "UNOPS"), encoding="utf-8")
    call_command("import_recommendations", str(path), user=oios_auditor.username, commit=True)
    assert Recommendation.objects.count() == 2


def test_import_updates_an_existing_reference(client, rec, oios_auditor):
    client.force_login(oios_auditor)
    csv = (
        "body,report,reference,text_zh,entity,issued_on,status,implementation_date\n"
        f"OIOS,{rec.report.symbol},{rec.reference},更新的案文。,unops,2021-01-15,implemented,"
        "2021-09-30\n"
    )
    r = client.post("/oversight/import/", {"file": SimpleUploadedFile("u.csv", csv.encode())})
    assert r.status_code == 200, r.context["result"].errors
    assert [p["action"] for p in r.context["result"].preview] == ["update"]
    client.post("/oversight/import/", {"confirm": r.context["confirm_token"]})
    rec.refresh_from_db()
    assert rec.text_zh == "更新的案文。"
    assert rec.status == Status.IMPLEMENTED and rec.review_state == ReviewState.CLOSED
    assert Recommendation.objects.count() == 1


def test_import_confirmation_needs_the_previewed_upload(client, oios_auditor):
    client.force_login(oios_auditor)
    r = client.post("/oversight/import/", {"confirm": "0" * 32}, follow=True)
    assert "The upload has expired; upload the file again." in r.text
    assert not Recommendation.objects.exists()


def test_semicolon_csv_is_read(client, oios, unops, oios_auditor):
    client.force_login(oios_auditor)
    csv = (
        "body;report;report_title;report_date;reference;text_zh;entity;issued_on\n"
        "oios;2024/7;审计;2024-03-01;S1;应加强控制，并报告进展。;UNOPS;2024-03-01\n"
    )
    r = client.post("/oversight/import/", {"file": SimpleUploadedFile("s.csv", csv.encode())})
    assert r.status_code == 200, r.context["result"].errors
    assert r.context["job"].rows_to_write == 1
    client.post("/oversight/import/", {"confirm": r.context["confirm_token"]})
    assert Recommendation.objects.get().text_zh == "应加强控制，并报告进展。"


def test_detail_speaks_the_readers_language_for_priority_and_a_closure_without_note(
    client, rec, reviewer, oios_auditor, pdf
):
    """The body's priority word and a closure accepted without a note read in Chinese on a
    Chinese page: no English sentence is stored in the comment for want of a note."""
    from django.utils import translation

    from oversight import services
    from oversight.choices import Status
    from oversight.models import Comment

    rec.priority = "important"
    rec.save(update_fields=["priority"])
    services.evidence_add(recommendation=rec, actor=reviewer, upload=pdf, description="Policy")
    services.recommendation_propose_closure(
        recommendation=rec, actor=reviewer, proposed_status=Status.IMPLEMENTED,
        implementation_date=rec.issued_on, note="Controls in place.",
    )  # fmt: skip
    services.recommendation_accept_closure(recommendation=rec, actor=oios_auditor)
    assert Comment.objects.get(recommendation=rec, kind="closure_accepted").body == ""
    client.force_login(oios_auditor)
    url = f"/oversight/recommendations/{rec.pk}/"
    with translation.override("en"):  # the requests' languages stay in this test
        zh = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").text
        en = client.get(url, HTTP_ACCEPT_LANGUAGE="en").text
    # (the edit form's field keeps the stored word as its value)
    assert "<dd>重要</dd>" in zh and "<dd>important</dd>" not in zh
    assert "已接受结案" in zh and "Closure accepted" not in zh
    assert "<dd>important</dd>" in en and "Closure accepted" in en
    # a word the catalogue does not know is shown as the body wrote it
    rec.priority = "urgent-ish"
    assert rec.get_priority_display() == "urgent-ish"
