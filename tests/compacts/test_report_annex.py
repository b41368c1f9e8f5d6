"""The funding-compact annex of an Executive Board report: compacts.selectors.report_annex
gives the compact's tables as plain, deterministic JSON, and a rendered report holds them
(Excel sheet, Word and PDF annex table) in English and Chinese."""

import io
import json
from datetime import date

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from docx import Document
from pypdf import PdfReader

from compacts.selectors import report_annex
from entities.models import Entity
from indicators.demo import load_unops_plan
from indicators.models import Plan
from indicators.services.progress import progress_compute_full
from reports import services
from reports.choices import RunStatus
from reports.selectors import canonical_json, compact_annex
from tests.once import rolled_back_at_end

pytestmark = pytest.mark.django_db


def indicators_of(annex):
    return {
        ind["code"]: (group, commitment, ind)
        for group in annex["groups"]
        for commitment in group["commitments"]
        for ind in commitment["indicators"]
    }


def test_annex_is_the_compact_tables_as_plain_deterministic_json(compact):
    unops = Entity.objects.get(code="UNOPS")
    annex = report_annex(entity=unops, year=2026, language="en")
    assert annex["code"] == compact.code and (annex["start_year"], annex["end_year"]) == (
        2019,
        2023,
    )
    rows = indicators_of(annex)
    assert len(rows) == 11
    group, commitment, un61 = rows["UN 6.1"]
    assert (un61["baseline"], un61["baseline_year"]) == ("62%", 2018)
    assert (un61["latest"], un61["latest_year"]) == ("57%", 2019)
    assert un61["class"] == "no_progress" and un61["class_label"] == "No progress"
    assert un61["computed"] is True
    assert rows["UN 3.1"][2]["class"] == "progress"
    # The roll-up per group, as under Figure X.
    for g in annex["groups"]:
        counted = sum(len(c["indicators"]) for c in g["commitments"])
        assert g["total"] == counted == sum(g["counts"].values())
        assert g["share_progress"] == round(g["counts"]["progress"] / counted * 100, 1)
    # JSON-safe (no Decimal, no lazy text, no NaN) and the same on every call.
    text = json.dumps(annex, sort_keys=True, allow_nan=False)
    assert json.loads(text) == annex
    again = report_annex(entity=unops, year=2026, language="en")
    assert canonical_json(again) == canonical_json(annex)
    zh = report_annex(entity=unops, year=2026, language="zh-hans")
    zh61 = indicators_of(zh)["UN 6.1"]
    assert zh61[2]["class_label"] == "无进展"
    assert zh61[0]["title"] != group["title"]  # the group's name in Chinese


def test_annex_query_count_does_not_grow_with_values(compact):
    unops = Entity.objects.get(code="UNOPS")
    with CaptureQueriesContext(connection) as ctx:
        report_annex(entity=unops, year=2026, language="en")
    assert len(ctx.captured_queries) <= 15


def test_no_compact_started_by_the_year_is_no_annex(compact):
    unops = Entity.objects.get(code="UNOPS")
    assert report_annex(entity=unops, year=2018, language="en") is None
    assert compact_annex(entity=unops, year=2018, language="en") == {
        "available": False,
        "compact": None,
    }
    # Running that year, or the latest compact after its end: the Funding Compact.
    assert report_annex(entity=unops, year=2019, language="en")["code"] == compact.code


@pytest.fixture(scope="module")
def _unops_plan(_loaded, django_db_blocker):
    """The UNOPS demo plan with progress computed, loaded once for the report tests below (on
    top of the module's compact, rolled back with it)."""
    with rolled_back_at_end(django_db_blocker):
        plan = load_unops_plan()
        progress_compute_full(as_of=date(2027, 1, 15))
        yield plan.pk


@pytest.fixture
def report(compact, _unops_plan, settings, tmp_path, django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path / "media"
    plan = Plan.objects.get(pk=_unops_plan)
    secretariat = get_user_model().objects.get(username="secretariat")
    report = services.report_create(
        actor=secretariat,
        entity=Entity.objects.get(code="UNOPS"),
        plan=plan,
        year=2026,
        symbol="DP/OPS/2027/2",
        document_date=date(2027, 4, 1),
        title_en="Annual report of the Executive Director",
        title_zh="执行主任的年度报告",
    )

    def run(language, formats):
        with django_capture_on_commit_callbacks(execute=False):
            started = services.report_run_start(
                actor=secretariat, report=report, language=language, formats=formats
            )
        done = services.report_run_execute(run_id=started.pk)
        assert done.status == RunStatus.SUCCEEDED, done.error
        return done, {f.format: f.file.open("rb").read() for f in done.files.all()}

    return run


def compact_sheet(data, title):
    wb = openpyxl.load_workbook(io.BytesIO(data))
    return {r[2]: r for r in wb[title].iter_rows(min_row=2, values_only=True) if r[2]}, wb[title]


def test_rendered_report_holds_the_compact_annex_in_english(report):
    run, files = report("en", ["xlsx", "docx", "pdf"])
    frozen = indicators_of(run.dataset["compact"]["compact"])
    assert frozen["UN 6.1"][2]["latest"] == "57%"

    rows, ws = compact_sheet(files["xlsx"], "Funding compact")
    assert ws.cell(1, 1).value == "Group"
    un61 = rows["UN 6.1"]
    assert (un61[4], un61[5], un61[8], un61[9]) == ("62%", 2018, "57%", 2019)
    assert un61[11] == "No progress" and un61[10] == "Yes"
    assert len([c for c in rows if str(c)[:2] in ("MS", "UN")]) == 11
    # The roll-up per group below the rows: real numbers.
    shares = [r for r in ws.iter_rows(values_only=True) if isinstance(r[1], int)]
    assert shares  # one roll-up row per group
    for group in run.dataset["compact"]["compact"]["groups"]:
        row = next(r for r in shares if r[0] == group["title"])
        assert row[1] == group["total"] and row[5] == group["share_progress"]

    docx = Document(io.BytesIO(files["docx"]))
    cells = [[c.text for c in row.cells] for t in docx.tables for row in t.rows]
    un61_docx = next(r for r in cells if r[1].startswith("UN 6.1."))
    assert un61_docx[2] == "62% (2018)" and un61_docx[4].startswith("57% (2019)")
    assert un61_docx[5] == "No progress"
    pdf = "".join(p.extract_text() for p in PdfReader(io.BytesIO(files["pdf"])).pages)
    assert "Annex II. Funding compact" in pdf and "UN 6.1" in pdf
    assert "not available in this report" not in pdf


def test_rendered_report_holds_the_compact_annex_in_chinese(report):
    run, files = report("zh-hans", ["xlsx", "docx"])
    rows, ws = compact_sheet(files["xlsx"], "筹资契约")
    assert rows["UN 6.1"][11] == "无进展" and rows["UN 6.1"][8] == "57%"
    assert ws.cell(1, 1).value != "Group"
    docx = Document(io.BytesIO(files["docx"]))
    cells = [[c.text for c in row.cells] for t in docx.tables for row in t.rows]
    assert any(r[1].startswith("UN 6.1.") and r[5] == "无进展" for r in cells)
