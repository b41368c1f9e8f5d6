"""The words of each notification kind, rendered when shown or sent so they read in the
language active at that moment (the page's, or the recipient's for e-mail)."""

from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from .choices import Kind


def _date(iso):
    """An ISO date of the params as the active language writes it (31 January 2027,
    2027年1月31日: core.editorial, as the reports and pages)."""
    from core import editorial

    try:
        return editorial.date(iso, get_language())
    except (TypeError, ValueError):
        return iso or ""


def subject(notification):
    p = notification.params
    kind = notification.kind
    if kind == Kind.VALUE_RETURNED:
        return _("Value returned: %(indicator)s, %(period)s") % p
    if kind == Kind.PERIOD_CLOSING:
        return ngettext(
            "%(missing)d value missing in %(plan)s %(period)s, due %(due)s",
            "%(missing)d values missing in %(plan)s %(period)s, due %(due)s",
            p["missing"],
        ) % {**p, "due": _date(p.get("due"))}
    if kind == Kind.RECOMMENDATIONS_DUE:
        return _("Recommendations: %(overdue)d overdue, %(due_soon)d due soon") % p
    if kind == Kind.CLOSURE_PROPOSED:
        return _("Closure proposed: %(reference)s (%(entity)s)") % p
    return str(Kind(kind).label)


def body(notification):
    """Plain-text body: the subject's details, one per line."""
    p = notification.params
    kind = notification.kind
    lines = [subject(notification)]
    if kind == Kind.VALUE_RETURNED:
        lines.append(_("Reason: %(reason)s") % p)
    elif kind == Kind.PERIOD_CLOSING:
        lines.append(_("Enter and submit them by the due date."))
    elif kind == Kind.RECOMMENDATIONS_DUE:
        for item in p.get("items", []):
            line = _("%(reference)s, target date %(target_date)s") % item
            if item.get("overdue"):
                line += " — " + _("overdue")
            lines.append(line)
    elif kind == Kind.CLOSURE_PROPOSED:
        lines.append(
            _("A focal point proposed closing this recommendation; it awaits your decision.")
        )
    return "\n".join(lines)


def detail(notification):
    """The body without its first line (the subject), for the list page."""
    _subject, _newline, rest = body(notification).partition("\n")
    return rest
