import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import api_token
from tests.oversight.factories import (
    OversightBodyFactory,
    RecommendationFactory,
    ReportFactory,
    body_auditor,
)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Evidence files of each test go to its own directory, removed with it."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def oios(db):
    return OversightBodyFactory(
        code="oios", name_en="OIOS", priority_scale=["critical", "important"]
    )


@pytest.fixture
def boa(db):
    return OversightBodyFactory(code="boa", name_en="Board of Auditors")


@pytest.fixture
def oios_auditor(oios):
    return body_auditor(oios, username="t-oios-auditor")


@pytest.fixture
def boa_auditor(boa):
    return body_auditor(boa, username="t-boa-auditor")


@pytest.fixture
def rec(oios, unops):
    """An open OIOS recommendation to UNOPS."""
    report = ReportFactory(body=oios, symbol="2021/001", entity=unops)
    return RecommendationFactory(report=report, entity=unops, reference="AR2021/001/01")


@pytest.fixture
def undp_rec(oios, undp):
    report = ReportFactory(body=oios, symbol="2021/002", entity=undp)
    return RecommendationFactory(report=report, entity=undp, reference="AR2021/002/01")


@pytest.fixture
def pdf():
    return SimpleUploadedFile("evidence.pdf", PDF, content_type="application/pdf")


@pytest.fixture
def yesterday():
    return datetime.date.today() - datetime.timedelta(days=1)


def auth(api, user):
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
    return api
