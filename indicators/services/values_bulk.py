"""Writing the checked changes of a workbook at database speed: COPY into a staging table,
one merge into the values (INSERT ... ON CONFLICT DO UPDATE), the parts replaced. The number of
statements does not grow with the rows. Row history is written by one statement from what the
merge wrote, attributed to the actor and the import through the transaction's history context
(core.bulk); that history is the import's per-value record: no audit event per value (the
import has its one ``import.committed`` event, written by services.imports, and a value's
history page reads both, selectors.value_history). A per-value event cost about a quarter of a
50,000-value commit, with its indexes and keys, and said nothing the history rows do not.

The preview keeps what it checked (checked_csv(): the staging rows, with what each was checked
against — the value's version and status, the indicator's kind, decimals, currency, unit and
parts), so the commit copies them back instead of reading and checking the workbook again;
staged_problems() then compares them with the database in one statement, and a commit on a
stale preview is refused."""

import json

import pandas as pd
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from core.bulk import bulk_settings, frame_csv, stage_csv

from .. import permissions
from ..choices import Action, Status, ValueKind
from ..formatting import plain
from ..models import Indicator, Part, Value

STAGE = "import_value_stage"
WRITTEN = "import_value_written"
STAGE_COLUMNS = {
    "indicator_id": "bigint",
    "code": "text",
    "expected_version": "integer",
    "kind": "text",
    "numeric_value": "numeric",
    "currency": "text",
    "bool_value": "boolean",
    "text_value": "text",
    "is_missing": "boolean",
    "footnote": "text",
    "parts": "jsonb",
    # What the preview checked the row against (staged_problems() compares them again).
    "expected_status": "text",
    "decimals": "integer",
    "indicator_currency": "text",
    "org_unit_id": "bigint",
    "part_labels": "jsonb",
}
TYPED = ("kind", "numeric_value", "currency", "bool_value", "text_value", "is_missing", "footnote")


def _stage_frame(changes, indicators):
    parts = [
        json.dumps([[code, plain(n)] for code, n in p.items()]) if p else "[]"
        for p in changes.parts
    ]
    is_parts = (changes.kind == ValueKind.PARTS).to_numpy()
    indicators.load(changes.indicator_id[is_parts])
    labels = [
        json.dumps(indicators[i].part_labels) if wanted else None
        for i, wanted in zip(changes.indicator_id, is_parts, strict=True)
    ]
    return pd.DataFrame(
        {
            "indicator_id": changes.indicator_id.to_numpy(),
            "code": changes.code.to_numpy(),
            "expected_version": changes.version.fillna(0).astype("int64").to_numpy(),
            "kind": changes.kind.to_numpy(),
            "numeric_value": changes.new_numeric.to_numpy(),
            "currency": changes.currency.to_numpy(),
            "bool_value": changes.bool_value.to_numpy(),
            "text_value": changes.text_value.to_numpy(),
            "is_missing": changes.is_missing.astype(bool).to_numpy(),
            "footnote": changes.footnote.to_numpy(),
            "parts": parts,
            # No stored value: '' (a value created meanwhile makes the row stale).
            "expected_status": changes.status.where(changes.value_id.notna(), "").to_numpy(),
            "decimals": changes.decimals.astype("int64").to_numpy(),
            "indicator_currency": changes.indicator_currency.to_numpy(),
            "org_unit_id": changes.org_unit_id.astype("Int64").to_numpy(),
            "part_labels": labels,
        }
    )


def checked_csv(checked):
    """The rows a commit of `checked` (importers.Checked without problems) writes, with what
    each was checked against, as CSV text for stage_checked()."""
    if checked.changes.empty:
        return ""
    return frame_csv(STAGE_COLUMNS, _stage_frame(checked.changes, checked.indicators))


def stage_checked(data):
    """COPY checked_csv() text into this transaction's staging table; returns its rows."""
    return stage_csv(STAGE, STAGE_COLUMNS, data)


def staged_problems(*, period, actor):
    """The staged rows compared with the database as it is now, in two statements: rows whose
    value was written, created or deleted since the check (another version or status), or
    whose indicator changed (code, kind, decimals, currency, unit, parts, no longer active in
    the plan) — those make the preview stale; then the permission of `actor` for each kind of
    row (unit and status) asked again. Returns the problems as messages (none: go ahead)."""
    value_table = Value._meta.db_table
    indicator_table = Indicator._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT count(*) FROM {STAGE} s
            LEFT JOIN {indicator_table} i
                ON i.id = s.indicator_id AND i.plan_id = %(plan)s AND i.is_active
            LEFT JOIN {value_table} v
                ON v.indicator_id = s.indicator_id AND v.period_id = %(period)s
            WHERE i.id IS NULL
               OR coalesce(v.version, 0) <> s.expected_version
               OR coalesce(v.status, '') <> s.expected_status
               OR i.code <> s.code OR i.value_kind <> s.kind OR i.decimals <> s.decimals
               OR i.currency <> coalesce(s.indicator_currency, '')
               OR i.org_unit_id IS DISTINCT FROM s.org_unit_id
               OR (s.kind = %(parts)s AND i.part_labels <> s.part_labels)
            """,
            {"plan": period.plan_id, "period": period.pk, "parts": ValueKind.PARTS},
        )
        (stale,) = cursor.fetchone()
        if stale:
            return [
                _(
                    "%(n)s values were changed by someone else since the preview; upload the "
                    "file again to see them."
                )
                % {"n": stale}
            ]
        cursor.execute(
            f"SELECT DISTINCT ON (org_unit_id, expected_status) indicator_id, expected_status "
            f"FROM {STAGE} ORDER BY org_unit_id, expected_status"
        )
        kinds = cursor.fetchall()
    indicators = Indicator.objects.select_related("plan").in_bulk([i for i, _s in kinds])
    reasons = []
    for indicator_id, status in kinds:
        allowed, reason = permissions.decide(
            actor,
            Action.EDIT,
            indicator=indicators[indicator_id],
            status=status or Status.DRAFT,
            period=period,
        )
        if not allowed and str(reason) not in reasons:
            reasons.append(str(reason))
    return reasons


def values_write_staged(*, period, rows, actor):
    """Write the `rows` staged rows (stage_checked(), compared by staged_problems()) for
    `period`, in the caller's transaction, whose history context (core.bulk.history_context)
    names the actor and the import. Returns the number of values written. Raises
    ValidationError if a value changed since it was compared (another writer got there
    first): the caller's transaction then writes nothing."""
    if not rows:
        return 0
    value_table = Value._meta.db_table
    part_table = Part._meta.db_table
    now = timezone.now()
    entered_by = actor.pk if getattr(actor, "is_authenticated", False) else None
    # History is captured by statement: Value's pghistory triggers are statement-level and
    # write the merge's history rows from its transition tables (a row trigger cost about
    # 145 µs a value, most of the commit, and even a no-op one 15 µs).
    bulk_settings()
    typed = ", ".join(TYPED)
    with connection.cursor() as cursor:
        cursor.execute(
            f"DROP TABLE IF EXISTS pg_temp.{WRITTEN}; "
            f"CREATE TEMP TABLE {WRITTEN} (value_id bigint, indicator_id bigint, inserted boolean) "
            "ON COMMIT DROP"
        )
        # One statement: the merge and what it wrote. A value whose version moved since the
        # check is not updated, and the count tells.
        cursor.execute(
            f"""
            WITH merged AS (
                INSERT INTO {value_table} AS v (
                    indicator_id, period_id, {typed}, source, status, rating, return_reason,
                    version, entered_by_id, created_at, updated_at
                )
                SELECT s.indicator_id, %(period)s, s.kind, s.numeric_value, s.currency,
                       s.bool_value, s.text_value, s.is_missing, s.footnote, '', %(draft)s,
                       '', '', s.expected_version + 1, %(user)s, %(now)s, %(now)s
                FROM {STAGE} s
                ORDER BY s.indicator_id
                ON CONFLICT (indicator_id, period_id) DO UPDATE SET
                    {", ".join(f"{c} = EXCLUDED.{c}" for c in TYPED)},
                    entered_by_id = EXCLUDED.entered_by_id,
                    updated_at = EXCLUDED.updated_at,
                    version = EXCLUDED.version
                WHERE v.version = EXCLUDED.version - 1
                RETURNING v.id, v.indicator_id, v.xmax = 0 AS inserted
            )
            INSERT INTO {WRITTEN} (value_id, indicator_id, inserted)
            SELECT id, indicator_id, inserted FROM merged
            """,
            {"period": period.pk, "draft": Status.DRAFT, "user": entered_by, "now": now},
        )
        written = cursor.rowcount
        if written != rows:
            raise ValidationError(
                _(
                    "%(n)s values were changed by someone else since the preview; upload the "
                    "file again to see them."
                )
                % {"n": rows - written}
            )
        # Parts: those of every written value replaced by the workbook's (none for others;
        # a value just inserted has none to delete).
        cursor.execute(
            f"DELETE FROM {part_table} "
            f"WHERE value_id IN (SELECT value_id FROM {WRITTEN} WHERE NOT inserted)"
        )
        cursor.execute(
            f"""
            INSERT INTO {part_table} (value_id, code, numeric_value, "order")
            SELECT w.value_id, e.item->>0, (e.item->>1)::numeric, (e.n - 1)::smallint
            FROM {WRITTEN} w JOIN {STAGE} s USING (indicator_id)
            CROSS JOIN LATERAL jsonb_array_elements(s.parts) WITH ORDINALITY AS e(item, n)
            WHERE s.kind = %s
            """,
            [ValueKind.PARTS],
        )
    return written
