"""The columns of a recommendations file, defined once, as data: the importer reads them, the
exporter writes them (import columns first, so an export can be edited and imported again) and
the API serializer lists the same record fields."""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.exports import DATE, INTEGER, TEXT

from .choices import ReviewState


@dataclass(frozen=True)
class Column:
    name: str  # the header in the file (import columns: a fixed lower-case code)
    required: bool = False
    help: str = ""
    source: str | None = None  # what the export reads (a queryset path); None: not exported
    field: str | None = None  # the Recommendation field the import sets from it
    export: Callable | None = None  # the exported value from the source's value
    type: str = TEXT  # how the export writes it (core.exports: a real date or number)

    @property
    def title(self):
        return str(self.name)


def _yes_no(value):
    return "yes" if value else "no"


def _blank(value):
    return value or ""


def _review_state(value):
    return str(dict(ReviewState.choices).get(value, value))


def _illustrative(value):
    return _("yes") if value else ""


COLUMNS = (
    Column("body", True, gettext_lazy("Oversight body code, e.g. oios, boa, jiu"), "body__code"),
    Column("report", True, gettext_lazy("Report symbol, e.g. A/76/5 (Vol. I)"), "report__symbol"),
    Column("report_title", help=gettext_lazy("Title of a report not yet recorded")),
    Column("report_date", help=gettext_lazy("Date of a report not yet recorded (YYYY-MM-DD)")),
    Column(
        "volume",
        help=gettext_lazy("Volume of a report not yet recorded, e.g. I"),
        source="report__volume",
    ),
    Column(
        "reference",
        True,
        gettext_lazy("The body's reference; an existing one is updated"),
        "reference",
    ),
    Column(
        "text_en",
        help=gettext_lazy("Text in English (this or text_zh)"),
        source="text_en",
        field="text_en",
    ),
    Column(
        "text_zh",
        help=gettext_lazy("Text in Chinese (this or text_en)"),
        source="text_zh",
        field="text_zh",
    ),
    Column("entity", True, gettext_lazy("Entity code, e.g. UNOPS"), "entity__code", field="entity"),
    Column(
        "org_unit",
        help=gettext_lazy("Responsible unit code within the entity"),
        source="org_unit__code",
        field="org_unit",
        export=_blank,
    ),
    Column(
        "critical",
        help=gettext_lazy("yes/no"),
        source="is_critical",
        field="is_critical",
        export=_yes_no,
    ),
    Column(
        "priority",
        help=gettext_lazy("The body's own priority, e.g. high"),
        source="priority",
        field="priority",
    ),
    Column(
        "issued_on",
        True,
        gettext_lazy("Issue date (YYYY-MM-DD)"),
        "issued_on",
        field="issued_on",
        type=DATE,
    ),
    Column(
        "target_date",
        help=gettext_lazy("Target date (YYYY-MM-DD)"),
        source="target_date",
        field="target_date",
        type=DATE,
    ),
    Column(
        "acceptance",
        help=gettext_lazy("accepted (default), not_accepted, under_consideration"),
        source="acceptance",
        field="acceptance",
    ),
    Column(
        "status",
        help=gettext_lazy(
            "in_progress (default), implemented, no_longer_applicable, overtaken_by_events, "
            "reclassified, not_implemented"
        ),
        source="status",
        field="status",
    ),
    Column(
        "implementation_date",
        help=gettext_lazy("Date closed (YYYY-MM-DD), for closed ones"),
        source="implementation_date",
        field="implementation_date",
        type=DATE,
    ),
    Column(
        "management_response",
        help=gettext_lazy("Management response"),
        source="management_response",
        field="management_response",
    ),
)
# Written by the export after the import columns, for reading; the import ignores them.
EXPORT_ONLY = (
    Column(gettext_lazy("Review state"), source="review_state", export=_review_state),
    Column(gettext_lazy("Days open"), source="days_open", type=INTEGER),
    Column(gettext_lazy("Days overdue"), source="days_overdue", type=INTEGER),
    Column(
        gettext_lazy("Illustrative data"), source="report__is_illustrative", export=_illustrative
    ),
)
EXPORTED = tuple(c for c in (*COLUMNS, *EXPORT_ONLY) if c.source)
# The Recommendation fields an import row sets (the API lists the same ones).
RECORD_FIELDS = tuple(c.field for c in COLUMNS if c.field)
# {column: (required, description)}, for the import page and the checks.
IMPORT_COLUMNS = {c.name: (c.required, c.help) for c in COLUMNS}


def export_row(values):
    """One exported row from the values of EXPORTED's sources, each shaped by its column."""
    return [c.export(v) if c.export else v for c, v in zip(EXPORTED, values, strict=True)]
