"""Date inputs carry ISO dates in every language (a date input shows nothing else)."""

import datetime

import pytest
from django.utils.translation import override

from core.widgets import IsoDateInput
from indicators.forms import BaselineForm
from oversight.forms import ProposeClosureForm


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_iso_date_input_renders_iso_whatever_the_language(language):
    with override(language):
        html = IsoDateInput().render("d", datetime.date(2025, 1, 31))
    assert 'type="date"' in html
    assert 'value="2025-01-31"' in html


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_form_round_trips_its_date_in_chinese(language):
    """What the form renders is what it reads back: re-saving never clears the date."""
    with override(language):
        form = ProposeClosureForm(initial={"implementation_date": datetime.date(2026, 12, 2)})
        html = str(form["implementation_date"])
        assert 'value="2026-12-02"' in html
        bound = ProposeClosureForm(
            data={
                "proposed_status": "implemented",
                "implementation_date": "2026-12-02",
                "note": "x",
            }
        )
        bound.is_valid()
        assert bound.cleaned_data["implementation_date"] == datetime.date(2026, 12, 2)


def test_the_baseline_form_uses_iso_dates():
    assert isinstance(BaselineForm.base_fields["period_start"].widget, IsoDateInput)
    assert isinstance(BaselineForm.base_fields["period_end"].widget, IsoDateInput)
