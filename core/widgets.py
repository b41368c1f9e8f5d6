"""Form widgets every app uses the same way."""

from django import forms


class IsoDateInput(forms.DateInput):
    """An HTML date input. Browsers accept only ISO dates (YYYY-MM-DD) in its value and show them
    in the user's own form, so the value is never localised: in Chinese Django would otherwise
    write 2025/01/01, which the input shows as blank and a save would then clear."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")
