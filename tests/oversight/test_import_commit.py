"""The commit of a previewed recommendations file: it writes the rows the preview checked and
kept (without reading the file again) unless the data they depend on changed since — then it
checks the file again — and a database that refuses the write leaves an invalid job with a
clear message and nothing written."""

import pytest
from django.apps import apps
from django.db import connection

from audit.models import Event
from benchmarks.oversight import import_csv
from entities.models import OrgUnit
from oversight import services
from oversight.choices import ImportStatus
from oversight.models import OversightReport, Recommendation
from oversight.services_imports import KEPT_PREFIX

pytestmark = pytest.mark.django_db


def _preview(data, actor):
    from django.core.files.uploadedfile import SimpleUploadedFile

    job = services.recommendation_import_create(
        upload=SimpleUploadedFile("recs.csv", data), actor=actor, in_background=False
    )
    assert job.status == ImportStatus.READY, job.errors[:5]
    return job


def _commit(job, actor):
    return services.recommendation_import_commit(job=job, actor=actor, in_background=False)


def _kept(job):
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [f"{KEPT_PREFIX}{job.pk}"])
        return cursor.fetchone()[0]


def _committed_payload():
    return Event.objects.get(action="oversight.import.committed").payload


def test_the_commit_writes_what_the_preview_kept_without_reading_the_file_again(
    oios, unops, oios_auditor
):
    job = _preview(import_csv(50), oios_auditor)
    assert _kept(job)
    job.file.delete(save=False)  # the commit does not need the file any more
    job = _commit(job, oios_auditor)
    assert (job.status, job.created_count) == (ImportStatus.COMMITTED, 50), job.errors
    assert Recommendation.objects.count() == 50 and OversightReport.objects.count() == 50
    assert _committed_payload()["checked_again"] is False
    assert not _kept(job)  # dropped with the write


def test_a_new_preview_of_the_same_job_replaces_the_kept_rows(oios, unops, oios_auditor):
    job = _preview(import_csv(3), oios_auditor)
    services.recommendation_import_preview(job_id=job.pk)  # not pending: left alone
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {KEPT_PREFIX}{job.pk}")
        assert cursor.fetchone()[0] == 3


def test_a_recommendation_changed_since_the_preview_makes_the_commit_check_again(
    oios, unops, oios_auditor
):
    first = _commit(_preview(import_csv(3), oios_auditor), oios_auditor)
    assert first.created_count == 3
    lines = import_csv(3).decode().splitlines()
    lines[2] = lines[2].replace("Strengthen", "Tighten")
    job = _preview(("\n".join(lines) + "\n").encode(), oios_auditor)
    assert job.summary == {"create": 0, "update": 1, "unchanged": 2}
    # Meanwhile someone edits another of the file's recommendations.
    rec = Recommendation.objects.get(reference="B0000000")
    rec.text_en = "Edited by hand"
    rec.save()
    job = _commit(job, oios_auditor)
    assert job.status == ImportStatus.COMMITTED
    assert (job.created_count, job.updated_count, job.unchanged_count) == (0, 2, 1)
    assert (
        Event.objects.filter(action="oversight.import.committed")
        .order_by("id")
        .last()
        .payload["checked_again"]
    )
    assert Recommendation.objects.get(reference="B0000000").text_en.startswith("Strengthen")
    assert Recommendation.objects.get(reference="B0000001").text_en.startswith("Tighten")


def test_a_recommendation_created_since_the_preview_makes_the_commit_check_again(
    oios, unops, oios_auditor
):
    job = _preview(import_csv(2), oios_auditor)
    _commit(_preview(import_csv(1), oios_auditor), oios_auditor)  # B0000000, meanwhile
    job = _commit(job, oios_auditor)
    assert (job.created_count, job.unchanged_count) == (1, 1)
    assert (
        Event.objects.filter(action="oversight.import.committed")
        .order_by("id")
        .last()
        .payload["checked_again"]
    )


def test_a_unit_removed_since_the_preview_is_reported_by_row_and_nothing_is_written(
    oios, unops, oios_auditor
):
    unit = OrgUnit.objects.create(entity=unops, code="FIN", name_en="Finance")
    data = import_csv(3).decode().splitlines()
    data[0] += ",org_unit"
    data = [data[0]] + [line + ",FIN" for line in data[1:]]
    job = _preview(("\n".join(data) + "\n").encode(), oios_auditor)
    unit.delete()
    job = _commit(job, oios_auditor)
    assert job.status == ImportStatus.INVALID
    assert {(e["row"], e["column"]) for e in job.errors} == {
        (2, "org_unit"),
        (3, "org_unit"),
        (4, "org_unit"),
    }
    assert not Recommendation.objects.exists() and not OversightReport.objects.exists()
    assert not _kept(job)


@pytest.mark.parametrize(
    "tamper",
    [
        # A row the table's CHECK constraint refuses at once.
        "UPDATE {t} SET implementation_date = NULL WHERE status = 'implemented'",
        # A body that no longer exists: the deferred foreign keys refuse it at the end.
        "UPDATE {t} SET body_id = body_id + 1000000",
    ],
    ids=["check-constraint", "deferred-foreign-key"],
)
def test_a_database_refusal_leaves_an_invalid_job_with_a_message_and_nothing_written(
    tamper, oios, unops, oios_auditor
):
    job = _preview(import_csv(30), oios_auditor)
    with connection.cursor() as cursor:
        cursor.execute(tamper.format(t=f"{KEPT_PREFIX}{job.pk}"))
    job = _commit(job, oios_auditor)
    assert job.status == ImportStatus.INVALID
    assert (job.written_rows, job.rows_to_write) == (0, 0)
    assert [e["row"] for e in job.errors] == [0]
    assert "nothing was written" in job.errors[0]["message"]
    assert not Recommendation.objects.exists() and not OversightReport.objects.exists()
    event = apps.get_model("oversight", "RecommendationEvent")
    assert not event.objects.exists()
    assert not Event.objects.filter(action="oversight.import.committed").exists()
    assert not _kept(job)
    # The connection is usable and the job can be uploaded again.
    assert _commit(_preview(import_csv(30), oios_auditor), oios_auditor).created_count == 30


def test_a_file_with_problems_keeps_no_rows(oios, unops, oios_auditor):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = import_csv(5).replace(b",UNOPS,", b",NOPE,")
    job = services.recommendation_import_create(
        upload=SimpleUploadedFile("recs.csv", data), actor=oios_auditor, in_background=False
    )
    assert job.status == ImportStatus.INVALID and not _kept(job)


def test_rows_kept_longer_than_a_week_are_dropped_and_the_write_reads_the_file_again(
    oios, unops, oios_auditor
):
    from datetime import timedelta

    from django.utils import timezone

    from oversight.models import RecommendationImport
    from oversight.services_imports import KEPT_FOR

    old = _preview(import_csv(3), oios_auditor)
    recent = _preview(import_csv(3, prefix="C"), oios_auditor)
    RecommendationImport.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - KEPT_FOR - timedelta(minutes=1)
    )
    _preview(import_csv(3, prefix="D"), oios_auditor)  # each preview prunes
    assert not _kept(old) and _kept(recent)
    job = _commit(old, oios_auditor)
    assert (job.status, job.created_count) == (ImportStatus.COMMITTED, 3)
    assert _committed_payload()["checked_again"] is True


def test_rows_kept_before_the_preview_said_what_changes_are_checked_again(
    oios, unops, oios_auditor
):
    """A job previewed by the version before (its kept table has no "action" column) and
    committed after an upgrade: the commit reads the file again instead of failing."""
    _commit(_preview(import_csv(3), oios_auditor), oios_auditor)
    job = _preview(import_csv(4, text="Tighten"), oios_auditor)
    with connection.cursor() as cursor:
        table = f"{KEPT_PREFIX}{job.pk}"
        cursor.execute(f"ALTER TABLE {table} DROP COLUMN action, DROP COLUMN changed")
    job = _commit(job, oios_auditor)
    assert (job.status, job.created_count, job.updated_count) == (ImportStatus.COMMITTED, 1, 3)
    last = Event.objects.filter(action="oversight.import.committed").latest("id")
    assert last.payload["checked_again"] is True
