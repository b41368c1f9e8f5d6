"""The published-text parser: every form of the report, in both languages; bad forms quoted."""

from decimal import Decimal

import pytest

from compacts import parser

GOOD = [
    ("19.4% (2017)", "percent", Decimal("19.4"), 2017),
    ("27.0% (2017)", "percent", Decimal("27.0"), 2017),
    ("4 300 万美元 (2018)", "amount", Decimal("43000000"), 2018),
    ("5 500 万美元 (2019)", "amount", Decimal("55000000"), 2019),
    ("1.29 亿美元", "amount", Decimal("129000000"), None),
    ("5 亿美元", "amount", Decimal("500000000"), None),
    ("750万美元", "amount", Decimal("7500000"), None),
    ("US$43 million", "amount", Decimal("43000000"), None),
    ("US$43 million (2018)", "amount", Decimal("43000000"), 2018),
    ("$1.29 billion", "amount", Decimal("1290000000"), None),
    ("US$645,600", "amount", Decimal("645600"), None),
    ("28 (2019)", "count", Decimal("28"), 2019),
    ("12 075", "count", Decimal("12075"), None),
    ("12,075", "count", Decimal("12075"), None),
]


@pytest.mark.parametrize(("raw", "kind", "value", "year"), GOOD)
def test_numbers_amounts_and_years(raw, kind, value, year):
    published = parser.parse(raw)
    assert (published.kind, published.value, published.year) == (kind, value, year)
    assert published.raw == raw
    if kind == "amount":
        assert published.currency == "USD"


@pytest.mark.parametrize(
    ("raw", "parts", "markers", "year"),
    [
        ("59 和 27 (2017)", [59, 27], [], 2017),
        ("59 and 27", [59, 27], [], None),
        ("100 和 50 (2021)", [100, 50], [], 2021),
        ("46 和-a (2018)", [46, None], ["a"], 2018),
        ("46 and -a", [46, None], ["a"], None),
    ],
)
def test_values_in_two_parts(raw, parts, markers, year):
    published = parser.parse(raw)
    assert published.kind == "parts"
    assert published.parts == [None if p is None else Decimal(p) for p in parts]
    assert (published.markers, published.year) == (markers, year)


@pytest.mark.parametrize(
    ("raw", "answer", "year"),
    [("否", False, None), ("是 (2020)", True, 2020), ("yes", True, None), ("No", False, None)],
)
def test_yes_and_no(raw, answer, year):
    published = parser.parse(raw)
    assert (published.kind, published.answer, published.year) == ("yes_no", answer, year)


def test_method_in_development_and_missing():
    text = parser.parse("2020 年推出方法 a")
    assert (text.kind, text.text, text.markers, text.year) == (
        "text",
        "2020 年推出方法",
        ["a"],
        None,
    )
    english = parser.parse("Methodology to be launched in 2020 a")
    assert (english.kind, english.markers) == ("text", ["a"])
    missing = parser.parse("-a")
    assert (missing.kind, missing.markers, missing.is_missing) == ("missing", ["a"], True)


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ("4,300 万美元", "space"),
        ("59 和", "two parts"),
        ("59 and", "two parts"),
        ("30%% (2023)", "%"),
        ("(2017)", "year"),
        ("", "empty"),
        ("   ", "empty"),
        ("-a 和 -b", "Both parts"),
        ("US$43 millions", ""),
    ],
)
def test_bad_forms_are_refused_with_the_text_quoted(raw, why):
    with pytest.raises(parser.ParseError) as error:
        parser.parse(raw)
    message = error.value.messages[0]
    assert f"“{raw}”" in message
    assert why in message
