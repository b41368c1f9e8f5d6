"""Constants, validators and private storage shared by the indicators models."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.validators import RegexValidator
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

PERCENT_MIN = Decimal("0")
PERCENT_MAX = Decimal("100")
MAX_DECIMALS = 6

currency_code_validator = RegexValidator(
    r"^[A-Z]{3}$", _("Enter a three-letter ISO 4217 currency code, such as USD.")
)


def private_storage():
    """Evidence and uploaded workbooks: under MEDIA_ROOT/private, with no public URL. Views
    stream the files after a permission check."""
    return FileSystemStorage(location=settings.MEDIA_ROOT / "private", base_url=None)


def evidence_path(instance, filename):
    # A random name: the original name is kept in the row, never in the path.
    return f"evidence/{instance.value_id}/{uuid.uuid4().hex}"


def import_path(instance, filename):
    return f"imports/{uuid.uuid4().hex}.xlsx"


def _localized(obj, field):
    if (get_language() or "").startswith("zh") and getattr(obj, f"{field}_zh"):
        return getattr(obj, f"{field}_zh")
    return getattr(obj, f"{field}_en")
