"""Constants, validators and private storage shared by the indicators models."""

import uuid
from decimal import Decimal

from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from core.bilingual import localized
from core.files import private_storage as core_private_storage

PERCENT_MIN = Decimal("0")
PERCENT_MAX = Decimal("100")
MAX_DECIMALS = 6

currency_code_validator = RegexValidator(
    r"^[A-Z]{3}$", _("Enter a three-letter ISO 4217 currency code, such as USD.")
)


# Evidence and uploaded workbooks live in the shared private storage (core/files.py); the name
# stays importable here because migration 0001 refers to it.
private_storage = core_private_storage


def evidence_path(instance, filename):
    # A random name: the original name is kept in the row, never in the path.
    return f"evidence/{instance.value_id}/{uuid.uuid4().hex}"


def import_path(instance, filename):
    return f"imports/{uuid.uuid4().hex}.xlsx"


# The English/Chinese pair of a field, in the reader's language: one rule, in core.
_localized = localized
