"""A Chinese report prints an indicator's unit in Chinese, an English one in English: the
dataset takes the unit in the report's language (whatever the language of the process that
builds it), and the renderers print the dataset's unit after the figure."""

import pytest
from django.utils import translation

from indicators.choices import ValueKind
from indicators.models import Indicator
from reports.renderers.common import value_text
from reports.selectors import pinnable_snapshot, report_dataset

pytestmark = pytest.mark.django_db


def test_report_dataset_and_figure_carry_the_unit_in_the_reports_language(demo, report):
    numbers = Indicator.objects.filter(plan=report.plan, value_kind=ValueKind.NUMBER)
    people = numbers.filter(unit_en="people").first()
    own = numbers.exclude(pk=people.pk).first()
    Indicator.objects.filter(pk=own.pk).update(unit_en="closed projects", unit_zh="个已结项目")
    notes = {}
    snapshot = pinnable_snapshot()
    units = {}
    for language in ("en", "zh-hans"):
        # Built by a worker whose own language is the other one.
        with translation.override("zh-hans" if language == "en" else "en"):
            dataset = report_dataset(report=report, snapshot=snapshot, language=language)
        units[language] = {r["code"]: r for r in dataset["indicators"]}
        notes[language] = dataset["document"]["plan_note"]
    assert units["en"][own.code]["unit"] == "closed projects"
    assert units["zh-hans"][own.code]["unit"] == "个已结项目"
    assert units["en"][people.code]["unit"] == "people"
    assert units["zh-hans"][people.code]["unit"] == "人"  # the catalogue's Chinese
    row = {**units["zh-hans"][own.code], "actual": 12, "value": None}
    assert value_text(row, "actual", "zh-hans").endswith(" 个已结项目")
    # The framework's note (the demo's, from its data in both languages).
    assert notes["en"].startswith("ILLUSTRATIVE DATA.")
    assert notes["zh-hans"].startswith("示例数据。")
