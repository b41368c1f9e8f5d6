"""The history of a recommendation: the events of one transaction newest first, and an import
that leaves a recommendation as it is writes no history row for it."""

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from benchmarks.oversight import import_csv
from oversight import selectors, services
from oversight.choices import ImportStatus
from oversight.models import Recommendation
from tests.oversight.conftest import auth

pytestmark = pytest.mark.django_db

URL = "/api/v1/oversight/recommendations/"


def _import(data, actor):
    job = services.recommendation_import_create(
        upload=SimpleUploadedFile("recs.csv", data), actor=actor, in_background=False
    )
    assert job.status == ImportStatus.READY, job.errors[:3]
    return services.recommendation_import_commit(job=job, actor=actor, in_background=False)


def test_events_of_one_transaction_are_listed_newest_first(api, rec, oios_auditor):
    with transaction.atomic():  # one transaction: the three events share its time
        rec.text_en = "First change"
        rec.save()
        rec.text_en = "Second change"
        rec.save()
    history = selectors.recommendation_history(rec)
    assert [(h["event"], h["changes"].get("text_en")) for h in history] == [
        ("update", ("First change", "Second change")),
        (
            "update",
            ("The Administration should strengthen controls over procurement.", "First change"),
        ),
        ("insert", None),
    ]
    listed = auth(api, oios_auditor).get(f"{URL}{rec.pk}/history/").json()
    assert [(h["event"], h["changes"].get("text_en", [None, None])[1]) for h in listed] == [
        ("update", "Second change"),
        ("update", "First change"),
        ("insert", None),
    ]


def test_an_import_writes_no_history_row_for_an_unchanged_recommendation(oios, unops, oios_auditor):
    event = apps.get_model("oversight", "RecommendationEvent")
    _import(import_csv(5), oios_auditor)
    assert event.objects.filter(pgh_label="insert").count() == 5
    # The same file again: nothing changes, nothing is written.
    before = {r.pk: r.updated_at for r in Recommendation.objects.all()}
    job = _import(import_csv(5), oios_auditor)
    assert (job.created_count, job.updated_count, job.unchanged_count) == (0, 0, 5)
    assert event.objects.filter(pgh_label="update").count() == 0
    assert {r.pk: r.updated_at for r in Recommendation.objects.all()} == before
    # One row changed: one history row, for that one.
    job = _import(import_csv(5).replace(b"unit 3,", b"unit three,"), oios_auditor)
    assert (job.created_count, job.updated_count, job.unchanged_count) == (0, 1, 4)
    assert list(event.objects.filter(pgh_label="update").values_list("reference", flat=True)) == [
        "B0000003"
    ]
