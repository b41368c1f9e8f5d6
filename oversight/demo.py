"""Demo oversight data, built from the project's own copy of the extracts of A/76/644
(oversight/data/*.json: Annex I, Annex II, Annex III and paragraphs 89-99).

Annexes I and II are loaded as published. The report gives no recommendation-level data, so
the recommendations are ILLUSTRATIVE: generated deterministically so that their totals
reproduce Annex III exactly (OIOS 12,075 recommendations of which 1,202 critical, Board of
Auditors volumes I and II) and the JIU rates of paragraph 92. Their reports carry
is_illustrative=True and the pages label them. Every loader is idempotent: a second run
creates nothing.
"""

import json
import random
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction

from entities import services as entity_services
from entities.choices import EntityType, GoverningBodyKind

from . import services
from .choices import (
    ActionItemStatus,
    ActionKind,
    BodyKind,
    PeriodBasis,
    ResolutionStatus,
)
from .demo_data import (  # noqa: F401  (re-exported: oversight.demo keeps its names)
    ACTIONS,
    BOA_PERIODS,
    BOA_PLAN,
    JIU_AS_OF,
    JIU_PLAN,
    JIU_WINDOWS,
    OIOS_PERIODS,
    OIOS_PLAN,
    TOPICS,
    _boa,
    _jiu,
    _oios,
    _unops,
)
from .models import OversightBody

DATA_DIR = Path(__file__).resolve().parent / "data"

SECRETARIAT = "UNSEC"  # the same entity as the programme plan of indicators.demo
DEPARTMENTS = [
    ("DMSPC", "Department of Management Strategy, Policy and Compliance", "管理战略、政策和合规部"),
    ("DOS", "Department of Operational Support", "行动支助部"),
    ("DPO", "Department of Peace Operations", "和平行动部"),
    ("OICT", "Office of Information and Communications Technology", "信息和通信技术厅"),
    ("DGACM", "Department for General Assembly and Conference Management", "大会和会议管理部"),
]

BODIES = {
    "oios": {
        "name_en": "Office of Internal Oversight Services (OIOS)",
        "name_zh": "内部监督事务厅",
        "kind": BodyKind.INTERNAL_OVERSIGHT,
        "priority_scale": ["critical", "important"],
    },
    "boa": {
        "name_en": "Board of Auditors",
        "name_zh": "审计委员会",
        "kind": BodyKind.EXTERNAL_AUDIT,
        "priority_scale": ["high", "medium", "low"],
    },
    "jiu": {
        "name_en": "Joint Inspection Unit (JIU)",
        "name_zh": "联合检查组",
        "kind": BodyKind.INSPECTION,
        "tracks_acceptance": True,
    },
    "unops-iaig": {
        "name_en": "UNOPS Internal Audit and Investigations Group",
        "name_zh": "项目署内部审计和调查组",
        "kind": BodyKind.INTERNAL_AUDIT,
        "priority_scale": ["high", "medium", "low"],
    },
}


def load_json(name):
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


# Reference data ---------------------------------------------------------------------------


@transaction.atomic
def load_bodies():
    """Oversight bodies, the Annex III periods, the UN Secretariat entity with its departments,
    and the demo auditor as an auditor of every body."""
    for code, fields in BODIES.items():
        services.body_upsert(code=code, actor=None, **fields)
    bodies = {b.code: b for b in OversightBody.objects.all()}
    for label, start, end in OIOS_PERIODS:
        services.period_upsert(body=bodies["oios"], label=label, actor=None, start=start, end=end)
    for label, start, end in BOA_PERIODS:
        services.period_upsert(body=bodies["boa"], label=label, actor=None, start=start, end=end)
    for label, start, end in JIU_WINDOWS:
        services.period_upsert(
            body=bodies["jiu"],
            label=label,
            actor=None,
            start=start,
            end=end,
            basis=PeriodBasis.ISSUE,
        )
    entity = entity_services.entity_upsert(
        code=SECRETARIAT,
        actor=None,
        name_en="United Nations Secretariat",
        name_zh="联合国秘书处",
        short_name_zh="秘书处",
        entity_type=EntityType.SECRETARIAT,
    )
    for code, en, zh in DEPARTMENTS:
        entity_services.org_unit_upsert(
            entity=entity, code=code, actor=None, name_en=en, name_zh=zh
        )
    # The demo auditor (a global auditor, see entities.demo) audits every body, so one login
    # shows the whole workflow; tests use separate auditors per body.
    auditor = get_user_model().objects.filter(username="auditor").first()
    if auditor is not None:
        for body in bodies.values():
            services.body_auditor_add(body=body, user=auditor, actor=None)


def load_recommendations():
    """Illustrative recommendation-level data reproducing Annex III (see module docstring).
    Runs in seconds (bulk_create); a second run creates nothing."""
    from entities.models import Entity

    load_bodies()
    bodies = {b.code: b for b in OversightBody.objects.all()}
    entity = Entity.objects.get(code=SECRETARIAT)
    created = 0
    with transaction.atomic():
        created += _oios(bodies["oios"], entity, random.Random(90))
        created += _boa(bodies["boa"], entity, random.Random(91))
        created += _jiu(bodies["jiu"], entity, random.Random(92))
        created += _unops(bodies["unops-iaig"], random.Random(93))
    return created


# Annexes I and II, as published ---------------------------------------------------------

ACTION_STATUS = {
    ActionKind.REPORTS_SUBMITTED: ResolutionStatus.COMPLETED,
    ActionKind.ADDRESSED_IN_BUDGET: ResolutionStatus.COMPLETED,
    ActionKind.SCHEDULED: ResolutionStatus.PENDING,
    ActionKind.BRIEFING_AND_REPORT: ResolutionStatus.PENDING,
    ActionKind.NO_ACTION: ResolutionStatus.NOT_APPLICABLE,
    ActionKind.NO_REPORT: ResolutionStatus.NOT_APPLICABLE,
    ActionKind.NOT_APPLICABLE: ResolutionStatus.NOT_APPLICABLE,
}


@transaction.atomic
def load_resolutions():
    """The 64 rows of Annex I: GA 75th-session resolutions on administrative and budgetary
    matters and what the Secretariat did about each."""
    ga = entity_services.governing_body_upsert(
        code="ga",
        actor=None,
        name_en="General Assembly",
        name_zh="大会",
        kind=GoverningBodyKind.GENERAL_ASSEMBLY,
    )
    doc = load_json("resolutions_annex1.json")
    for row in doc["rows"]:
        kind = ActionKind(row["action_kind"])
        services.resolution_upsert(
            governing_body=ga,
            session="75",
            row=row["row"],
            actor=None,
            agenda_item_number=row["agenda_item_number"],
            agenda_item_en=row["agenda_item_en"],
            agenda_item_zh=row["agenda_item_zh"],
            number=row["resolution_number"],
            title_en=row["resolution_title_en"],
            title_zh=row["resolution_title_zh"],
            reports_or_actions_zh=row["reports_or_actions_zh"],
            report_symbols=row["report_symbols"],
            action_kind=kind,
            summary_en=row["summary_en"],
            summary_zh=row["summary_zh"],
            status=ACTION_STATUS[kind],
        )


def _item_status(category):
    if category == "in_progress":
        return ActionItemStatus.IN_PROGRESS
    # 'completed', and 'progress_reported', which para. 18 says are complete.
    return ActionItemStatus.COMPLETED


@transaction.atomic
def load_action_plan():
    """The 14 items of Annex II: the RBM action plan 2018-2021 of the UN Secretariat."""
    doc = load_json("rbm_action_plan.json")
    plan = services.action_plan_upsert(
        code="rbm-2018-2021",
        actor=None,
        title_en=doc["source"]["title_en"],
        title_zh=doc["source"]["title_zh"],
        source=doc["source"]["document"],
    )
    for item in doc["items"]:
        services.action_plan_item_upsert(
            plan=plan,
            number=item["item"],
            actor=None,
            activity_en=item["activity_en"],
            activity_zh=item["activity_zh"],
            implementation_date_en=(item.get("implementation_date_en") or "")[:200]
            if item.get("implementation_date_zh")
            else "",
            implementation_date_zh=item.get("implementation_date_zh") or "",
            status=_item_status(item["status_category"]),
            status_text_en=item["status_en"][:300],
            status_text_zh=item["status_zh"][:300],
            document_refs=item["status_document_refs"],
            progress_notes_en="\n".join(item["progress_notes_en"]),
            progress_notes_zh="\n".join(item["progress_notes_zh"]),
        )


# The demo loader (load_demo) runs each app's demo.load() after those it names here.
DEMO_AFTER = ("entities",)


def load():
    """Recommendations (illustrative), Annex I resolutions and the Annex II action plan."""
    load_recommendations()
    load_resolutions()
    load_action_plan()
