"""Dates read the same on every page and in both languages: one set of formats
(resultsframework/formats), which templates name instead of writing patterns of their own."""

import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import translation

from core.widgets import IsoDateInput

ROOT = Path(settings.BASE_DIR)
DAY = date(2026, 12, 2)
MOMENT = datetime(2026, 12, 2, 14, 22, tzinfo=ZoneInfo("UTC"))


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_dates_and_times_have_one_form_in_both_languages(language):
    template = Template(
        '{{ d }}|{{ d|date:"SHORT_DATE_FORMAT" }}|{{ d|date:"DATE_FORMAT" }}|'
        '{{ t }}|{{ t|date:"SHORT_DATETIME_FORMAT" }}|{{ t|date:"DATETIME_FORMAT" }}'
    )
    with translation.override(language):
        rendered = template.render(Context({"d": DAY, "t": MOMENT}))
    assert rendered.split("|") == ["2026-12-02"] * 3 + ["2026-12-02 14:22"] * 3


def test_date_inputs_stay_iso_in_chinese():
    with translation.override("zh-hans"):
        html = IsoDateInput().render("d", DAY)
    assert 'value="2026-12-02"' in html


def test_templates_name_a_format_instead_of_a_pattern():
    """|date:"Y" (a year) is a number, not a date form; anything else is a named format."""
    allowed = {"Y", "SHORT_DATE_FORMAT", "DATE_FORMAT", "SHORT_DATETIME_FORMAT", "DATETIME_FORMAT"}
    found = []
    for path in ROOT.glob("**/templates/**/*.html"):
        if ".venv" in path.parts or "document" in path.parts:
            continue  # the report documents follow the UN's editorial rules (core/editorial.py)
        for pattern in re.findall(r'\|date:"([^"]*)"', path.read_text()):
            if pattern not in allowed:
                found.append(f"{path.relative_to(ROOT)}: {pattern}")
    assert found == []
