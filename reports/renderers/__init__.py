"""Pure renderers: a frozen dataset (and its digest) in, the bytes of a file out. No database,
no clock: each format is testable on a dict, and the same dataset always says the same thing.

    render(fmt, dataset, digest, *, archival=False) -> bytes
"""

from ..choices import Format


def render(fmt, dataset, digest, *, archival=False):
    if fmt == Format.XLSX:
        from .xlsx import render_xlsx

        return render_xlsx(dataset, digest)
    if fmt == Format.DOCX:
        from .docx import render_docx

        return render_docx(dataset, digest)
    if fmt == Format.PDF:
        from .pdf import render_pdf

        return render_pdf(dataset, digest, archival=archival)
    raise ValueError(f"unknown format {fmt!r}")
