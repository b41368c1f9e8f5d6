"""render_report: the operators' way to the same services."""

import pytest
from django.core.management import CommandError, call_command

from reports.choices import RunStatus
from reports.models import ReportRun

pytestmark = pytest.mark.django_db


def test_render_report_renders_in_the_process_and_again(demo, report, capsys):
    call_command(
        "render_report", report.symbol, user="secretariat", language="zh-hans", formats="xlsx"
    )
    run = ReportRun.objects.get()
    assert run.status == RunStatus.SUCCEEDED and run.language == "zh-hans"
    out = capsys.readouterr().out
    assert run.digest in out and "xlsx" in out
    call_command("render_report", user="secretariat", run=run.pk)
    again = ReportRun.objects.get()
    assert again.digest == run.digest and again.status == RunStatus.SUCCEEDED


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (["DP/OPS/2099/1"], {"user": "secretariat"}, "no report"),
        (["DP/OPS/2027/2"], {"user": "nobody"}, "no user"),
        (["DP/OPS/2027/2"], {"user": "reviewer"}, "secretariat"),
        (["DP/OPS/2027/2"], {"user": "secretariat", "formats": "odt"}, "format"),
    ],
)
def test_render_report_refusals_write_nothing(demo, report, args, kwargs, message):
    with pytest.raises(CommandError, match=message):
        call_command("render_report", *args, **kwargs)
    assert not ReportRun.objects.exists()
