"""Every API operation, as officer, reviewer and administrator, answers without a server error
and as its schema says: schemathesis generates requests from /api/schema/ and sends them to the
Django WSGI application over real PostgreSQL data made by the factories."""

import pytest
import schemathesis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from entities.choices import Role
from indicators.choices import Status
from oversight import demo as oversight_demo
from oversight import services as oversight_services
from oversight.choices import Acceptance, PeriodBasis
from tests.factories import EntityFactory, UserFactory, api_token, user_with_role
from tests.indicators.factories import (
    IndicatorFactory,
    LevelFactory,
    NodeFactory,
    PeriodFactory,
    PlanFactory,
    value_in,
    with_framework,
)
from tests.oversight.factories import (
    OversightBodyFactory,
    RecommendationFactory,
    ReportFactory,
    StatisticsPeriodFactory,
    body_auditor,
)

pytestmark = pytest.mark.long

# Small enough for each test to take seconds (bounded by the number of examples, not by a
# timed assertion that a busy machine could fail); each run still covers every operation
# three times over, with valid and with random data.
MAX_EXAMPLES = 3
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def build_data():
    """A little of everything the API shows: a framework with values in every state, oversight
    reports, recommendations (open, overdue, closed, of the JIU), mandates and evidence."""
    unops = EntityFactory(code="UNOPS", name_en="United Nations Office for Project Services")
    undp = EntityFactory(code="UNDP", name_en="United Nations Development Programme")
    officer = user_with_role(Role.PROGRAMME_OFFICER, unops, username="s-officer")
    reviewer = user_with_role(Role.REVIEWER, unops, username="s-reviewer")
    admin = UserFactory(username="s-admin", is_superuser=True, is_staff=True)

    plan = PlanFactory(entity=unops)
    PlanFactory(entity=undp, code="undp-sp")
    level = LevelFactory(plan=plan, depth=1, code="goal")
    node = NodeFactory(plan=plan, level=level, code="G1")
    period = PeriodFactory(plan=plan)
    PeriodFactory(plan=plan, label="2027", start_date="2027-01-01", end_date="2027-12-31")
    indicators = [
        with_framework(IndicatorFactory(plan=plan, node=node, code=f"I{i}", decimals=1))
        for i in range(4)
    ]
    value_in(indicators[0], period, Status.DRAFT, officer=officer)
    value_in(indicators[1], period, Status.SUBMITTED, officer=officer)
    value_in(indicators[2], period, Status.APPROVED, officer=officer, reviewer=reviewer)
    value_in(indicators[3], period, Status.RETURNED, officer=officer, reviewer=reviewer)

    oios = OversightBodyFactory(code="oios", name_en="OIOS", priority_scale=["critical"])
    jiu = OversightBodyFactory(code="jiu", name_en="JIU", tracks_acceptance=True)
    body_auditor(oios, username="s-auditor")
    StatisticsPeriodFactory(body=oios, label="2021")
    StatisticsPeriodFactory(body=jiu, label="2019-2021", basis=PeriodBasis.ISSUE)
    report = ReportFactory(body=oios, symbol="2021/001", entity=unops)
    open_rec = RecommendationFactory(report=report, entity=unops, is_critical=True)
    RecommendationFactory(
        report=report, entity=unops, status="implemented", implementation_date="2021-06-01"
    )
    RecommendationFactory(
        report=ReportFactory(body=jiu, symbol="JIU/REP/2021/1"),
        entity=unops,
        acceptance=Acceptance.ACCEPTED,
        target_date=None,
    )
    oversight_services.evidence_add(
        recommendation=open_rec,
        actor=officer,
        upload=SimpleUploadedFile("e.pdf", PDF, content_type="application/pdf"),
    )
    oversight_demo.load_resolutions()
    oversight_demo.load_action_plan()
    return {"officer": officer, "reviewer": reviewer, "admin": admin}


def _summary(exc):
    text = str(exc)
    for sub in getattr(exc, "exceptions", ()):
        text += "\n" + str(sub)
    return text[:1500]


def known_ids():
    """Ids and codes by the URL prefix of their endpoint, so generated requests reach rows."""
    from entities.models import Entity
    from indicators.models import (
        Baseline,
        ImportJob,
        Indicator,
        Node,
        NodeRollup,
        Plan,
        ProgressResult,
        ReportingPeriod,
        Target,
        Value,
    )
    from oversight.models import (
        ActionPlanItem,
        Evidence,
        OversightBody,
        OversightReport,
        Recommendation,
        Resolution,
    )

    models = {
        "plans": Plan,
        "nodes": Node,
        "periods": ReportingPeriod,
        "indicators": Indicator,
        "baselines": Baseline,
        "targets": Target,
        "values": Value,
        "imports": ImportJob,
        "progress/results": ProgressResult,
        "progress/rollups": NodeRollup,
        "oversight/reports": OversightReport,
        "oversight/recommendations": Recommendation,
        "oversight/evidence": Evidence,
        "oversight/resolutions": Resolution,
        "oversight/action-plan-items": ActionPlanItem,
    }
    ids = {k: list(m.objects.values_list("pk", flat=True)[:20]) for k, m in models.items()}
    ids["entities"] = list(Entity.objects.values_list("code", flat=True))
    ids["oversight/bodies"] = list(OversightBody.objects.values_list("code", flat=True))
    return ids


def _prefix(path):
    rest = path.removeprefix("/api/v1/")
    return rest.split("/{")[0]


def run_operation(operation, headers, ids):
    choices = ids.get(_prefix(operation.path)) or [0]

    # Requests that fit the schema and requests that do not (wrong types, missing fields,
    # out-of-range numbers): neither may cause a server error.
    strategy = operation.as_strategy(GenerationMode.POSITIVE) | operation.as_strategy(
        GenerationMode.NEGATIVE
    )

    @given(case=strategy, pick=st.sampled_from(choices) | st.just(None))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def check(case, pick):
        for name in ("id", "code"):
            if pick is not None and name in (case.path_parameters or {}):
                case.path_parameters[name] = pick
        case.call_and_validate(
            headers=headers,
            checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
        )

    check()


@pytest.fixture
def keep_test_connection():
    """The WSGI handler closes the database connection after each request; the test's
    transaction lives on it, so keep it open (as Django's test client does)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# One test per role and half of the operations (every other one, by label): six tests of a
# few seconds each, which parallel test processes share, instead of one long one.
ROLES = ["officer", "reviewer", "admin"]
PARTS = 2


@pytest.mark.django_db
@pytest.mark.usefixtures("keep_test_connection")
@pytest.mark.parametrize("part", range(PARTS))
@pytest.mark.parametrize("role", ROLES)
def test_every_operation_matches_its_schema(wsgi_schema, settings, tmp_path, role, part):
    settings.MEDIA_ROOT = tmp_path / "media"
    users = build_data()
    assert sorted(users) == sorted(ROLES)
    operations = sorted(
        (result.ok() for result in wsgi_schema.get_all_operations()), key=lambda o: o.label
    )
    assert len(operations) > 40
    failures = []
    ids = known_ids()
    headers = {"Authorization": f"Token {api_token(users[role])}"}
    for operation in operations[part::PARTS]:
        try:
            run_operation(operation, headers, ids)
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # noqa: BLE001 - failure groups, reported together
            failures.append(f"{role} {operation.label}: {_summary(exc)}")
    assert not failures, "\n\n".join(failures)


@pytest.fixture(scope="module")
def wsgi_schema(django_db_setup, django_db_blocker):
    """The schema as served, loaded once for every test of this module (its generation is slow)."""
    with django_db_blocker.unblock():
        return schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())


def _checked(wsgi_schema, user, path, method="GET", **path_parameters):
    """Call one operation and validate the response against the schema (raises on mismatch)."""
    token = api_token(user)
    operation = wsgi_schema[path][method]
    case = operation.Case(path_parameters=path_parameters or None)
    response = case.call(headers={"Authorization": f"Token {token}"})
    assert response.status_code == 200, response.text
    operation.validate_response(response)
    return response.json()


@pytest.mark.django_db
@pytest.mark.usefixtures("keep_test_connection")
def test_each_reported_mismatch_now_agrees(wsgi_schema, settings, tmp_path):
    """The reported ones, one by one: a blank rating, no submitter or reviewer yet, a blank
    proposed status, an unpaginated history, an entity without a governing body."""
    settings.MEDIA_ROOT = tmp_path / "media"
    from indicators.models import Value
    from oversight.models import Recommendation

    users = build_data()
    reviewer = users["reviewer"]
    values = _checked(wsgi_schema, reviewer, "/api/v1/values/")["results"]
    draft = next(v for v in values if v["status"] == "draft")
    assert draft["rating"] == "" and draft["submitted_by"] is None
    assert draft["reviewed_by"] is None
    history = _checked(
        wsgi_schema, reviewer, "/api/v1/values/{id}/history/", id=Value.objects.first().pk
    )
    assert isinstance(history, list) and history
    recs = _checked(wsgi_schema, users["admin"], "/api/v1/oversight/recommendations/")
    assert any(r["proposed_status"] == "" for r in recs["results"])
    rec_history = _checked(
        wsgi_schema,
        users["admin"],
        "/api/v1/oversight/recommendations/{id}/history/",
        id=Recommendation.objects.first().pk,
    )
    assert isinstance(rec_history, list)
    entities = _checked(wsgi_schema, reviewer, "/api/v1/entities/")["results"]
    assert entities[0]["governing_body"] is None


@pytest.mark.django_db
@pytest.mark.usefixtures("keep_test_connection")
def test_import_errors_have_the_documented_shape(wsgi_schema, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    build_data()
    from django.contrib.auth import get_user_model

    auditor = get_user_model().objects.get(username="s-auditor")  # OIOS's auditor imports
    token = api_token(auditor)
    operation = wsgi_schema["/api/v1/oversight/recommendations/import/"]["POST"]
    headers = {"Authorization": f"Token {token}"}
    for body in ({}, {"file": ("x.csv", b"", "text/csv")}, {"file": ("x.txt", b"\xff", "x/y")}):
        case = operation.Case(body=body, media_type="multipart/form-data")
        response = case.call(headers=headers)
        assert response.status_code == 400, response.text
        operation.validate_response(response)
        body = response.json()
        # The job with the file's problems, or the request's own: field -> messages.
        assert body["errors"][0]["message"] if "errors" in body else body["file"][0]
