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
