"""Forms show bilingual content in the user's language."""

import pytest
from django.utils import translation

from indicators.forms import IndicatorCreateForm
from tests.indicators.factories import NodeFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("language", "title"), [("en", "Goal G-x"), ("zh-hans", "目标")])
def test_indicator_form_names_results_in_the_users_language(language, title):
    node = NodeFactory(code="G-x")
    with translation.override(language):
        choices = [
            str(label) for _, label in IndicatorCreateForm(plan=node.plan).fields["node"].choices
        ]
    assert choices[1:] == [f"G-x {title}"]


def test_units_read_in_the_users_language_and_unknown_ones_as_stored():
    from decimal import Decimal

    from indicators.formatting import display
    from tests.indicators.factories import IndicatorFactory

    people = IndicatorFactory(value_kind="number", unit_en="people", decimals=0)
    own = IndicatorFactory(value_kind="number", unit_en="tCO2e", decimals=0)
    data = {"numeric_value": Decimal("1200")}
    with translation.override("zh-hans"):
        assert display(people, data).endswith(" 人") and people.unit_label == "人"
        assert display(own, data).endswith(" tCO2e")
    with translation.override("en"):
        assert display(people, data).endswith(" people")
