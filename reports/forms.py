"""Input parsing for the report pages; every write goes on to a service."""

from django import forms
from django.utils.translation import gettext_lazy as _

from entities.models import BoardSession, Entity
from indicators.models import Plan

from .choices import Distribution, Format, Language
from .models import symbol_validator
from .permissions import managed_entity_ids


class ReportForm(forms.Form):
    entity = forms.ModelChoiceField(queryset=Entity.objects.none(), label=_("Entity"))
    plan = forms.ModelChoiceField(queryset=Plan.objects.none(), label=_("Plan"))
    year = forms.IntegerField(label=_("Year reported on"), min_value=1990, max_value=2100)
    symbol = forms.CharField(
        label=_("Document symbol"),
        max_length=80,
        validators=[symbol_validator],
        help_text=_("For example DP/OPS/2027/2."),
    )
    distribution = forms.ChoiceField(
        label=_("Distribution"), choices=Distribution.choices, initial=Distribution.GENERAL
    )
    document_date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    session = forms.ModelChoiceField(
        queryset=BoardSession.objects.none(), label=_("Session"), required=False
    )
    agenda_item = forms.CharField(label=_("Agenda item"), max_length=40, required=False)
    title_en = forms.CharField(label=_("Title (English)"), max_length=300)
    title_zh = forms.CharField(label=_("Title (Chinese)"), max_length=300, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        ids = managed_entity_ids(user)
        entities = Entity.objects.all() if ids is None else Entity.objects.filter(pk__in=ids)
        self.fields["entity"].queryset = entities
        self.fields["plan"].queryset = Plan.objects.filter(entity__in=entities)
        self.fields["session"].queryset = BoardSession.objects.filter(
            body__entities__in=entities
        ).distinct()


class NarrativeForm(forms.Form):
    node = forms.IntegerField(required=False, widget=forms.HiddenInput)
    text_en = forms.CharField(
        label=_("English"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    text_zh = forms.CharField(
        label=_("Chinese"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )


class RunForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    formats = forms.MultipleChoiceField(
        label=_("Formats"),
        choices=Format.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=list(Format.values),
    )
