"""The indicator import at database speed: every problem of a large file, the preview of what
changes, a commit whose statements do not grow with the rows, complete history, and the
defects of issue #14 (source blanked, unchanged template refused, decimals)."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from audit.models import Event
from indicators import exporters, selectors, services
from indicators.choices import ImportStatus, Status, ValueKind
from indicators.exporters import COLUMNS, column_titles
from indicators.models import Indicator, Value
from tests.indicators.factories import IndicatorFactory, NodeFactory
from tests.indicators.test_excel import upload, workbook

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("inline")]


@pytest.fixture
def inline(settings):
    """Read and write in the test's process, whatever the size (the worker has its own test)."""
    settings.INDICATORS_IMPORT_INLINE_MAX_BYTES = 10**9
    settings.INDICATORS_IMPORT_INLINE_ROWS = 10**9


def many_indicators(plan, n, kind=ValueKind.NUMBER):
    node = NodeFactory(plan=plan)
    Indicator.objects.bulk_create(
        [
            Indicator(
                plan=plan,
                node=node,
                code=f"B{i:05d}",
                name_en=f"Indicator {i}",
                value_kind=kind,
                decimals=1,
                order=i,
            )
            for i in range(n)
        ],
        batch_size=5000,
    )


def rows_workbook(rows):
    """A workbook of the template's columns holding `rows` [(code, value, footnote)]."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Values")
    titles = column_titles()
    ws.append([str(titles[c]) for c in COLUMNS])
    for code, value, footnote in rows:
        ws.append([code, "", "", "", "", "", value, footnote])
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def test_empty_footnote_and_no_source_column_leave_the_source_as_it_is(officer, period, kinds):
    services.value_save(
        indicator=kinds["number"],
        period=period,
        data={"numeric_value": Decimal("5"), "source": "Household survey 2026"},
        actor=officer,
    )
    job = services.import_job_create(
        period=period, upload=upload(workbook(period, {"K-number": (7, None)})), actor=officer
    )
    assert job.status == ImportStatus.READY, job.errors
    services.import_commit(job=job, actor=officer)
    value = Value.objects.get(indicator=kinds["number"])
    assert value.numeric_value == Decimal("7")
    assert value.source == "Household survey 2026"


def test_the_template_uploaded_unchanged_gives_no_problem_and_no_change(
    officer, reviewer, period, kinds
):
    data = {
        "number": {"numeric_value": Decimal("12.5")},
        "percent": {"numeric_value": Decimal("45.5")},
        "currency": {"numeric_value": Decimal("1000000")},
        "yes_no": {"bool_value": True},
        "text": {"text_value": "On track in 3 regions"},
        "parts": {"parts": {"pooled": Decimal("59"), "thematic": Decimal("27")}},
    }
    values = {
        kind: services.value_save(indicator=kinds[kind], period=period, data=d, actor=officer)
        for kind, d in data.items()
    }
    # Locked ones among them: approved, and submitted.
    for kind in ("number", "yes_no", "parts"):
        services.value_approve(
            value=services.value_submit(value=values[kind], actor=officer), actor=reviewer
        )
    services.value_submit(value=values["text"], actor=officer)
    versions = dict(Value.objects.values_list("id", "version"))
    saved = Event.objects.filter(action="value.saved").count()
    job = services.import_job_create(
        period=period, upload=upload(exporters.build_template(period)), actor=officer
    )
    assert job.errors == []
    assert job.status == ImportStatus.READY
    assert (job.rows_to_write, job.unchanged_rows, job.changes) == (0, 6, [])
    job = services.import_commit(job=job, actor=officer)
    assert job.status == ImportStatus.COMMITTED and job.written_rows == 0
    assert dict(Value.objects.values_list("id", "version")) == versions
    assert Event.objects.filter(action="value.saved").count() == saved  # nothing per value
    assert Event.objects.filter(action="import.committed").count() == 1


def test_preview_lists_old_and_new_and_skips_unchanged_rows(officer, period, kinds):
    services.value_save(
        indicator=kinds["number"], period=period, data={"numeric_value": 10}, actor=officer
    )
    services.value_save(
        indicator=kinds["percent"], period=period, data={"numeric_value": 30}, actor=officer
    )
    content = workbook(period, {"K-number": (12.5, None), "K-yes_no": ("yes", None)})
    job = services.import_job_create(period=period, upload=upload(content), actor=officer)
    assert job.status == ImportStatus.READY, job.errors
    assert job.changes == [
        {"row": 2, "code": "K-number", "old": "10.0", "new": "12.5", "note": ""},
        {"row": 5, "code": "K-yes_no", "old": "", "new": "Yes", "note": ""},
    ]
    assert (job.rows_to_write, job.unchanged_rows) == (2, 1)  # the percent row is as stored


@pytest.mark.parametrize(
    ("kind", "decimals", "typed", "stored"),
    [
        (ValueKind.PERCENT, 0, 45.5, "46"),  # half away from zero
        (ValueKind.PERCENT, 0, 45.49, "45"),
        (ValueKind.NUMBER, 0, -2.5, "-3"),
        (ValueKind.NUMBER, 1, 2.25, "2.3"),
        (ValueKind.NUMBER, 2, 2.25, "2.25"),  # within the declared decimals: as typed
    ],
)
def test_numbers_are_rounded_to_the_declared_decimals_and_the_preview_says_so(
    officer, period, plan, kind, decimals, typed, stored
):
    IndicatorFactory(plan=plan, code="R1", value_kind=kind, decimals=decimals)
    job = services.import_job_create(
        period=period, upload=upload(rows_workbook([("R1", typed, "")])), actor=officer
    )
    assert job.status == ImportStatus.READY, job.errors
    note = job.changes[0]["note"]
    if stored == str(typed):
        assert note == ""
    else:
        assert note == (
            f"{typed} rounded to {stored} (the indicator declares {decimals} decimals)."
        )
    services.import_commit(job=job, actor=officer)
    assert Value.objects.get().numeric_value == Decimal(stored)


def test_bad_rows_first_last_and_at_row_10000_are_all_reported_and_nothing_written(
    officer, period, plan
):
    many_indicators(plan, 10_050)
    rows = [(f"B{i:05d}", i, "") for i in range(10_050)]
    rows[0] = ("B00000", "twelve", "")  # first data row: Excel row 2
    rows[9_998] = ("B09998", "1,2", "")  # the 10,000th row of the sheet
    rows[-1] = ("NOPE", 5, "")  # the last
    rows.append(("B00001", 3, ""))  # a duplicate after it
    job = services.import_job_create(
        period=period, upload=upload(rows_workbook(rows)), actor=officer
    )
    assert job.status == ImportStatus.INVALID
    assert [(e["row"], e["column"], e["message"]) for e in job.errors] == [
        (2, "Current value", "“twelve” is not a number."),
        (10_000, "Current value", "“1,2” is not a number (use a point for decimals)."),
        (10_051, "Code", "Unknown indicator code “NOPE”."),
        (10_052, "Code", "Indicator B00001 appears again (first on row 3)."),
    ]
    assert job.rows_to_write == 0 and job.changes == []
    assert not Value.objects.exists()


def test_history_of_a_10000_row_import_has_every_changed_value(
    client, api, officer, auditor, period, plan
):
    """Every value the import changes has its history row, with the user and the import, and
    shows the import on its history page and in the API; the import has one audit event."""
    many_indicators(plan, 10_000)
    # 4,000 values stored before: the first 2,000 the file repeats, the next 2,000 it changes.
    indicators = list(Indicator.objects.filter(plan=plan).order_by("order"))
    Value.objects.bulk_create(
        [
            Value(
                indicator=ind,
                period=period,
                kind=ValueKind.NUMBER,
                numeric_value=Decimal(i),
                status=Status.DRAFT,
            )
            for i, ind in enumerate(indicators[:4000])
        ]
    )
    history = Value.pgh_event_model.objects
    before = history.count()
    rows = [(ind.code, i if i < 2000 else i + 0.5, "") for i, ind in enumerate(indicators)]
    job = services.import_job_create(
        period=period, upload=upload(rows_workbook(rows)), actor=officer
    )
    assert (job.status, job.rows_to_write, job.unchanged_rows) == (ImportStatus.READY, 8000, 2000)
    events = Event.objects.count()
    job = services.import_commit(job=job, actor=officer)
    assert job.status == ImportStatus.COMMITTED and job.written_rows == 8000
    imported = history.filter(pgh_context__metadata__import=job.pk)
    assert history.count() - before == 8000 == imported.count()
    assert set(imported.values_list("pgh_context__metadata__user", flat=True)) == {officer.pk}
    assert set(imported.values_list("pgh_label", flat=True)) == {"insert", "update"}
    assert imported.filter(pgh_label="update").count() == 2000
    changed = Value.objects.filter(period=period, entered_by=officer)
    assert set(imported.values_list("pgh_obj_id", flat=True)) == set(
        changed.values_list("id", flat=True)
    )
    # One audit event for the whole import: the file, the counts and the user.
    assert Event.objects.count() == events + 1
    event = Event.objects.get(action="import.committed")
    assert event.actor == officer
    assert event.payload == {
        "file": "values.xlsx",
        "rows": 8000,
        "unchanged": 2000,
        "total": 10_000,
    }
    # Each changed value shows the import in its history (a sample through the API, spread
    # over the updated and the inserted ones); the unchanged ones do not.
    values = dict(Value.objects.filter(period=period).values_list("indicator__order", "id"))
    api.force_authenticate(auditor)
    for order in [*range(2000, 10_000, 400), 3999, 4000, 9999]:
        rows = api.get(f"/api/v1/values/{values[order]}/history/").json()
        assert [(r["action"], r["actor"], r["import_id"], r["id"]) for r in rows] == [
            ("imported", officer.username, job.pk, event.pk)
        ], order
        old = "" if order >= 4000 else f"{order:,}.0"
        assert (rows[0]["old"], rows[0]["new"]) == (old, f"{order + 0.5:,.1f}"), order
        assert rows[0]["file"] == "values.xlsx" and rows[0]["status"] == Status.DRAFT
    for order in (0, 1999):
        assert api.get(f"/api/v1/values/{values[order]}/history/").json() == []
    client.force_login(auditor)
    page = client.get(f"/indicators/values/{values[2000]}/").content.decode()
    history_table = page[
        page.index("data-history") : page.index("</table>", page.index("data-history"))
    ]
    assert "Imported from values.xlsx" in history_table
    assert "2,000.0" in history_table and "2,000.5" in history_table
    assert officer.username in history_table


def _commit_queries(officer, period, codes, value):
    job = services.import_job_create(
        period=period,
        upload=upload(rows_workbook([(c, value, "") for c in codes])),
        actor=officer,
    )
    assert job.status == ImportStatus.READY, job.errors
    with CaptureQueriesContext(connection) as queries:
        job = services.import_commit(job=job, actor=officer)
    assert job.status == ImportStatus.COMMITTED and job.written_rows == len(codes)
    return len(queries)


def test_query_count_of_a_commit_does_not_grow_with_its_rows(officer, period, plan):
    many_indicators(plan, 500)
    codes = [f"B{i:05d}" for i in range(500)]
    small = _commit_queries(officer, period, codes[:5], 1)  # inserts
    large = _commit_queries(officer, period, codes, 2)  # 5 updates, 495 inserts
    again = _commit_queries(officer, period, codes, 3)  # 500 updates
    assert small == large == again


def test_row_limit_is_a_setting_of_half_a_million_values():
    assert settings.INDICATORS_IMPORT_MAX_ROWS == 500_000


def test_progress_is_stored_and_shown_as_a_bar_and_in_the_api(client, api, officer, period, kinds):
    job = services.import_job_create(
        period=period, upload=upload(workbook(period, {"K-number": (7, None)})), actor=officer
    )
    assert job.progress == 100
    type(job).objects.filter(pk=job.pk).update(status=ImportStatus.PARSING, progress=40)
    client.force_login(officer)
    page = client.get(f"/indicators/imports/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert '<progress value="40" max="100"' in page
    api.force_authenticate(officer)
    body = api.get(f"/api/v1/imports/{job.pk}/").json()
    assert (body["progress"], body["progress_percent"]) == (40, 40)


def test_parts_are_replaced_and_the_value_history_names_the_import(officer, period, kinds):
    services.value_save(
        indicator=kinds["parts"],
        period=period,
        data={"parts": {"pooled": Decimal("59"), "thematic": Decimal("27")}},
        actor=officer,
    )
    content = workbook(period, {"K-parts": ("pooled=60; thematic=27", None)})
    job = services.import_job_create(period=period, upload=upload(content), actor=officer)
    assert job.status == ImportStatus.READY, job.errors
    assert job.changes[0]["row"] == 7 and job.changes[0]["code"] == "K-parts"
    services.import_commit(job=job, actor=officer)
    value = Value.objects.get(indicator=kinds["parts"])
    assert value.version == 2
    assert [(p.code, p.numeric_value) for p in value.parts.all()] == [
        ("pooled", Decimal("60")),
        ("thematic", Decimal("27")),
    ]
    # The import's entry in the value's history: old and new parts from the parts' history.
    entry = selectors.value_history(value)[-1]
    assert (entry["action"], entry["import_id"], entry["actor"]) == (
        "imported",
        job.pk,
        officer.username,
    )
    assert entry["old_data"]["parts"] == {"pooled": "59", "thematic": "27"}
    assert entry["new_data"]["parts"] == {"pooled": "60", "thematic": "27"}
    latest = Value.pgh_event_model.objects.filter(pgh_obj_id=value.pk).latest("pgh_id")
    assert latest.pgh_label == "update" and latest.version == 2
    assert latest.pgh_context.metadata["import"] == job.pk
