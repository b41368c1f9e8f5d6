"""The recommendation table keeps no index that another already covers (migration 0009): each
one costs every row the import writes."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def _btree_indexes(table):
    """{index name: its columns in order} of the table's plain btree indexes (no expression,
    no predicate)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.relname, array_agg(a.attname ORDER BY k.n) "
            "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            "JOIN pg_am m ON m.oid = i.relam "
            "CROSS JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, n) "
            "JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum "
            "WHERE x.indrelid = %s::regclass AND m.amname = 'btree' "
            "AND x.indexprs IS NULL AND x.indpred IS NULL GROUP BY i.relname",
            [table],
        )
        return {name: tuple(columns) for name, columns in cursor.fetchall()}


def test_no_recommendation_index_is_the_beginning_of_another():
    indexes = _btree_indexes("oversight_recommendation")
    covered = {
        name: other
        for name, columns in indexes.items()
        for other, longer in indexes.items()
        if name != other
        and not name.endswith("_pkey")
        and len(longer) > len(columns)
        and longer[: len(columns)] == columns
    }
    assert covered == {}
    # The foreign keys are still found by an index (filters, PROTECT checks on delete).
    for column in ("body_id", "entity_id", "report_id", "org_unit_id"):
        assert any(columns[0] == column for columns in indexes.values()), column
