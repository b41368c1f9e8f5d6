"""Input parsing for the oversight pages; every form ends in a call to a service."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.widgets import IsoDateInput

from .choices import CLOSED_STATUSES, Status
from .models import ActionPlanItem, Recommendation, Resolution
from .services import RECOMMENDATION_EDITABLE_FIELDS


class ProgressForm(forms.Form):
    note = forms.CharField(label=_("Progress"), widget=forms.Textarea(attrs={"rows": 3}))
    management_response = forms.CharField(
        label=_("Management response"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2}))


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("Evidence file"))
    description = forms.CharField(label=_("Description"), required=False, max_length=500)


class ProposeClosureForm(forms.Form):
    proposed_status = forms.ChoiceField(
        label=_("Proposed status"),
        choices=[(s.value, s.label) for s in Status if s in CLOSED_STATUSES],
    )
    implementation_date = forms.DateField(label=_("Implementation date"), widget=IsoDateInput())
    note = forms.CharField(
        label=_("How it was addressed"), widget=forms.Textarea(attrs={"rows": 3})
    )


class AcceptClosureForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False)


class ReturnClosureForm(forms.Form):
    # Not required here: the service refuses a blank reason with the message the API gives.
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel (.xlsx) or CSV file"))


class ResolutionForm(forms.ModelForm):
    class Meta:
        model = Resolution
        fields = ["status", "action_kind", "reports_or_actions_zh", "summary_en", "summary_zh"]
        widgets = {
            "reports_or_actions_zh": forms.Textarea(attrs={"rows": 2}),
            "summary_en": forms.Textarea(attrs={"rows": 3}),
            "summary_zh": forms.Textarea(attrs={"rows": 3}),
        }


class ActionPlanItemForm(forms.ModelForm):
    class Meta:
        model = ActionPlanItem
        fields = ["status", "implementation_date_en", "progress_notes_en", "progress_notes_zh"]
        widgets = {
            "progress_notes_en": forms.Textarea(attrs={"rows": 4}),
            "progress_notes_zh": forms.Textarea(attrs={"rows": 4}),
        }


class RecommendationEditForm(forms.ModelForm):
    """What the body's auditor may change; the workflow fields change only by the workflow."""

    class Meta:
        model = Recommendation
        fields = list(RECOMMENDATION_EDITABLE_FIELDS)
        widgets = {
            "text_en": forms.Textarea(attrs={"rows": 3}),
            "text_zh": forms.Textarea(attrs={"rows": 3}),
            "management_response": forms.Textarea(attrs={"rows": 2}),
            "issued_on": IsoDateInput(),
            "target_date": IsoDateInput(),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = self.instance.entity.org_units.all()
