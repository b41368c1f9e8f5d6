"""Demo frameworks, built from the project's own copies of the source extracts (indicators/data/):
the UNOPS Strategic Plan 2026-2029 (real structure, ILLUSTRATIVE indicators and figures: the
plan's results annex is not in the source) and the Secretariat's programme plan 2016-2017
(programmes 8 and 25, with their real indicators of achievement and no figures).

Every loader is idempotent: a second run creates nothing.
"""

import json
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction

from entities import services as entity_services
from entities.choices import EntityType
from entities.models import Entity, OrgUnit

from . import services
from .choices import Direction, PlanKind, Status, TargetKind, ValueKind
from .models import Indicator, Value

DATA_DIR = Path(__file__).resolve().parent / "data"


def load_json(name):
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


# --- UNOPS strategic plan ---------------------------------------------------------------------

UNOPS_LEVELS = [
    ("pillar", "Pillar", "支柱"),
    ("goal", "Goal", "目标"),
    ("principle", "Principle", "原则"),
]


def _typed(kind, raw, decimals=0, currency=""):
    """Typed data for the services from a figure in the data file."""
    if raw is None:
        return None
    if kind in (ValueKind.NUMBER, ValueKind.PERCENT, ValueKind.CURRENCY):
        quantum = Decimal(1).scaleb(-decimals)
        data = {"numeric_value": Decimal(str(raw)).quantize(quantum, ROUND_HALF_UP)}
        if kind == ValueKind.CURRENCY:
            data["currency"] = currency
        return data
    if kind == ValueKind.YES_NO:
        return {"bool_value": bool(raw)}
    if kind == ValueKind.TEXT:
        return {"text_value": str(raw)}
    if kind == ValueKind.PARTS:
        return {
            "parts": {
                k: Decimal(str(v)).quantize(Decimal(1).scaleb(-decimals)) for k, v in raw.items()
            }
        }
    raise ValueError(kind)


def _milestone(kind, base, target, fraction):
    """A milestone on the straight line from baseline to end target."""
    if kind in (ValueKind.NUMBER, ValueKind.PERCENT, ValueKind.CURRENCY):
        return base + (target - base) * fraction
    if kind == ValueKind.PARTS:
        return {k: base[k] + (target[k] - base[k]) * fraction for k in target}
    if kind == ValueKind.YES_NO:
        return target if fraction >= 0.5 else base
    return None  # qualitative milestones are not invented


@transaction.atomic
def load_unops_plan():
    doc = load_json("strategic_plan_2026_2029.json")
    annex = load_json("unops_illustrative_indicators.json")
    entity = Entity.objects.get(code=doc["entity"])
    plan = services.plan_upsert(
        entity=entity,
        code="sp-2026-2029",
        actor=None,
        kind=PlanKind.STRATEGIC_PLAN,
        title_en=doc["title_en"],
        title_zh=doc["title_zh"],
        start_year=doc["period"][0],
        end_year=doc["period"][1],
        is_illustrative=True,
        note_en=annex["note_en"],
        note_zh=annex["note_zh"],
    )
    levels = {}
    for depth, (code, en, zh) in enumerate(UNOPS_LEVELS):
        levels[code] = services.level_upsert(
            plan=plan, depth=depth, code=code, actor=None, name_en=en, name_zh=zh
        )
    nodes = {}
    order = 0
    goals_by_pillar = {"D": doc["delivery_goals"], "M": doc["management_goals"]}
    for pillar in doc["pillars"]:
        order += 1
        p = services.node_upsert(
            plan=plan,
            code=pillar["code"],
            actor=None,
            level=levels["pillar"],
            parent=None,
            title_en=pillar["en"],
            title_zh=pillar["zh"],
            order=order,
        )
        for goal in goals_by_pillar[pillar["code"]]:
            order += 1
            g = services.node_upsert(
                plan=plan,
                code=goal["code"],
                actor=None,
                level=levels["goal"],
                parent=p,
                title_en=goal["title_en"],
                title_zh=goal["title_zh"],
                order=order,
            )
            for principle in goal["principles"]:
                order += 1
                nodes[principle["code"]] = services.node_upsert(
                    plan=plan,
                    code=principle["code"],
                    actor=None,
                    level=levels["principle"],
                    parent=g,
                    title_en=principle["title_en"],
                    title_zh=principle["title_zh"],
                    order=order,
                )
    p2025 = services.period_upsert(
        plan=plan,
        label="2025",
        actor=None,
        start_date=date(2025, 1, 1),
        end_date=date(2025, 12, 31),
        is_closed=True,
    )
    p2026 = services.period_upsert(
        plan=plan,
        label="2026",
        actor=None,
        start_date=date(2026, 1, 1),
        end_date=date(2026, 12, 31),
    )
    del p2025  # the baseline year: closed, shown to explain why it takes no entries
    User = get_user_model()
    officer = User.objects.filter(username="officer").first()
    reviewer = User.objects.filter(username="reviewer").first()
    # Each pillar's indicators are owned by one of UNOPS's org units (entities/demo.py), so
    # that the demo's org-unit officer sees one unit's share of the framework.
    units = {u.code: u for u in OrgUnit.objects.filter(entity=entity)}
    unit_of_pillar = {"D": units.get("DEL"), "M": units.get("MGT")}
    pillar_of = {
        principle["code"]: pillar["code"]
        for pillar in doc["pillars"]
        for goal in goals_by_pillar[pillar["code"]]
        for principle in goal["principles"]
    }
    value_rows, target_rows, baseline_rows = [], [], []
    for i, item in enumerate(annex["indicators"], start=1):
        kind = item["kind"]
        indicator = services.indicator_save(
            plan=plan,
            code=item["code"],
            actor=None,
            data={
                "node": nodes[item["principle"]],
                "name_en": item["name_en"],
                "name_zh": item["name_zh"],
                # The demo's own words (no UN document defines these indicators), so both
                # languages are the project's; the unit's Chinese comes from the vocabulary of
                # units (choices.UNIT_LABELS) unless the data gives one.
                "definition_en": "Illustrative indicator (invented for demonstration).",
                "definition_zh": "示例指标（为演示而编制）。",
                "data_source_en": "Illustrative: UNOPS corporate systems",
                "data_source_zh": "示例：项目署机构系统",
                "value_kind": kind,
                "unit_en": item.get("unit", ""),
                "unit_zh": item.get("unit_zh", ""),
                "currency": item.get("currency", ""),
                "decimals": item.get("decimals", 0),
                "direction": item["direction"] or Direction.NONE,
                "method_in_development": item.get("method_in_development", False),
                "part_labels": item.get("parts", []),
                "disaggregation_en": item.get("disaggregation_en", ""),
                "disaggregation_zh": item.get("disaggregation_zh", ""),
                "is_illustrative": True,
                "order": i,
                "org_unit": unit_of_pillar.get(pillar_of.get(item["principle"])),
            },
        )
        decimals, currency = indicator.decimals, indicator.currency
        baseline_rows.append(
            {
                "indicator": indicator,
                "data": {
                    **_typed(kind, item["baseline_2025"], decimals, currency),
                    "period_start": date(2025, 1, 1),
                    "period_end": date(2025, 12, 31),
                    "source": "Illustrative",
                },
            }
        )
        for year in (2026, 2027, 2028):
            raw = _milestone(kind, item["baseline_2025"], item["target_2029"], (year - 2025) / 4)
            if raw is not None:
                target_rows.append(
                    {
                        "indicator": indicator,
                        "year": year,
                        "data": _typed(kind, raw, decimals, currency),
                    }
                )
        target_rows.append(
            {
                "indicator": indicator,
                "year": 2029,
                "target_kind": TargetKind.END,
                "data": _typed(kind, item["target_2029"], decimals, currency),
            }
        )
        if officer and reviewer:
            value_rows.append(_demo_value(indicator, p2026, item, reviewer))
    services.baselines_set_many(rows=baseline_rows, actor=None)
    services.targets_set_many(rows=target_rows, actor=None)
    enter_new_values(value_rows, officer, reviewer)
    return plan


def _demo_value(indicator, period, item, reviewer):
    """The 2026 value's row for values_enter_through_workflow: entered, then brought through
    the workflow to the state the data file names."""
    kind = indicator.value_kind
    data = _typed(kind, item["value_2026"], indicator.decimals, indicator.currency)
    if data is None:
        data = {"is_missing": True, "footnote": item["footnote_2026"]}
    data["source"] = "Illustrative"
    state = item["state_2026"]
    row = {"indicator": indicator, "period": period, "data": data, "status": state}
    if state == Status.RETURNED:
        row["reason"] = "Please attach the source report for this figure."
    elif state == Status.APPROVED and kind == ValueKind.TEXT and not data.get("is_missing"):
        row["rating"] = "on_track"
    return row


def enter_new_values(rows, officer, reviewer):
    """Enter the rows whose value does not exist yet (a second run enters nothing), all at
    once through the values services' set-based path."""
    if not rows:
        return []
    there = set(
        Value.objects.filter(
            indicator__in={r["indicator"] for r in rows}, period__in={r["period"] for r in rows}
        ).values_list("indicator_id", "period_id")
    )
    new = [r for r in rows if (r["indicator"].pk, r["period"].pk) not in there]
    return services.values_enter_through_workflow(rows=new, officer=officer, reviewer=reviewer)


# --- Secretariat programme plan 2016-2017 -----------------------------------------------------

PPB_LEVELS = [
    ("programme", "Programme", "方案"),
    ("subprogramme", "Subprogramme", "次级方案"),
    ("component", "Component", "构成部分"),
    ("objective", "Objective", "目标"),
    ("expected_accomplishment", "Expected accomplishment", "预期成绩"),
]
PPB_PROGRAMMES = (8, 25)


def _kind_for(text_en):
    lowered = text_en.lower()
    if "percentage" in lowered or "%" in lowered or "per cent" in lowered:
        return ValueKind.PERCENT
    return ValueKind.NUMBER


@transaction.atomic
def load_programme_plan():
    doc = load_json("programme_plan_2016_2017.json")
    entity = entity_services.entity_upsert(
        code="UNSEC",
        actor=None,
        name_en="United Nations Secretariat",
        name_zh="联合国秘书处",
        short_name_zh="秘书处",
        entity_type=EntityType.SECRETARIAT,
    )
    plan = services.plan_upsert(
        entity=entity,
        code="ppb-2016-2017",
        actor=None,
        kind=PlanKind.PROGRAMME_PLAN,
        title_en="Biennial programme plan 2016-2017 (programmes 8 and 25, as revised)",
        title_zh="2016-2017 两年期方案计划（第 8 和第 25 方案，经修订）",
        start_year=2016,
        end_year=2017,
        # The project's own words about its copy of the document, so in both languages.
        note_en="Indicators of achievement from the summary of changes (A/69/6/Rev.1 "
        "revisions); performance measures (baselines, targets) are not in the source.",
        note_zh="绩效指标取自变动摘要（A/69/6/Rev.1 订正）；来源文件中没有业绩计量"
        "（基线、目标值）。",
    )
    levels = {
        code: services.level_upsert(
            plan=plan, depth=d, code=code, actor=None, name_en=en, name_zh=zh
        )
        for d, (code, en, zh) in enumerate(PPB_LEVELS)
    }
    services.period_upsert(
        plan=plan,
        label="2016-2017",
        actor=None,
        start_date=date(2016, 1, 1),
        end_date=date(2017, 12, 31),
    )
    counter = {"order": 0, "indicator": 0}

    def node(code, level, parent, en, zh):
        counter["order"] += 1
        return services.node_upsert(
            plan=plan,
            code=code,
            actor=None,
            level=levels[level],
            parent=parent,
            title_en=en,
            title_zh=zh or "",
            order=counter["order"],
        )

    def accomplishments(parent, prefix, eas):
        for ea in eas:
            ea_node = node(
                f"{prefix}({ea['letter']})",
                "expected_accomplishment",
                parent,
                ea["en"],
                ea.get("zh", ""),
            )
            for ioa in ea.get("indicators_of_achievement", []):
                counter["indicator"] += 1
                code = (
                    f"{prefix}{ioa['code']}"
                    if ioa["code"].startswith("(")
                    else (f"{prefix}({ea['letter']}){ioa['code']}")
                )
                services.indicator_save(
                    plan=plan,
                    code=code,
                    actor=None,
                    data={
                        "node": ea_node,
                        "name_en": ioa["en"],
                        "name_zh": ioa.get("zh", ""),
                        "value_kind": _kind_for(ioa["en"]),
                        "frequency": "biennial",
                        "direction": Direction.INCREASE,
                        "order": counter["indicator"],
                    },
                )

    for programme in doc["chapter_1"]["programmes"]:
        if programme["number"] not in PPB_PROGRAMMES:
            continue
        p_code = str(programme["number"])
        p = node(p_code, "programme", None, programme["title_en"], programme.get("title_zh"))
        for sp in programme["subprogrammes"]:
            sp_code = f"{p_code}.{sp['number']}"
            s = node(sp_code, "subprogramme", p, sp["title_en"], sp.get("title_zh"))
            if sp.get("objective"):
                obj = node(
                    f"{sp_code}.obj",
                    "objective",
                    s,
                    sp["objective"]["en"],
                    sp["objective"].get("zh"),
                )
                accomplishments(obj, f"{sp_code}", sp.get("expected_accomplishments", []))
            for comp in sp.get("components", []):
                c_code = f"{sp_code}.{comp['number']}"
                c = node(c_code, "component", s, comp["title_en"], comp.get("title_zh"))
                parent = c
                if comp.get("objective"):
                    parent = node(
                        f"{c_code}.obj",
                        "objective",
                        c,
                        comp["objective"]["en"],
                        comp["objective"].get("zh"),
                    )
                accomplishments(parent, c_code, comp.get("expected_accomplishments", []))
    return plan


# The demo loader (load_demo) runs each app's demo.load() after those it names here.
DEMO_AFTER = ("entities",)


def load():
    """Both frameworks, then their progress, so that the dashboards have something to show."""
    from .services.progress import progress_compute_full

    load_unops_plan()
    load_programme_plan()
    progress_compute_full()


def counts():
    """For the demo banner and tests."""
    return {
        "indicators": Indicator.objects.count(),
        "values": Value.objects.count(),
    }
