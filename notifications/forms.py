from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .choices import Kind


class PreferencesForm(forms.Form):
    """Two checkboxes per kind: in the application, and by e-mail; and the language the
    e-mail is written in."""

    # Not sent (an older form, a script): the language stays as it is.
    language = forms.ChoiceField(
        label=_("Language of your e-mail"), choices=settings.LANGUAGES, required=False
    )

    def __init__(self, *args, initial_prefs, language, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].initial = language
        self.rows = []
        for kind in Kind:
            for channel in ("in_app", "email"):
                self.fields[f"{kind.value}__{channel}"] = forms.BooleanField(
                    required=False, initial=initial_prefs[kind.value][channel]
                )
            self.rows.append(
                (kind.label, self[f"{kind.value}__in_app"], self[f"{kind.value}__email"])
            )

    def choices(self):
        return {
            kind: {
                "in_app": self.cleaned_data[f"{kind}__in_app"],
                "email": self.cleaned_data[f"{kind}__email"],
            }
            for kind in Kind.values
        }
