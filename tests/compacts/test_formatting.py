"""UN editorial style for numbers and amounts, both languages; format then parse is identity."""

from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from core.formatting import format_amount, format_number, parse_amount, parse_number
from indicators.formatting import display
from indicators.models import Indicator


@pytest.mark.parametrize(
    ("value", "en", "zh"),
    [
        (43_000_000, "US$43 million", "4 300 万美元"),
        (55_000_000, "US$55 million", "5 500 万美元"),
        (129_000_000, "US$129 million", "1.29 亿美元"),
        (1_290_000_000, "US$1.29 billion", "12.9 亿美元"),
        (500_000_000, "US$500 million", "5 亿美元"),
        (3_950_000_000, "US$3.95 billion", "39.5 亿美元"),
        (645_600, "US$645,600", "645 600 美元"),
        (1_234_567, "US$1,234,567", "1 234 567 美元"),
        (7_500_000, "US$7.5 million", "750 万美元"),
    ],
)
def test_amounts_in_both_languages(value, en, zh):
    assert format_amount(value, "USD", language="en") == en
    assert format_amount(value, "USD", language="zh-hans") == zh


def test_numbers_group_thousands_by_language():
    assert format_number(12075, language="en") == "12,075"
    assert format_number(12075, language="zh-hans") == "12 075"
    assert format_number(Decimal("1234.5"), 1, language="zh-hans") == "1 234.5"
    assert format_number(None) == ""


def test_chinese_pages_no_longer_show_bare_currency_codes():
    """The indicators app's display (data entry, review, exports) uses the same module."""
    indicator = Indicator(value_kind="currency", currency="USD", decimals=0)
    with translation.override("zh-hans"):
        assert display(indicator, {"numeric_value": "3950000000"}) == "39.5 亿美元"
    with translation.override("en"):
        assert display(indicator, {"numeric_value": "3950000000"}) == "US$3.95 billion"


amounts = st.one_of(
    st.integers(min_value=0, max_value=10**15).map(Decimal),
    st.decimals(min_value=0, max_value=10**12, places=2, allow_nan=False, allow_infinity=False),
    # Scaled forms: 1.29 亿, 4 300 万, 43 million, 1.29 billion.
    st.integers(min_value=1, max_value=99_999).map(lambda n: Decimal(n) * 10**6),
    st.integers(min_value=1, max_value=99_999).map(lambda n: Decimal(n) * 10**4),
)


# No deadline: the shared CI machine is loaded, and a slow example is not a wrong one.
@settings(deadline=None, max_examples=300)
@given(amounts, st.sampled_from(["en", "zh-hans"]), st.sampled_from(["USD", "EUR"]))
def test_format_then_parse_gives_the_value_back(value, language, currency):
    text = format_amount(value, currency, language=language)
    assert parse_amount(text) == (value, currency)


@settings(deadline=None, max_examples=300)
@given(
    st.decimals(min_value=-(10**12), max_value=10**12, places=3, allow_nan=False),
    st.sampled_from(["en", "zh-hans"]),
)
def test_numbers_round_trip(value, language):
    assert parse_number(format_number(value, language=language)) == value
