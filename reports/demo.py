"""Demo: the draft of the UNOPS annual report for 2026 (DP/OPS/2027/2), with a summary in
English and Chinese. Idempotent."""

from datetime import date

from django.contrib.auth import get_user_model

from entities.models import Entity
from indicators.models import Plan

from . import services
from .models import Report

SUMMARY_EN = (
    "In 2026, the first year of its Strategic Plan 2026–2029, UNOPS expanded the implementation "
    "capacity of its partners. The figures in this report are illustrative."
)
SUMMARY_ZH = (
    "2026年是2026-2029年战略计划的第一年，项目署扩大了合作伙伴的执行能力。本报告中的数字为示例。"
)


def load_demo_report():
    secretariat = get_user_model().objects.filter(username="secretariat").first()
    unops = Entity.objects.filter(code="UNOPS").first()
    plan = Plan.objects.filter(entity=unops, code="sp-2026-2029").first() if unops else None
    if not (secretariat and plan):
        return None
    report = Report.objects.filter(entity=unops, symbol="DP/OPS/2027/2").first()
    if report is not None:
        return report
    report = services.report_create(
        actor=secretariat,
        entity=unops,
        plan=plan,
        year=2026,
        symbol="DP/OPS/2027/2",
        document_date=date(2027, 4, 1),
        agenda_item="9",
        title_en="Annual report of the Executive Director on the Strategic Plan 2026–2029",
        title_zh="执行主任关于2026-2029年战略计划的年度报告",
    )
    services.report_narrative_save(
        actor=secretariat, report=report, text_en=SUMMARY_EN, text_zh=SUMMARY_ZH
    )
    return report
