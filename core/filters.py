"""Filter fields shared by every app's FilterSets: values a query can hold without a server
error. A number outside them is a form error (HTTP 400 in the API, an error on the page)."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

# The years Python's dates can hold; a filter on year 0 or 10000 would fail building the date.
MIN_YEAR = 1
MAX_YEAR = 9999
# Primary keys are positive 64-bit integers in PostgreSQL (bigint).
MAX_ID = 2**63 - 1


class IdFilter(django_filters.NumberFilter):
    """A row id: a whole number from 1 to the largest bigint."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class YearFilter(django_filters.NumberFilter):
    """A calendar year from 1 to 9999."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", MIN_YEAR)
        kwargs.setdefault("max_value", MAX_YEAR)
        kwargs.setdefault("label", _("Year"))
        super().__init__(*args, **kwargs)


def as_querydict(params):
    """A QueryDict from {name: [values]} (what core.exports.params_dict keeps of a page's
    query), for a FilterSet run outside the request (an export job)."""
    from django.http import QueryDict

    data = QueryDict(mutable=True)
    for name, values in (params or {}).items():
        data.setlist(name, [str(v) for v in (values if isinstance(values, list) else [values])])
    return data


def filter_errors(filterset):
    """A FilterSet's errors as {field: [messages]}, for a ValidationError."""
    return {name: [str(m) for m in messages] for name, messages in filterset.errors.items()}
