"""The commit writes what the preview checked without reading the workbook again, and refuses
when anything the check depended on changed since (optimistic, compared set-based); what an
import changes shows in the value's history page and in the auditors' trail."""

import threading
import time
from decimal import Decimal

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.utils import translation

from audit.models import Event
from entities.models import Membership
from indicators import selectors, services
from indicators.choices import ImportStatus
from indicators.formatting import snapshot
from indicators.models import Indicator, Value
from indicators.services.imports import _checked_name
from tests.indicators.test_excel import upload, workbook

pytestmark = pytest.mark.django_db

STALE = (
    "1 values were changed by someone else since the preview; upload the file again to see them."
)


def _previewed(officer, period, edits):
    job = services.import_job_create(
        period=period, upload=upload(workbook(period, edits)), actor=officer
    )
    assert job.status == ImportStatus.READY, job.errors
    return job


def _refused(job, officer, message):
    committed = Event.objects.filter(action="import.committed").count()
    job = services.import_commit(job=job, actor=officer)
    assert job.status == ImportStatus.INVALID
    assert [e["message"] for e in job.errors] == [message]
    assert Event.objects.filter(action="import.committed").count() == committed
    return job


def test_commit_writes_what_the_preview_kept_without_the_workbook(
    officer, period, kinds, django_capture_on_commit_callbacks
):
    job = _previewed(officer, period, {"K-number": (12.5, None), "K-text": ("Fine", None)})
    storage = job.file.storage
    assert storage.exists(_checked_name(job))
    storage.delete(job.file.name)  # the commit does not read the workbook again
    with django_capture_on_commit_callbacks(execute=True):
        job = services.import_commit(job=job, actor=officer)
    assert job.status == ImportStatus.COMMITTED and job.written_rows == 2, job.errors
    assert Value.objects.get(indicator=kinds["number"]).numeric_value == Decimal("12.5")
    assert Value.objects.get(indicator=kinds["text"]).text_value == "Fine"
    assert not storage.exists(_checked_name(job))  # kept only until the commit


def test_a_preview_without_kept_rows_is_checked_again_at_commit(officer, period, kinds):
    job = _previewed(officer, period, {"K-number": (12.5, None)})
    job.file.storage.delete(_checked_name(job))  # e.g. previewed before previews kept them
    job = services.import_commit(job=job, actor=officer)
    assert job.status == ImportStatus.COMMITTED and job.written_rows == 1, job.errors
    assert Value.objects.get(indicator=kinds["number"]).numeric_value == Decimal("12.5")


def test_a_value_changed_since_the_preview_refuses_the_commit(officer, period, kinds):
    services.value_save(
        indicator=kinds["number"], period=period, data={"numeric_value": 10}, actor=officer
    )
    job = _previewed(officer, period, {"K-number": (12.5, None), "K-text": ("Fine", None)})
    services.value_save(
        indicator=kinds["number"], period=period, data={"numeric_value": 11}, actor=officer
    )
    _refused(job, officer, STALE)
    assert Value.objects.get(indicator=kinds["number"]).numeric_value == Decimal("11")
    assert not Value.objects.filter(indicator=kinds["text"]).exists()  # nothing written


def test_a_value_created_since_the_preview_refuses_the_commit(officer, period, kinds):
    job = _previewed(officer, period, {"K-number": (12.5, None)})
    services.value_save(
        indicator=kinds["number"], period=period, data={"numeric_value": 11}, actor=officer
    )
    _refused(job, officer, STALE)
    assert Value.objects.get(indicator=kinds["number"]).numeric_value == Decimal("11")


def test_a_value_submitted_since_the_preview_refuses_the_commit(officer, period, kinds):
    value = services.value_save(
        indicator=kinds["number"], period=period, data={"numeric_value": 10}, actor=officer
    )
    job = _previewed(officer, period, {"K-number": (12.5, None)})
    services.value_submit(value=value, actor=officer)
    _refused(job, officer, STALE)
    assert Value.objects.get(pk=value.pk).numeric_value == Decimal("10")


@pytest.mark.parametrize(
    "change",
    [{"decimals": 0}, {"value_kind": "percent"}, {"is_active": False}, {"code": "K-renamed"}],
)
def test_an_indicator_changed_since_the_preview_refuses_the_commit(officer, period, kinds, change):
    job = _previewed(officer, period, {"K-number": (12.5, None)})
    Indicator.objects.filter(pk=kinds["number"].pk).update(**change)
    _refused(job, officer, STALE)
    assert not Value.objects.exists()


def test_parts_changed_since_the_preview_refuse_the_commit(officer, period, kinds):
    job = _previewed(officer, period, {"K-parts": ("pooled=60; thematic=27", None)})
    indicator = kinds["parts"]
    Indicator.objects.filter(pk=indicator.pk).update(
        part_labels=[*indicator.part_labels, {"code": "other", "en": "Other", "zh": "其他"}]
    )
    _refused(job, officer, STALE)
    assert not Value.objects.exists()


def test_the_uploader_who_lost_the_role_since_the_preview_writes_nothing(officer, period, kinds):
    job = _previewed(officer, period, {"K-number": (12.5, None)})
    Membership.objects.filter(user=officer).delete()
    _refused(job, officer, "You have no role in this entity.")
    assert not Value.objects.exists()


def test_unchanged_rows_stay_as_they_are_without_refusing(officer, period, kinds):
    """A value the file left unchanged and someone changed since is no longer the preview's
    business: the commit writes the previewed changes and leaves that one as it is."""
    services.value_save(
        indicator=kinds["number"], period=period, data={"numeric_value": 10}, actor=officer
    )
    job = _previewed(officer, period, {"K-number": (10, None), "K-text": ("Fine", None)})
    assert (job.rows_to_write, job.unchanged_rows) == (1, 1)
    services.value_save(
        indicator=kinds["number"], period=period, data={"numeric_value": 11}, actor=officer
    )
    job = services.import_commit(job=job, actor=officer)
    assert job.status == ImportStatus.COMMITTED and job.written_rows == 1
    assert Value.objects.get(indicator=kinds["number"]).numeric_value == Decimal("11")


def test_an_imported_change_shows_in_the_value_history_and_the_audit_trail(
    client, api, officer, auditor, period, kinds
):
    """No audit event per value: the value's history shows the import from its history row
    (user, import) and the import's one event (file), between the value's own events."""
    services.value_save(
        indicator=kinds["number"], period=period, data={"numeric_value": 10}, actor=officer
    )
    job = _previewed(officer, period, {"K-number": (12.5, None)})
    services.import_commit(job=job, actor=officer)
    value = Value.objects.get(indicator=kinds["number"])
    client.force_login(auditor)
    page = client.get(f"/indicators/values/{value.pk}/").content.decode()
    history = page[page.index("data-history") :]
    history = history[: history.index("</table>")]
    saved, imported = history.split("</tr>")[1:3]
    assert "Value saved" in saved and "10.0" in saved
    assert "Imported from values.xlsx" in imported and officer.username in imported
    assert "10.0" in imported and "12.5" in imported
    api.force_authenticate(auditor)
    rows = api.get(f"/api/v1/values/{value.pk}/history/").json()
    assert [(r["action"], r["import_id"]) for r in rows] == [("saved", None), ("imported", job.pk)]
    assert (rows[1]["old"], rows[1]["new"], rows[1]["file"]) == ("10.0", "12.5", "values.xlsx")
    assert not Event.objects.filter(action="value.saved", payload__new__numeric_value="12.5")
    trail = client.get("/audit/?action=import.committed").content.decode()
    assert "values.xlsx" in trail and officer.username in trail
    # Auditors filtering the trail by saved values are told where imported ones are.
    assert "data-import-note" in client.get("/audit/?action=value.saved").content.decode()
    assert "data-import-note" not in trail
    row = Value.pgh_event_model.objects.filter(pgh_obj_id=value.pk).latest("pgh_id")
    assert row.numeric_value == Decimal("12.5")
    assert row.pgh_context.metadata == {"user": officer.pk, "service": "import", "import": job.pk}


def test_a_value_history_names_the_workbook_even_when_its_file_is_unknown(officer, period, kinds):
    job = _previewed(officer, period, {"K-number": (12.5, None)})
    services.import_commit(job=job, actor=officer)
    Event.objects.filter(action="import.committed").update(payload={})
    value = Value.objects.get(indicator=kinds["number"])
    (entry,) = selectors.value_history(value)
    assert (entry["action_label"], entry["actor"], entry["old"], entry["new"]) == (
        "Imported from a workbook",
        officer.username,
        "",
        "12.5",
    )
    with translation.override("zh-hans"):
        assert selectors.value_history(value)[0]["action_label"] == "从工作簿导入"


def test_an_import_recorded_per_value_before_shows_once(officer, period, kinds):
    """An import committed while imports still wrote a value.saved event per value: its
    history row is not shown a second time."""
    job = _previewed(officer, period, {"K-number": (12.5, None)})
    services.import_commit(job=job, actor=officer)
    value = Value.objects.get(indicator=kinds["number"])
    row = Value.pgh_event_model.objects.get(pgh_obj_id=value.pk)
    committed = Event.objects.get(action="import.committed")
    legacy = Event.objects.create(
        actor=officer,
        action="value.saved",
        target_type="indicators.value",
        target_id=str(value.pk),
        target_repr=str(value),
        payload={"old": None, "new": snapshot(row, {}), "status": "draft"},
    )
    Event.objects.filter(pk=legacy.pk).update(created_at=row.pgh_created_at)
    assert [e["action"] for e in selectors.value_history(value)] == ["saved"]
    assert committed.created_at >= row.pgh_created_at


@pytest.mark.django_db(transaction=True)
def test_two_commits_of_one_job_write_it_once(officer, period, kinds):
    """A double click or a retried task: both commits wait for the period, the first writes,
    the second finds the job committed and leaves it as it is (one event, the first's counts)."""
    job = _previewed(officer, period, {"K-number": (12.5, None), "K-text": ("Fine", None)})
    holder = connections.create_connection(DEFAULT_DB_ALIAS)
    holder.set_autocommit(False)
    with holder.cursor() as cursor:  # both commits queue behind this lock of the period
        cursor.execute(
            "SELECT 1 FROM indicators_reportingperiod WHERE id = %s FOR NO KEY UPDATE",
            [period.pk],
        )

    def commit():
        try:
            services.import_job_write(job_id=job.pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=commit) for _ in range(2)]
    for thread in threads:
        thread.start()
    try:
        for _ in range(300):
            with holder.cursor() as cursor:
                cursor.execute("SELECT pg_stat_clear_snapshot()")  # fresh within a transaction
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
                if cursor.fetchone()[0] >= 2:
                    break
            time.sleep(0.1)
        else:
            pytest.fail("the two commits never waited for the period")
    finally:
        holder.rollback()
        holder.close()
        for thread in threads:
            thread.join(60)
    job.refresh_from_db()
    assert (job.status, job.written_rows, job.errors) == (ImportStatus.COMMITTED, 2, [])
    assert Event.objects.filter(action="import.committed").count() == 1
    assert Value.objects.get(indicator=kinds["number"]).version == 1
