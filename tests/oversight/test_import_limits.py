"""Hostile and malformed recommendation files (.xlsx and .csv): every one refused with a clear
error, nothing written, never a 500 (core.excel checks the zip before python-calamine)."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from oversight import importers, services
from oversight.choices import ImportStatus
from oversight.models import OversightReport, Recommendation
from tests.excel_files import cell, header_row, hostile, sheet_xml, xlsx
from tests.oversight.conftest import auth

pytestmark = pytest.mark.django_db

URL = "/api/v1/oversight/recommendations/"
HEADER = ["body", "report", "report_title", "report_date", "reference", "text_en", "entity"]
HEADER += ["issued_on"]
CSV_CASES = [
    ("CSV with NUL bytes", b"body,report\x00,reference\noios,1,2\n", "x.csv"),
    ("CSV in UTF-16", ",".join(HEADER).encode("utf-16"), "x.csv"),
    ("CSV with 40 columns", (",".join(HEADER + ["x"] * 32) + "\n").encode(), "x.csv"),
    ("PNG renamed .csv", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "x.csv"),
]
CASES = hostile(HEADER) + CSV_CASES


def _upload(data, name):
    return SimpleUploadedFile(name, data)


def _import(upload, actor):
    """Upload, then write: what the page's preview and confirmation do."""
    job = services.recommendation_import_create(upload=upload, actor=actor)
    return services.recommendation_import_commit(job=job, actor=actor)


@pytest.mark.parametrize(("case", "data", "name"), CASES, ids=[c[0] for c in CASES])
def test_hostile_file_is_refused_and_nothing_is_written(case, data, name, oios_auditor, oios):
    try:
        job = services.recommendation_import_create(
            upload=_upload(data, name), actor=oios_auditor, in_background=False
        )
    except ValidationError as exc:
        assert exc.message_dict["file"][0], case  # refused before anything is stored
    else:  # stored and read, but refused with the reason: no row can be imported
        assert job.status == ImportStatus.INVALID, (case, job.status)
        assert job.errors[0]["message"], case
        with pytest.raises(ValidationError):
            services.recommendation_import_commit(job=job, actor=oios_auditor)
    assert not Recommendation.objects.exists()
    assert not OversightReport.objects.exists()


@pytest.mark.parametrize(("case", "data", "name"), CASES, ids=[c[0] for c in CASES])
def test_hostile_file_through_api_and_page_is_a_400(
    case, data, name, api, client, oios_auditor, oios
):
    r = auth(api, oios_auditor).post(
        f"{URL}import/", {"file": _upload(data, name), "commit": True}, format="multipart"
    )
    assert r.status_code == 400, (case, r.content)
    client.force_login(oios_auditor)
    r = client.post("/oversight/import/", {"file": _upload(data, name)})
    assert r.status_code == 400, case
    assert not Recommendation.objects.exists()


def test_far_cell_is_refused_with_the_limit(oios_auditor, oios):
    data = xlsx(sheet_xml(header_row(HEADER) + '<row r="2">' + cell("AG2", "x") + "</row>"))
    with pytest.raises(ValidationError, match="beyond column AF"):
        importers.parse_upload(_upload(data, "x.xlsx"))
    data = xlsx(sheet_xml(header_row(HEADER) + '<row r="2">' + cell("AF2", "x") + "</row>"))
    assert importers.parse_upload(_upload(data, "x.xlsx")) == [dict.fromkeys(HEADER, "")]


@override_settings(OVERSIGHT_IMPORT_MAX_ROWS=2)
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_row_limit_boundary(kind, oios_auditor, oios):
    def make(n):
        rows = [HEADER] + [
            ["oios", "R", "", "", f"X{i}", "t", "UNOPS", "2024-01-01"] for i in range(n)
        ]
        if kind == "csv":
            return "\n".join(",".join(r) for r in rows).encode(), "x.csv"
        body = "".join(
            f'<row r="{i}">'
            + "".join(cell(f"{c}{i}", v) for c, v in zip("ABCDEFGH", r, strict=True))
            + "</row>"
            for i, r in enumerate(rows, start=1)
        )
        return xlsx(sheet_xml(body)), "x.xlsx"

    assert len(importers.parse_upload(_upload(*make(2)))) == 2
    with pytest.raises(ValidationError, match="at most 2 rows"):
        importers.parse_upload(_upload(*make(3)))


@override_settings(OVERSIGHT_IMPORT_MAX_BYTES=1024)
def test_file_size_limit(oios_auditor, oios):
    with pytest.raises(ValidationError, match="limit is 0 MB|too large"):
        importers.parse_upload(_upload(b"body,report\n" + b"x,y\n" * 400, "x.csv"))


def test_formula_text_in_csv_is_kept_as_text(oios_auditor, oios, unops):
    csv = (
        "body,report,report_title,report_date,reference,text_en,entity,issued_on\n"
        'oios,2024/1,Audit,2024-01-02,F1,"=HYPERLINK(""http://x"",""y"")",UNOPS,2024-01-02\n'
    )
    job = _import(_upload(csv.encode(), "x.csv"), oios_auditor)
    assert (job.created_count, job.updated_count) == (1, 0), job.errors
    assert Recommendation.objects.get().text_en == '=HYPERLINK("http://x","y")'


def test_formula_like_texts_are_exported_as_text_and_import_back(api, oios_auditor, oios, unops):
    from openpyxl import load_workbook

    from tests.oversight.factories import RecommendationFactory, ReportFactory

    report = ReportFactory(body=oios, symbol="=2024/1", entity=unops)
    RecommendationFactory(
        report=report,
        entity=unops,
        reference="+R1",
        text_en="=1+1",
        text_zh="-减少",
        management_response="@SUM(A1)",
    )
    r = auth(api, oios_auditor).get(f"{URL}export/", {"body": "oios"})
    assert r.status_code == 200
    content = b"".join(r.streaming_content)
    ws = load_workbook(io.BytesIO(content)).worksheets[0]
    header = [c.value for c in ws[1]]
    row = dict(zip(header, ws[2], strict=False))
    for column, text in [
        ("report", "=2024/1"),
        ("reference", "+R1"),
        ("text_en", "=1+1"),
        ("text_zh", "-减少"),
        ("management_response", "@SUM(A1)"),
    ]:
        assert (row[column].value, row[column].data_type) == (text, "s"), column
    # The exported file is imported again unchanged: the texts come back as they were, so
    # the row holds the same values and nothing is written.
    upload = SimpleUploadedFile("export.xlsx", content)
    job = _import(upload, oios_auditor)
    assert (job.created_count, job.updated_count, job.unchanged_count) == (0, 0, 1), job.errors
    rec = Recommendation.objects.get()
    assert (rec.reference, rec.text_en, rec.management_response) == ("+R1", "=1+1", "@SUM(A1)")
