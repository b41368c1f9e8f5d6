"""A small compact built through the services: one derived indicator, and a compact-report
framework per entity with the indicator(s) it rolls up."""

from datetime import date
from decimal import Decimal

from compacts import services
from compacts.choices import Derivation, GroupKind
from entities.choices import Role
from indicators import services as ind
from indicators.choices import PlanKind, ValueKind
from tests.factories import EntityFactory, user_with_role

CODE = "small-compact"


def _framework(entity, kind):
    plan = ind.plan_upsert(
        entity=entity, code=CODE, actor=None, kind=kind, title_en="Compact",
        start_year=2016, end_year=2023,
    )  # fmt: skip
    level = ind.level_upsert(plan=plan, depth=1, code="c", actor=None, name_en="Commitment")
    node = ind.node_upsert(plan=plan, code="UN-6", actor=None, level=level, title_en="UN 6")
    periods = {
        y: ind.period_upsert(
            plan=plan,
            label=str(y),
            actor=None,
            start_date=date(y, 1, 1),
            end_date=date(y, 12, 31),
        )  # fmt: skip
        for y in (2016, 2017, 2018, 2019)
    }
    return plan, node, periods


def small_compact(entities, *, derivation=Derivation.SHARE_YES, report_kind=ValueKind.YES_NO):
    """(compact, compact indicator, {entity code: {"source": indicator, "denominator":
    indicator or None, "periods": {year: period}}})."""
    system = EntityFactory(code="UNSDG-T", name_en="UNSDG")
    plan, node, _periods = _framework(system, PlanKind.COMPACT)
    indicator = ind.indicator_save(
        plan=plan, code="UN 6.1", actor=None,
        data={"node": node, "name_en": "Share of entities", "value_kind": ValueKind.PERCENT},
    )  # fmt: skip
    compact = services.compact_upsert(
        code=CODE,
        plan=plan,
        actor=None,
        name_en="Compact",
        name_zh="契约",
        start_year=2019,
        end_year=2023,
    )
    group = services.group_upsert(compact=compact, kind=GroupKind.UNSDG, node=node, actor=None)
    commitment = services.commitment_upsert(
        group=group, number=6, node=node, actor=None, title_en="Commitment 6"
    )
    ratio = derivation == Derivation.RATIO_OF_SUMS
    ci = services.compact_indicator_upsert(
        indicator=indicator, commitment=commitment, actor=None, derivation=derivation,
        source_code="SRC", denominator_code="DEN" if ratio else "",
    )  # fmt: skip
    reports = {}
    for entity in entities:
        eplan, enode, periods = _framework(entity, PlanKind.COMPACT_REPORT)
        source = ind.indicator_save(
            plan=eplan, code="SRC", actor=None,
            data={"node": enode, "name_en": "Source", "value_kind": report_kind},
        )  # fmt: skip
        den = None
        if ratio:
            den = ind.indicator_save(
                plan=eplan, code="DEN", actor=None,
                data={"node": enode, "name_en": "Denominator", "value_kind": report_kind},
            )  # fmt: skip
        reports[entity.code] = {"source": source, "denominator": den, "periods": periods}
    return compact, ci, reports


def system_users():
    return (
        user_with_role(Role.PROGRAMME_OFFICER, None, username="t-sys-officer"),
        user_with_role(Role.REVIEWER, None, username="t-sys-reviewer"),
    )


def report(indicator, period, data, officer, reviewer, *, approve=True):
    """Enter, submit and (by default) approve an entity's value."""
    if isinstance(data, (int, Decimal)) and not isinstance(data, bool):
        data = {"numeric_value": Decimal(data)}
    elif isinstance(data, bool):
        data = {"bool_value": data}
    value = ind.value_save(indicator=indicator, period=period, data=data, actor=officer)
    value = ind.value_submit(value=value, actor=officer)
    if approve:
        value = ind.value_approve(value=value, actor=reviewer)
    return value
