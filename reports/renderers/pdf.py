"""PDF through WeasyPrint: the outline laid out as an Executive Board document, fonts from
Debian packages (Noto CJK for Chinese), bookmarks from the headings, tagged (PDF/UA-1); the
issued copy is archival and tagged (PDF/A-3a)."""

from django.template.loader import render_to_string
from django.utils import translation

from .charts import status_chart_svg
from .common import outline


def render_pdf(dataset, digest, *, archival=False):
    from weasyprint import HTML

    language = dataset["language"]
    with translation.override(language):
        blocks = outline(dataset, digest)
        html = render_to_string(
            "reports/document/report.html",
            {
                "blocks": blocks,
                "dataset": dataset,
                "digest": digest,
                "language": language,
                "chart": status_chart_svg(dataset, _chart_title(blocks)),
            },
        )
    document = HTML(string=html, base_url=None)
    return document.write_pdf(
        pdf_variant="pdf/a-3a" if archival else "pdf/ua-1",
        # A fixed identifier: the same dataset and digest give the same document id.
        pdf_identifier=digest[:32].encode(),
        uncompressed_pdf=False,
    )


def _chart_title(blocks):
    return next((b.text for b in blocks if b.kind == "chart"), "")
