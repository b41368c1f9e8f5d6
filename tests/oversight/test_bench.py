"""The benchmark's requests keep a constant number of queries as recommendations grow, so its
latencies measure the database work, not a growing number of round trips."""

import pytest
from django.test import Client

from benchmarks.oversight import SCENARIOS, count_queries, generate
from oversight.models import OversightReport, Recommendation
from tests.oversight.factories import RecommendationFactory

pytestmark = pytest.mark.django_db


def test_benchmark_query_counts_do_not_grow_with_rows():
    user = generate(n=40, n_reports=6)
    client = Client()
    client.force_login(user)
    # The signed-in shell (user, navigation, unread count) is cached from the first request
    # on (entities.backends): warmed first, so the counts compare the pages' own queries.
    client.get("/entities/")
    before = {label: count_queries(client, url, params) for label, url, params in SCENARIOS}
    report = OversightReport.objects.first()
    entity = Recommendation.objects.first().entity
    RecommendationFactory.create_batch(120, report=report, entity=entity, text_zh="资产燃料管理")
    after = {label: count_queries(client, url, params) for label, url, params in SCENARIOS}
    assert after == before
    assert Recommendation.objects.count() == 160


def test_import_benchmark_floors_leave_nothing_and_its_phases_are_timed(oios, unops, oios_auditor):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from benchmarks._oversight_import import Phases, _db_floor, _import_floor, import_csv
    from oversight import importers, services

    data = import_csv(20, n_reports=4)
    _import_floor(data)
    _db_floor(data, oios_auditor)  # writes the real tables, then rolls back
    assert Recommendation.objects.count() == 0 and OversightReport.objects.count() == 0
    read_frame = importers.read_frame
    with Phases() as phases:
        job = services.recommendation_import_create(
            upload=SimpleUploadedFile("b.csv", data), actor=oios_auditor, in_background=False
        )
        job = services.recommendation_import_commit(
            job=job, actor=oios_auditor, in_background=False
        )
    assert job.created_count == 20
    assert {"preview: read the file", "preview: compare (SQL)", "commit: merge"} <= set(
        phases.times
    )
    assert importers.read_frame is read_frame  # the timed wrappers are gone again
