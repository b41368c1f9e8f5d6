from datetime import date

import pytest

from entities.choices import Role
from entities.demo import load_entities, load_users
from entities.models import Entity
from indicators.demo import load_unops_plan
from indicators.services.progress import progress_compute_full
from reports import services
from tests.factories import user_with_role

AS_OF = date(2027, 1, 15)


@pytest.fixture
def demo(db, settings, tmp_path):
    """The UNOPS demo plan with its 2026 values, progress computed, and one user per role."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    load_entities()
    load_users()
    plan = load_unops_plan()
    progress_compute_full(as_of=AS_OF)
    unops = Entity.objects.get(code="UNOPS")
    undp = Entity.objects.get(code="UNDP")
    from django.contrib.auth import get_user_model

    users = {u.username: u for u in get_user_model().objects.all()}
    return {
        "plan": plan,
        "unops": unops,
        "undp": undp,
        "secretariat": users["secretariat"],
        "reviewer": users["reviewer"],
        "officer": users["officer"],
        "auditor": users["auditor"],
        "admin": users["admin"],
        "reader": user_with_role(Role.READER, unops, username="t-reader"),
        "secretariat_undp": user_with_role(
            Role.BOARD_SECRETARIAT, undp, username="t-secretariat-undp"
        ),
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
