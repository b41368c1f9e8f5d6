"""Input parsing and validation for the pages, then a call to a service."""

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from core.widgets import IsoDateInput

from . import services
from .choices import Rating, TargetKind, ValueKind
from .fields import INDICATOR_FIELDS, TYPED_FIELD_INPUT
from .models import Indicator, ReportingPeriod
from .parsing import parse_number, parse_value, unparse_value

FIELD_FOR_ERROR = {
    **TYPED_FIELD_INPUT,
    "is_missing": "footnote",
    "status": "__all__",
    "period": "__all__",
    "version": "__all__",
}


class TypedInputMixin:
    """A value typed by a person: one text field (a list for yes/no, a field per part for
    values in parts), a footnote and a source; cleaned into typed data for the services."""

    def add_value_fields(self, indicator, initial_obj=None):
        kind = indicator.value_kind
        required = False
        if kind == ValueKind.YES_NO:
            self.fields["value"] = forms.ChoiceField(
                label=_("Value"),
                required=required,
                choices=[("", "—"), ("yes", _("Yes")), ("no", _("No"))],
            )
        elif kind == ValueKind.TEXT:
            self.fields["value"] = forms.CharField(
                label=_("Value"), required=required, widget=forms.Textarea(attrs={"rows": 2})
            )
        elif kind == ValueKind.PARTS:
            for part in indicator.part_labels:
                self.fields[f"part_{part['code']}"] = forms.CharField(
                    label=indicator.part_label(part["code"]),
                    required=required,
                    widget=forms.TextInput(attrs={"inputmode": "decimal"}),
                )
        else:
            suffix = {"percent": "%", "currency": indicator.currency}.get(
                kind, indicator.unit_label
            )
            self.fields["value"] = forms.CharField(
                label=_("Value"),
                required=required,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": suffix}),
            )
        self.fields["footnote"] = forms.CharField(
            label=_("Footnote"),
            required=False,
            widget=forms.TextInput(attrs={"placeholder": _("Footnote (required if missing)")}),
        )
        self.fields["source"] = forms.CharField(label=_("Source"), required=False)
        if initial_obj is not None:
            self.initial.setdefault("footnote", initial_obj.footnote)
            self.initial.setdefault("source", initial_obj.source)
            if kind == ValueKind.PARTS:
                for p in initial_obj.parts.all():
                    self.initial.setdefault(
                        f"part_{p.code}", format(p.numeric_value.normalize(), "f")
                    )
            else:
                self.initial.setdefault("value", unparse_value(indicator, initial_obj))

    def typed_from(self, indicator, cleaned):
        """Typed data, or None if nothing was written; raises ValidationError in words."""
        footnote = cleaned.get("footnote", "")
        if indicator.value_kind == ValueKind.PARTS:
            raw_parts = {
                p["code"]: (cleaned.get(f"part_{p['code']}") or "").strip()
                for p in indicator.part_labels
            }
            if not any(raw_parts.values()):
                data = parse_value(indicator, "", footnote=footnote)
            else:
                parts = {}
                for code, raw in raw_parts.items():
                    if raw:
                        try:
                            parts[code] = parse_number(raw)
                        except ValidationError as exc:
                            raise ValidationError({f"part_{code}": exc.messages}) from None
                data = {"parts": parts, "footnote": footnote}
        else:
            try:
                data = parse_value(indicator, cleaned.get("value"), footnote=footnote)
            except ValidationError as exc:
                raise ValidationError({"value": exc.messages}) from None
        if data is not None:
            data["source"] = cleaned.get("source", "")
        return data

    def add_service_errors(self, exc):
        if hasattr(exc, "error_dict"):
            for field, messages in exc.message_dict.items():
                target = FIELD_FOR_ERROR.get(field, "__all__")
                if target == "value" and "value" not in self.fields:
                    target = "__all__"
                for message in messages:
                    self.add_error(None if target == "__all__" else target, message)
        else:
            for message in exc.messages:
                self.add_error(None, message)


class ValueEntryForm(TypedInputMixin, forms.Form):
    """One row of the data-entry grid."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(self, *args, indicator, period, value=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicator, self.period, self.value = indicator, period, value
        self.initial.setdefault("version", value.version if value else 0)
        self.add_value_fields(indicator, value)
        self.typed = None

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            self.typed = self.typed_from(self.indicator, cleaned)
        except ValidationError as exc:
            self.add_service_errors(exc)
            return cleaned
        if self.typed is None:
            self.add_error(None, _("Enter a value, or a footnote saying why it is missing."))
        return cleaned

    def check(self, actor):
        """Every rule of the service without writing (inline validation as people type)."""
        if not self.is_valid():
            return False
        try:
            services.value_check(
                indicator=self.indicator,
                period=self.period,
                existing=self.value,
                data=self.typed,
                actor=actor,
            )
        except ValidationError as exc:
            self.add_service_errors(exc)
            return False
        except PermissionDenied as exc:
            self.add_error(None, str(exc))
            return False
        return True

    def save(self, actor):
        return services.value_save(
            indicator=self.indicator,
            period=self.period,
            data=self.typed,
            actor=actor,
            expected_version=self.cleaned_data.get("version") or 0,
        )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ApproveForm(forms.Form):
    rating = forms.ChoiceField(
        label=_("Rating"), required=False, choices=[("", "—"), *Rating.choices]
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2}))


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("Evidence file"))


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Filled-in template (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )


class IndicatorForm(forms.ModelForm):
    class Meta:
        model = Indicator
        fields = [
            "name_en",
            "name_zh",
            "definition_en",
            "definition_zh",
            "data_source_en",
            "data_source_zh",
            "frequency",
            "unit_en",
            "unit_zh",
            "decimals",
            "direction",
            "method_in_development",
            "is_active",
        ]
        # Each text of a pair carries its language (spell-checking, screen readers).
        widgets = {
            "name_en": forms.Textarea(attrs={"rows": 2, "lang": "en"}),
            "name_zh": forms.Textarea(attrs={"rows": 2, "lang": "zh-Hans"}),
            "definition_en": forms.Textarea(attrs={"rows": 3, "lang": "en"}),
            "definition_zh": forms.Textarea(attrs={"rows": 3, "lang": "zh-Hans"}),
            "data_source_en": forms.Textarea(attrs={"rows": 2, "lang": "en"}),
            "data_source_zh": forms.Textarea(attrs={"rows": 2, "lang": "zh-Hans"}),
            "unit_en": forms.TextInput(attrs={"lang": "en"}),
            "unit_zh": forms.TextInput(attrs={"lang": "zh-Hans"}),
        }

    def save_as(self, actor):
        return services.indicator_save(
            plan=self.instance.plan,
            code=self.instance.code,
            actor=actor,
            data={f: self.cleaned_data[f] for f in self.Meta.fields},
            indicator=self.instance,
        )


class BaselineForm(TypedInputMixin, forms.Form):
    period_start = forms.DateField(label=_("Period start"), widget=IsoDateInput())
    period_end = forms.DateField(label=_("Period end"), widget=IsoDateInput())

    def __init__(self, *args, indicator, baseline=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicator = indicator
        if baseline is not None:
            self.initial.setdefault("period_start", baseline.period_start)
            self.initial.setdefault("period_end", baseline.period_end)
        self.add_value_fields(indicator, baseline)

    def save_as(self, actor):
        data = self.typed_from(self.indicator, self.cleaned_data)
        if data is None:
            raise ValidationError({"value": [_("Enter the baseline value.")]})
        data["period_start"] = self.cleaned_data["period_start"]
        data["period_end"] = self.cleaned_data["period_end"]
        return services.baseline_set(indicator=self.indicator, actor=actor, data=data)


class TargetForm(TypedInputMixin, forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=1900, max_value=2200)
    target_kind = forms.ChoiceField(label=_("Target kind"), choices=TargetKind.choices)

    def __init__(self, *args, indicator, target=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicator = indicator
        if target is not None:
            self.initial.setdefault("year", target.year)
            self.initial.setdefault("target_kind", target.target_kind)
        self.add_value_fields(indicator, target)

    def save_as(self, actor):
        data = self.typed_from(self.indicator, self.cleaned_data)
        if data is None:
            raise ValidationError({"value": [_("Enter the target value.")]})
        return services.target_set(
            indicator=self.indicator,
            year=self.cleaned_data["year"],
            target_kind=self.cleaned_data["target_kind"],
            actor=actor,
            data=data,
        )


# Of INDICATOR_FIELDS, what a person sets when creating an indicator on its page.
_ON_CREATE_FORM = {"name_en", "name_zh", "definition_en", "definition_zh", "data_source_en"}
_ON_CREATE_FORM |= {"data_source_zh", "frequency", "value_kind", "unit_en", "unit_zh"}
_ON_CREATE_FORM |= {"currency", "decimals", "direction", "method_in_development"}


class IndicatorCreateForm(forms.ModelForm):
    """A new indicator of a framework (values in parts are defined through the API, which takes
    the part labels)."""

    class Meta:
        model = Indicator
        fields = ["node", "code", *(f for f in INDICATOR_FIELDS if f in _ON_CREATE_FORM)]
        widgets = IndicatorForm.Meta.widgets

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        self.fields["node"].queryset = plan.nodes.select_related("level")
        # Results by their title in the user's language (str() names them in English).
        self.fields["node"].label_from_instance = lambda node: f"{node.code} {node.title}"
        self.fields["value_kind"].choices = [
            c for c in self.fields["value_kind"].choices if c[0] != ValueKind.PARTS
        ]

    def validate_unique(self):
        """The service and the database check (framework, code)."""

    def save_as(self, actor):
        data = {f: self.cleaned_data[f] for f in self.Meta.fields if f != "code"}
        if Indicator.objects.filter(plan=self.plan, code=self.cleaned_data["code"]).exists():
            raise ValidationError(
                {"code": _("This framework already has an indicator with this code.")}
            )
        return services.indicator_save(
            plan=self.plan, code=self.cleaned_data["code"], actor=actor, data=data
        )


class BulkItemsField(forms.Field):
    """The selected values, each sent as "id:version" (the version the user saw)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        items = []
        for raw in value or []:
            pk, sep, version = str(raw).partition(":")
            if not (sep and pk.isdigit() and version.isdigit()):
                raise forms.ValidationError(_("Invalid selection."))
            items.append((int(pk), int(version)))
        return items

    def validate(self, value):
        if not value:
            raise forms.ValidationError(_("Select at least one value."))


class BulkActionForm(forms.Form):
    """Many values at once: submit (the grid), approve or return (the review queue)."""

    action = forms.ChoiceField(
        label=_("Action"),
        choices=[
            ("approve", _("Approve selected")),
            ("return", _("Return selected")),
            ("submit", _("Submit selected")),
        ],
    )
    reason = forms.CharField(label=_("Reason (for a return)"), required=False)
    values = BulkItemsField()

    def __init__(self, *args, actions=None, **kwargs):
        super().__init__(*args, **kwargs)
        if actions is not None:
            field = self.fields["action"]
            field.choices = [c for c in field.choices if c[0] in actions]

    def clean(self):
        data = super().clean()
        if data.get("action") == "return" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Give a reason."))
        return data


class PeriodForm(forms.ModelForm):
    """A period's dates and the date its values are due (the service validates and saves)."""

    class Meta:
        model = ReportingPeriod
        fields = ["start_date", "end_date", "due_date"]
        widgets = {f: IsoDateInput() for f in fields}


class PeriodCloseForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))
    confirm = forms.BooleanField(label=_("I confirm"))

    def __init__(self, *args, closing=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["confirm"].label = (
            _("Yes, close this period: it will take no entries, approvals or reopenings.")
            if closing
            else _("Yes, open this period again for entries.")
        )
