from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    VALUE_RETURNED = "value_returned", _("A value of mine was returned")
    PERIOD_CLOSING = "period_closing", _("A reporting period is about to close with values missing")
    RECOMMENDATIONS_DUE = (
        "recommendations_due",
        _("Weekly digest of recommendations due soon or overdue"),
    )
    CLOSURE_PROPOSED = "closure_proposed", _("A closure was proposed to my oversight body")


class Channel(models.TextChoices):
    IN_APP = "in_app", _("In the application")
    EMAIL = "email", _("By e-mail")
