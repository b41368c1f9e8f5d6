from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings

from entities.choices import Role
from entities.demo import load_entities, load_users
from entities.models import Entity
from indicators.demo import load_unops_plan
from indicators.models import Plan
from indicators.services.progress import progress_compute_full
from reports import services
from tests.callbacks import tasks_sent
from tests.factories import user_with_role
from tests.once import rolled_back_at_end

AS_OF = date(2027, 1, 15)


@pytest.fixture(scope="module")
def _demo_pks(django_db_setup, django_db_blocker, tmp_path_factory):
    """The UNOPS demo plan with its 2026 values, progress computed, and one user per role: built
    once per module (thousands of queries) in a transaction rolled back when the module ends."""
    with (
        rolled_back_at_end(django_db_blocker),
        override_settings(
            MEDIA_ROOT=tmp_path_factory.mktemp("demo-media"), CELERY_TASK_ALWAYS_EAGER=False
        ),
    ):
        load_entities()
        load_users()
        plan = load_unops_plan()
        progress_compute_full(as_of=AS_OF)
        undp = Entity.objects.get(code="UNDP")
        unops = Entity.objects.get(code="UNOPS")
        user_with_role(Role.READER, unops, username="t-reader")
        user_with_role(Role.BOARD_SECRETARIAT, undp, username="t-secretariat-undp")
        yield {"plan": plan.pk, "unops": unops.pk, "undp": undp.pk}


@pytest.fixture
def demo(_demo_pks, db, settings, tmp_path):
    """The module's demo data as fresh instances (a test that changes one in memory changes
    nothing for the next test); files go to this test's own media folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    users = {u.username: u for u in get_user_model().objects.all()}
    return {
        "plan": Plan.objects.get(pk=_demo_pks["plan"]),
        "unops": Entity.objects.get(pk=_demo_pks["unops"]),
        "undp": Entity.objects.get(pk=_demo_pks["undp"]),
        "secretariat": users["secretariat"],
        "reviewer": users["reviewer"],
        "officer": users["officer"],
        "auditor": users["auditor"],
        "admin": users["admin"],
        "reader": users["t-reader"],
        "secretariat_undp": users["t-secretariat-undp"],
    }


@pytest.fixture
def report(demo):
    return services.report_create(
        actor=demo["secretariat"],
        entity=demo["unops"],
        plan=demo["plan"],
        year=2026,
        symbol="DP/OPS/2027/2",
        document_date=date(2027, 4, 1),
        title_en="Annual report of the Executive Director",
        title_zh="执行主任的年度报告",
        agenda_item="9",
    )


@pytest.fixture
def run_now(django_capture_on_commit_callbacks):
    """Start a run and render it in this process (the task's body), as a worker would."""

    def start(report, actor, language="en", formats=("xlsx", "docx", "pdf")):
        with django_capture_on_commit_callbacks(execute=False):
            run = services.report_run_start(
                actor=actor, report=report, language=language, formats=list(formats)
            )
        return services.report_run_execute(run_id=run.pk)

    return start


@pytest.fixture
def issue_now(django_capture_on_commit_callbacks):
    """Ask to issue a run and do the worker's part (its archival PDF/A and the issue) here."""

    def issue(run, actor):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            services.report_run_issue(actor=actor, run=run)
        assert len(tasks_sent(callbacks)) == 1  # the task is sent after commit
        return services.report_run_execute(run_id=run.pk)

    return issue
