"""Hostile and malformed workbooks: every one refused with a clear error, nothing written,
the process never killed (core.excel.xlsx_check runs before python-calamine)."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from openpyxl import load_workbook

from audit.models import Event
from indicators import exporters, services
from indicators.choices import ImportStatus, ValueKind
from indicators.models import ImportJob, Value
from tests.excel_files import cell, header_row, hostile, sheet_xml, xlsx
from tests.factories import api_token
from tests.indicators.factories import IndicatorFactory
from tests.indicators.test_excel import workbook

pytestmark = pytest.mark.django_db

TITLES = ["Code", "Indicator", "Kind", "Unit", "Baseline", "Target", "Current value", "Footnote"]
CASES = hostile(TITLES)


@pytest.fixture
def number(plan):
    return IndicatorFactory(plan=plan, code="N1", value_kind=ValueKind.NUMBER, decimals=1)


def _upload(data, name="x.xlsx"):
    return SimpleUploadedFile(name, data)


@pytest.mark.parametrize(("case", "data", "name"), CASES, ids=[c[0] for c in CASES])
def test_hostile_workbook_is_refused_and_nothing_is_written(case, data, name, officer, period):
    try:
        job = services.import_job_create(period=period, upload=_upload(data, name), actor=officer)
    except ValidationError as exc:
        assert exc.message_dict["file"], case  # a message the form shows next to the field
    else:  # read, but found to be no template of ours: the preview lists why
        assert job.status == ImportStatus.INVALID, (case, job.status)
        assert job.errors and job.errors[0]["message"], case
    assert not Value.objects.exists()
    assert not Event.objects.filter(action="import.committed").exists()


@pytest.mark.parametrize(
    ("ref", "words"),
    [
        ("XFD1048576", "beyond column H"),
        ("H1048576", "beyond row 500001"),  # INDICATORS_IMPORT_MAX_ROWS: 500,000
        ("I2", "beyond column H"),
    ],
)
def test_far_cell_message_names_the_limit(ref, words, officer, period):
    row = ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")  # (ref[1:] once gave row "FD1048576")
    data = xlsx(sheet_xml(header_row(TITLES) + f'<row r="{row}">{cell(ref, 1)}</row>'))
    with pytest.raises(ValidationError) as exc:
        services.import_job_create(period=period, upload=_upload(data), actor=officer)
    assert words in exc.value.message_dict["file"][0]
    assert ref in exc.value.message_dict["file"][0]
    assert not ImportJob.objects.exists()


def test_declared_dimension_beyond_the_limit_is_refused(officer, period):
    data = xlsx(sheet_xml(header_row(TITLES), dimension="A1:H1048576"))
    with pytest.raises(ValidationError, match="beyond row"):
        services.import_job_create(period=period, upload=_upload(data), actor=officer)


@override_settings(INDICATORS_IMPORT_MAX_ROWS=3)
def test_row_limit_boundary(officer, period, number):
    def rows(n):
        body = "".join(
            f'<row r="{i}">{cell(f"A{i}", "N1" if i == 2 else f"X{i}")}</row>'
            for i in range(2, n + 2)
        )
        return xlsx(sheet_xml(header_row(TITLES) + body))

    job = services.import_job_create(period=period, upload=_upload(rows(3)), actor=officer)
    assert "beyond" not in str(job.errors)  # 3 rows: read (and judged row by row)
    with pytest.raises(ValidationError, match="at most 3 rows after the header"):
        services.import_job_create(period=period, upload=_upload(rows(4)), actor=officer)


def test_column_h_is_the_last_one_read(officer, period, number):
    data = xlsx(
        sheet_xml(
            header_row(TITLES)
            + f'<row r="2">{cell("A2", "N1")}{cell("G2", 5)}{cell("H2", "note")}</row>',
            dimension="A1:H2",
        )
    )
    job = services.import_job_create(period=period, upload=_upload(data), actor=officer)
    assert job.status == ImportStatus.READY, job.errors


def test_formula_cell_is_read_as_its_value(officer, period, number):
    data = xlsx(
        sheet_xml(
            header_row(TITLES)
            + f'<row r="2">{cell("A2", "N1")}<c r="G2"><f>2+3</f><v>5</v></c></row>'
        )
    )
    job = services.import_job_create(period=period, upload=_upload(data), actor=officer)
    assert job.status == ImportStatus.READY, job.errors
    services.import_commit(job=job, actor=officer)
    assert Value.objects.get().numeric_value == 5


@pytest.mark.parametrize(("case", "data", "name"), CASES[:4], ids=[c[0] for c in CASES[:4]])
def test_api_answers_400_never_500(case, data, name, api, officer, period):
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token(officer)}")
    r = api.post(
        "/api/v1/imports/", {"period": period.pk, "file": _upload(data, name)}, format="multipart"
    )
    assert r.status_code == 400, (case, r.content)
    assert "file" in r.json()
    assert not ImportJob.objects.exists()


def test_the_template_itself_passes_the_check(officer, period, number):
    assert exporters.build_template(period)[:2] == b"PK"
    job = services.import_job_create(
        period=period, upload=_upload(workbook(period, {"N1": (3, None)})), actor=officer
    )
    assert job.status == ImportStatus.READY, job.errors


def test_formula_like_name_and_value_stay_text_in_the_template(officer, period, plan):
    IndicatorFactory(plan=plan, code="F1", name_en="=1+1", value_kind=ValueKind.TEXT)
    job = services.import_job_create(
        period=period,
        upload=_upload(workbook(period, {"F1": ("@SUM(A1)", "+1 note")})),
        actor=officer,
    )
    assert job.status == ImportStatus.READY, job.errors
    services.import_commit(job=job, actor=officer)
    assert Value.objects.get().text_value == "@SUM(A1)"
    ws = load_workbook(io.BytesIO(exporters.build_template(period)))["Values"]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "F1")
    assert (row[1].value, row[1].data_type) == ("=1+1", "s")
    assert (row[6].value, row[6].data_type) == ("@SUM(A1)", "s")
    assert (row[7].value, row[7].data_type) == ("+1 note", "s")
