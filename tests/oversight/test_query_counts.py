"""Every oversight list (page and API) keeps its number of queries as rows grow."""

import pytest

from oversight import demo, services
from oversight.models import ActionPlanItem, Resolution
from tests.oversight.conftest import PDF, auth
from tests.oversight.factories import RecommendationFactory, ReportFactory

pytestmark = pytest.mark.django_db


def grow_recommendations(oios, unops, reviewer, n):
    from django.core.files.uploadedfile import SimpleUploadedFile

    for _ in range(n):
        report = ReportFactory(body=oios, entity=unops)
        rec = RecommendationFactory(report=report, entity=unops)
        services.evidence_add(
            recommendation=rec, actor=reviewer, upload=SimpleUploadedFile("e.pdf", PDF)
        )


def grow_mandates(n):
    first = Resolution.objects.order_by("pk").first()
    item = ActionPlanItem.objects.order_by("pk").first()
    for i in range(n):
        Resolution.objects.create(
            governing_body=first.governing_body,
            session="76",
            row=1000 + i,
            agenda_item_number="1",
            number=f"76/{i}",
            action_kind=first.action_kind,
            status=first.status,
        )
        ActionPlanItem.objects.create(plan=item.plan, number=100 + i, status=item.status)


LISTS = [
    "/api/v1/oversight/bodies/",
    "/api/v1/oversight/reports/",
    "/api/v1/oversight/evidence/",
    "/api/v1/oversight/resolutions/",
    "/api/v1/oversight/action-plan-items/",
    "/api/v1/oversight/statistics/",
    "/oversight/resolutions/",
    "/oversight/reports/",
    "/oversight/action-plans/",
    "/oversight/statistics/",
    "/oversight/statistics.xlsx",
    "/oversight/export.xlsx",
]


def test_list_query_count_does_not_grow(
    api, client, auditor, oios, unops, reviewer, django_assert_max_num_queries
):
    """Every list, on the same rows (built once for all of them): its queries with 2
    recommendations and the demo mandates bound its queries with 14 and 12 more mandates."""
    demo.load_resolutions()
    demo.load_action_plan()
    grow_recommendations(oios, unops, reviewer, 2)
    auth(api, auditor)
    client.force_login(auditor)

    def get(url):
        return (api.get if url.startswith("/api/") else client.get)(url)

    few = {}
    for url in LISTS:
        with django_assert_max_num_queries(20, info=url) as queries:
            assert get(url).status_code == 200, url
        few[url] = len(queries.captured_queries)
    grow_recommendations(oios, unops, reviewer, 12)
    grow_mandates(12)
    for url in LISTS:
        with django_assert_max_num_queries(few[url], info=url):
            assert get(url).status_code == 200, url
