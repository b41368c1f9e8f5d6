from types import SimpleNamespace

from core.rows import set_changed


def test_set_changed_sets_and_returns_only_what_differs():
    row = SimpleNamespace(code="A", name="Alpha", rank=1)
    assert set_changed(row, {"code": "A", "name": "Alpha"}) == {}
    assert set_changed(row, {"code": "A", "name": "Beta", "rank": 2}) == {"name": "Beta", "rank": 2}
    assert (row.code, row.name, row.rank) == ("A", "Beta", 2)
