"""Pages, downloads and the API of reports: who sees, starts, downloads and issues what; the
public page; query counts that do not grow with rows. Runs here are made from the hand-written
dataset (no rendering) so the tests stay fast; rendering is tested in test_services."""

from datetime import date

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from audit.models import Event
from entities.choices import Role
from indicators.models import ProgressSnapshot, SnapshotStatus
from reports import services
from reports.choices import RunStatus
from reports.models import Publishing, Report, ReportFile, ReportRun
from reports.selectors import content_digest
from tests.callbacks import tasks_sent
from tests.factories import user_with_role
from tests.indicators.factories import PlanFactory
from tests.reports.datasets import sample_dataset

pytestmark = pytest.mark.django_db


@pytest.fixture
def snapshot(db):
    return ProgressSnapshot.objects.create(
        as_of=date(2027, 1, 15), status=SnapshotStatus.COMPLETE, is_current=True
    )


@pytest.fixture
def people(unops, undp):
    return {
        "secretariat": user_with_role(Role.BOARD_SECRETARIAT, unops, username="t-sec"),
        "reviewer": user_with_role(Role.REVIEWER, unops, username="t-rev"),
        "reader": user_with_role(Role.READER, unops, username="t-reader"),
        "officer": user_with_role(Role.PROGRAMME_OFFICER, unops, username="t-off"),
        "reader_undp": user_with_role(Role.READER, undp, username="t-reader-undp"),
        "secretariat_undp": user_with_role(Role.BOARD_SECRETARIAT, undp, username="t-sec-undp"),
    }


@pytest.fixture
def draft(unops):
    return Report.objects.create(
        entity=unops, plan=PlanFactory(entity=unops, start_year=2026, end_year=2029),
        year=2026, symbol="DP/OPS/2027/2", document_date=date(2027, 4, 1),
        title_en="Annual report", title_zh="年度报告",
    )  # fmt: skip


def make_run(report, snapshot, *, issued=False, status=RunStatus.SUCCEEDED, settings=None):
    dataset = sample_dataset()
    run = ReportRun.objects.create(
        report=report, language="en", formats=["xlsx"], snapshot=snapshot, dataset=dataset,
        digest=content_digest(dataset), status=status,
        issued_at=timezone.now() if issued else None,
    )  # fmt: skip
    f = ReportFile(run=run, format="xlsx", size=5, sha256="0" * 64)
    f.file.save("report.xlsx", ContentFile(b"PK..."), save=False)
    f.save()
    return run


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def runs(draft, snapshot, media):
    return {"draft": make_run(draft, snapshot), "issued": make_run(draft, snapshot, issued=True)}


def login(client, user):
    client.force_login(user)


@pytest.mark.parametrize(
    ("who", "sees_draft", "sees_issued"),
    [
        ("secretariat", True, True),
        ("reviewer", True, True),
        ("reader", False, True),
        ("officer", False, True),
        ("reader_undp", False, False),
        ("secretariat_undp", False, False),
    ],
)
def test_who_sees_which_run_and_file(client, people, runs, who, sees_draft, sees_issued):
    login(client, people[who])
    for key, expected in (("draft", sees_draft), ("issued", sees_issued)):
        run = runs[key]
        page = client.get(reverse("reports:run", args=[run.pk]))
        assert page.status_code == (200 if expected else 404)
        f = run.files.get()
        download = client.get(reverse("reports:file", args=[run.pk, f.pk]))
        assert download.status_code == (200 if expected else 404)
        if expected:
            assert download["Content-Disposition"].startswith("attachment")
            assert download["X-Content-Type-Options"] == "nosniff"
            assert b"".join(download.streaming_content) == b"PK..."
    archive = client.get(reverse("reports:list"))
    assert archive.status_code == 200
    shown = {r.pk for r in archive.context["runs"]}
    assert (runs["draft"].pk in shown) == sees_draft
    assert (runs["issued"].pk in shown) == sees_issued


def test_signed_out_is_sent_to_sign_in(client, runs):
    for url in [
        reverse("reports:list"),
        reverse("reports:run", args=[runs["issued"].pk]),
        reverse("reports:file", args=[runs["issued"].pk, runs["issued"].files.get().pk]),
    ]:
        assert client.get(url).status_code == 302


@pytest.mark.parametrize("who", ["reviewer", "reader", "officer", "secretariat_undp"])
def test_only_the_secretariat_starts_issues_and_writes(client, people, runs, draft, who):
    login(client, people[who])
    before = ReportRun.objects.count()
    response = client.post(
        reverse("reports:start", args=[draft.pk]), {"language": "en", "formats": ["pdf"]}
    )
    assert response.status_code in (403, 404)
    response = client.post(reverse("reports:issue", args=[runs["draft"].pk]))
    assert response.status_code in (403, 404)
    response = client.post(reverse("reports:narrative", args=[draft.pk]), {"n0-text_en": "x"})
    assert response.status_code in (403, 404)
    assert ReportRun.objects.count() == before
    assert not ReportRun.objects.get(pk=runs["draft"].pk).is_issued
    assert not draft.sections.exists()


def test_secretariat_writes_chinese_narrative_and_starts_a_run(
    client, people, draft, snapshot, django_capture_on_commit_callbacks
):
    login(client, people["secretariat"])
    response = client.post(
        reverse("reports:narrative", args=[draft.pk]),
        {"node": "", "n0-text_en": "Summary.", "n0-text_zh": "摘要。"},
    )
    assert response.status_code == 302
    assert draft.sections.get(key="summary").text_zh == "摘要。"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            reverse("reports:start", args=[draft.pk]),
            {"language": "zh-hans", "formats": ["xlsx", "pdf"]},
        )
    run = ReportRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "reports:run", args=[run.pk]
    )
    assert len(tasks_sent(callbacks)) == 1  # the task is sent after commit
    assert run.dataset["summary"] == "摘要。" and run.formats == ["xlsx", "pdf"]
    page = client.get(reverse("reports:run", args=[run.pk]), headers={"HX-Request": "true"})
    assert page.status_code == 200 and b'hx-trigger="every 1s"' in page.content
    assert b'data-run-status="queued"' in page.content


def test_bad_run_form_writes_nothing(client, people, draft, snapshot):
    login(client, people["secretariat"])
    response = client.post(
        reverse("reports:start", args=[draft.pk]), {"language": "fr", "formats": []}
    )
    assert response.status_code == 302 and response["Location"].endswith(f"/{draft.pk}/")
    assert not ReportRun.objects.exists()


def test_issuing_makes_the_run_visible_to_readers(
    client, people, draft, snapshot, media, django_capture_on_commit_callbacks
):
    run = make_run(draft, snapshot)
    login(client, people["reader"])
    assert client.get(reverse("reports:run", args=[run.pk])).status_code == 404
    login(client, people["secretariat"])
    # The request returns at once: the archival PDF is the worker's to make.
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert client.post(reverse("reports:issue", args=[run.pk])).status_code == 302
    assert len(tasks_sent(callbacks)) == 1
    run.refresh_from_db()
    assert run.status == RunStatus.ISSUING and not run.is_issued
    assert not run.files.filter(variant="archival").exists()
    page = client.get(reverse("reports:run", args=[run.pk]), headers={"HX-Request": "true"})
    assert b'data-run-status="issuing"' in page.content
    assert b'hx-trigger="every 1s"' in page.content  # the page follows it
    assert b'data-action="issue"' not in page.content
    assert b'data-action="delete-run"' not in page.content
    login(client, people["reader"])
    assert client.get(reverse("reports:run", args=[run.pk])).status_code == 404
    # the worker's part: the archival PDF from the hand-written dataset, then the issue
    services.report_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.is_issued and run.files.filter(variant="archival").exists()
    assert client.get(reverse("reports:run", args=[run.pk])).status_code == 200
    login(client, people["secretariat"])
    page = client.get(reverse("reports:run", args=[run.pk]))
    assert b"data-issued" in page.content and b'hx-trigger="every 1s"' not in page.content


def test_a_failed_issue_is_shown_on_the_run_page(client, people, draft, snapshot, media):
    run = make_run(draft, snapshot)
    ReportRun.objects.filter(pk=run.pk).update(digest="f" * 64)  # the worker will refuse it
    login(client, people["secretariat"])
    assert client.post(reverse("reports:issue", args=[run.pk])).status_code == 302
    services.report_run_execute(run_id=run.pk)
    page = client.get(reverse("reports:run", args=[run.pk]))
    assert b'data-run-status="succeeded"' in page.content and b"data-issued" not in page.content
    assert b"data-run-error" in page.content and b"Issuing failed" in page.content
    assert b'data-action="issue"' in page.content  # it may be issued again


@pytest.mark.parametrize("who", ["secretariat", "administrator"])
def test_a_manager_deletes_a_draft_run_after_confirming(client, people, runs, draft, who, unops):
    user = people.get(who) or user_with_role(Role.ADMINISTRATOR, unops, username="t-adm")
    run = runs["draft"]
    login(client, user)
    page = client.get(reverse("reports:run", args=[run.pk]))
    assert b'data-action="delete-run"' in page.content
    confirm = client.get(reverse("reports:run-delete", args=[run.pk]))
    assert confirm.status_code == 200 and b'data-action="confirm-delete-run"' in confirm.content
    assert ReportRun.objects.filter(pk=run.pk).exists()  # asking deletes nothing
    response = client.post(reverse("reports:run-delete", args=[run.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:detail", args=[draft.pk])
    assert not ReportRun.objects.filter(pk=run.pk).exists()
    assert Event.objects.filter(action="reports.run.deleted", target_id=str(run.pk)).exists()


def test_an_issued_or_working_run_is_not_deleted_from_its_page(
    client, people, runs, draft, snapshot
):
    working = make_run(draft, snapshot, status=RunStatus.ISSUING)
    login(client, people["secretariat"])
    for run, reason in ((runs["issued"], b"archive"), (working, b"still being rendered")):
        page = client.get(reverse("reports:run", args=[run.pk]))
        assert b'data-action="delete-run"' not in page.content
        confirm = client.get(reverse("reports:run-delete", args=[run.pk]))
        assert b"data-delete-refused" in confirm.content and reason in confirm.content
        assert b'data-action="confirm-delete-run"' not in confirm.content
        response = client.post(reverse("reports:run-delete", args=[run.pk]), follow=True)
        assert reason in response.content
        assert ReportRun.objects.filter(pk=run.pk).exists()


@pytest.mark.parametrize(
    "who", ["reviewer", "reader", "officer", "auditor", "reader_undp", "secretariat_undp"]
)
def test_every_other_role_is_refused_deleting_a_run(client, people, runs, who, unops):
    user = people.get(who) or user_with_role(Role.AUDITOR, unops, username="t-aud")
    login(client, user)
    for run in runs.values():
        page = client.get(reverse("reports:run", args=[run.pk]))
        assert b'data-action="delete-run"' not in page.content
        assert client.get(reverse("reports:run-delete", args=[run.pk])).status_code in (403, 404)
        assert client.post(reverse("reports:run-delete", args=[run.pk])).status_code in (403, 404)
    assert ReportRun.objects.count() == len(runs)
    assert not Event.objects.filter(action="reports.run.deleted").exists()


def test_public_page_shows_only_issued_runs_of_entities_that_opted_in(
    client, people, runs, draft, snapshot, undp
):
    undp_report = Report.objects.create(
        entity=undp, plan=PlanFactory(entity=undp, code="undp-sp"), year=2026,
        symbol="DP/2027/5", document_date=date(2027, 4, 1), title_en="UNDP report",
    )  # fmt: skip
    undp_issued = make_run(undp_report, snapshot, issued=True)
    public = reverse("reports:public")
    assert client.get(public).context["runs"] == []  # nobody opted in (off by default)
    Publishing.objects.create(entity=draft.entity, public=True)
    shown = [r.pk for r in client.get(public).context["runs"]]
    assert shown == [runs["issued"].pk]
    detail = client.get(reverse("reports:public-run", args=[runs["issued"].pk]))
    assert detail.status_code == 200 and b"D1.1-a" in detail.content
    for run in (runs["draft"], undp_issued):
        assert client.get(reverse("reports:public-run", args=[run.pk])).status_code == 404
        f = run.files.get()
        url = reverse("reports:public-file", args=[run.pk, f.pk])
        assert client.get(url).status_code == 404
    f = runs["issued"].files.get()
    assert (
        client.get(reverse("reports:public-file", args=[runs["issued"].pk, f.pk])).status_code
        == 200
    )


def test_publishing_is_set_by_the_secretariat_only(client, people, runs, draft):
    url = reverse("reports:publishing", args=[draft.entity_id])
    login(client, people["reviewer"])
    assert client.post(url, {"public": "1"}).status_code == 403
    assert not Publishing.objects.filter(public=True).exists()
    login(client, people["secretariat"])
    assert client.post(url, {"public": "1"}).status_code == 302
    assert Publishing.objects.get(entity=draft.entity).public


def test_archive_and_api_queries_do_not_grow_with_runs(
    client, api, people, draft, snapshot, media, django_assert_max_num_queries
):
    make_run(draft, snapshot)
    login(client, people["secretariat"])
    api.force_authenticate(people["secretariat"])
    with django_assert_max_num_queries(30) as few:
        assert client.get(reverse("reports:list")).status_code == 200
    with django_assert_max_num_queries(30) as few_api:
        assert api.get("/api/v1/report-runs/").status_code == 200
    for _ in range(5):
        make_run(draft, snapshot, issued=True)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse("reports:list")).status_code == 200
    with django_assert_max_num_queries(len(few_api.captured_queries)):
        response = api.get("/api/v1/report-runs/")
        assert response.status_code == 200
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse("reports:public")).status_code == 200


def test_api_start_answers_202_with_a_status_url(
    api, people, draft, snapshot, django_capture_on_commit_callbacks
):
    api.force_authenticate(people["secretariat"])
    with django_capture_on_commit_callbacks(execute=False):
        response = api.post(
            f"/api/v1/reports/{draft.pk}/runs/",
            {"language": "en", "formats": ["docx", "pdf"]},
            format="json",
        )
    assert response.status_code == 202
    run = ReportRun.objects.get()
    assert response.data["status_url"] == f"/api/v1/report-runs/{run.pk}/"
    assert response["Location"] == response.data["status_url"]
    status = api.get(response.data["status_url"])
    assert status.status_code == 200 and status.data["status"] == "queued"
    assert status.data["digest"] == run.digest


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"language": "fr", "formats": ["pdf"]}, "language"),
        ({"language": "en", "formats": []}, "formats"),
        ({"language": "en", "formats": ["odt"]}, "formats"),
    ],
)
def test_api_bad_input_is_400_and_writes_nothing(api, people, draft, snapshot, payload, field):
    api.force_authenticate(people["secretariat"])
    response = api.post(f"/api/v1/reports/{draft.pk}/runs/", payload, format="json")
    assert response.status_code == 400 and field in response.data
    assert not ReportRun.objects.exists()


def test_api_refusals(api, people, draft, runs):
    api.force_authenticate(people["reviewer"])
    response = api.post(
        f"/api/v1/reports/{draft.pk}/runs/", {"language": "en", "formats": ["pdf"]}, format="json"
    )
    assert response.status_code == 403 and "detail" in response.data
    assert api.post(f"/api/v1/report-runs/{runs['draft'].pk}/issue/").status_code == 403
    api.force_authenticate(people["reader"])
    assert api.get(f"/api/v1/reports/{draft.pk}/").status_code == 404
    assert api.get(f"/api/v1/report-runs/{runs['draft'].pk}/").status_code == 404
    assert api.get(f"/api/v1/report-runs/{runs['issued'].pk}/").status_code == 200
    api.force_authenticate(None)
    assert api.get("/api/v1/report-runs/").status_code in (401, 403)


def test_api_issue_answers_at_once_and_the_status_url_follows_it(
    api, people, runs, django_capture_on_commit_callbacks
):
    run = runs["draft"]
    api.force_authenticate(people["secretariat"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api.post(f"/api/v1/report-runs/{run.pk}/issue/")
    assert response.status_code == 202 and len(tasks_sent(callbacks)) == 1
    assert response.data["status"] == "issuing" and response.data["issued_at"] is None
    assert response["Location"] == response.data["status_url"]
    again = api.post(f"/api/v1/report-runs/{run.pk}/issue/")
    assert again.status_code == 400 and "being issued" in str(again.data)
    services.report_run_execute(run_id=run.pk)
    status = api.get(response.data["status_url"]).data
    assert status["status"] == "succeeded" and status["issued_at"]
    assert status["issued_by"] == people["secretariat"].pk
    assert {f["variant"] for f in status["files"]} == {"", "archival"}


@pytest.mark.parametrize(
    "who", ["reviewer", "reader", "officer", "auditor", "reader_undp", "secretariat_undp"]
)
def test_api_refuses_deleting_a_run_to_every_other_role(api, people, runs, who, unops):
    user = people.get(who) or user_with_role(Role.AUDITOR, unops, username="t-aud")
    api.force_authenticate(user)
    for run in runs.values():
        assert api.delete(f"/api/v1/report-runs/{run.pk}/").status_code in (403, 404)
    assert ReportRun.objects.count() == len(runs)


def test_api_deletes_a_draft_run_and_refuses_issued_and_working_ones(
    api, people, runs, draft, snapshot
):
    working = make_run(draft, snapshot, status=RunStatus.RUNNING)
    api.force_authenticate(people["secretariat"])
    for run, reason in ((runs["issued"], "archive"), (working, "still being rendered")):
        response = api.delete(f"/api/v1/report-runs/{run.pk}/")
        assert response.status_code == 400 and reason in str(response.data)
    assert api.delete(f"/api/v1/report-runs/{runs['draft'].pk}/").status_code == 204
    assert set(ReportRun.objects.values_list("pk", flat=True)) == {runs["issued"].pk, working.pk}
    api.force_authenticate(None)
    assert api.delete(f"/api/v1/report-runs/{working.pk}/").status_code in (401, 403)


def test_migration_moves_old_report_files_into_private_storage(client, people, runs, settings):
    """Files written before core/files (under MEDIA_ROOT, reachable by a URL) move to private
    storage under the same names, still download, and a second run changes nothing."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("reports.migrations.0002_report_files_private_storage")
    run = runs["draft"]
    name = f"reports/{run.pk}/DP-OPS-2027-2-en.xlsx"
    old = settings.MEDIA_ROOT / name
    old.parent.mkdir(parents=True, exist_ok=True)
    old.write_bytes(b"PK old")
    f = ReportFile.objects.create(run=run, format="xlsx", variant="old", file=name, size=6,
                                  sha256="0" * 64)  # fmt: skip
    migration.to_private(apps, None)
    migration.to_private(apps, None)
    assert not old.exists()
    assert (settings.MEDIA_ROOT / "private" / name).read_bytes() == b"PK old"
    login(client, people["secretariat"])
    download = client.get(reverse("reports:file", args=[run.pk, f.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"PK old"
    assert download["Content-Security-Policy"] == "default-src 'none'; sandbox"
    migration.to_default(apps, None)
    assert old.read_bytes() == b"PK old"


def test_admin_shows_a_run_with_its_private_files(client, runs, django_user_model):
    admin_user = django_user_model.objects.create_superuser("t-admin", "a@example.org", "x")
    client.force_login(admin_user)
    run = runs["issued"]
    page = client.get(reverse("admin:reports_reportrun_change", args=[run.pk]))
    assert page.status_code == 200
    assert run.files.get().file.name in page.content.decode()
