from django.db import models
from django.utils.translation import gettext_lazy as _


class GroupKind(models.TextChoices):
    MEMBER_STATES = "member_states", _("Member States")
    UNSDG = "unsdg", _("UN Sustainable Development Group")


class Derivation(models.TextChoices):
    """How a system-wide value is derived from the approved values entities report."""

    NONE = "none", _("Reported system-wide (not derived)")
    SHARE_YES = "share_yes", _("Share of entities answering yes")
    SHARE_INCREASE = "share_increase", _("Share of entities reporting an increase")
    RATIO_OF_SUMS = "ratio_of_sums", _("Ratio of two sums")
    SUM = "sum", _("Sum of entity values")


class Figure(models.TextChoices):
    """Which published figure of an indicator a raw text transcribes."""

    BASELINE = "baseline", _("Baseline")
    TARGET = "target", _("Target")
    LATEST = "latest", _("Latest value")
