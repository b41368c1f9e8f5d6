from django.db import models
from django.utils.translation import gettext_lazy as _


class EntityType(models.TextChoices):
    FUND_PROGRAMME = "fund_programme", _("Fund or programme")
    SPECIALIZED_AGENCY = "specialized_agency", _("Specialized agency")
    SECRETARIAT = "secretariat", _("Secretariat entity")
    RELATED_ORGANIZATION = "related_organization", _("Related organization")
    OTHER = "other", _("Other")


class GoverningBodyKind(models.TextChoices):
    EXECUTIVE_BOARD = "executive_board", _("Executive Board")
    GENERAL_ASSEMBLY = "general_assembly", _("General Assembly")
    OTHER = "other", _("Other governing body")


class SessionKind(models.TextChoices):
    FIRST_REGULAR = "first_regular", _("First regular session")
    ANNUAL = "annual", _("Annual session")
    SECOND_REGULAR = "second_regular", _("Second regular session")
    JOINT_MEETING = "joint_meeting", _("Joint meeting of the Executive Boards")
    SPECIAL = "special", _("Special session")


class Role(models.TextChoices):
    PROGRAMME_OFFICER = "programme_officer", _("Programme officer")
    REVIEWER = "reviewer", _("Reviewer")
    BOARD_SECRETARIAT = "board_secretariat", _("Board secretariat")
    AUDITOR = "auditor", _("Auditor")
    READER = "reader", _("Reader")
    ADMINISTRATOR = "administrator", _("Administrator")
