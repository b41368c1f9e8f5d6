"""UN entities, their governing bodies and sessions, org units, and the memberships that give a
user a role in an entity."""

import pghistory
from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from knox.models import AuthToken, AuthTokenManager

from core.bilingual import localized

from .choices import EntityType, GoverningBodyKind, Role, SessionKind
from .querysets import ApiTokenQuerySet, EntityQuerySet, MembershipQuerySet, OrgUnitQuerySet


# Row history: inserts, updates and deletes, with the acting user and request attached by
# pghistory's middleware (and by pghistory.context in tasks and commands).
def track_history(level=None):
    """A fresh pghistory.track() decorator: trackers are bound to one model, so each model
    needs its own instances. level=pghistory.Statement: one trigger call per statement, which
    reads the statement's rows from its transition tables (for models written in bulk)."""
    return pghistory.track(
        pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent(), level=level
    )


class BilingualName(models.Model):
    """English and Chinese names, and the one to show in the active language."""

    name_en = models.CharField(_("name (English)"), max_length=300)
    name_zh = models.CharField(_("name (Chinese)"), max_length=300, blank=True)

    class Meta:
        abstract = True

    @property
    def name(self):
        return localized(self, "name")


@track_history()
class GoverningBody(BilingualName):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    kind = models.CharField(
        _("kind"),
        max_length=30,
        choices=GoverningBodyKind,
        default=GoverningBodyKind.EXECUTIVE_BOARD,
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("governing body")
        verbose_name_plural = _("governing bodies")

    def __str__(self):
        return self.name


@track_history()
class BoardSession(models.Model):
    body = models.ForeignKey(
        GoverningBody, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("body")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=SessionKind)
    year = models.PositiveSmallIntegerField(_("year"))
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)
    title_zh = models.CharField(_("title (Chinese)"), max_length=300, blank=True)

    class Meta:
        ordering = ["start_date"]
        verbose_name = _("board session")
        verbose_name_plural = _("board sessions")
        constraints = [
            models.UniqueConstraint(
                fields=["body", "kind", "year"], name="session_unique_per_year"
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="session_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.body.code} {self.get_kind_display()} {self.year}"


@track_history()
class Entity(BilingualName):
    code = models.CharField(_("code"), max_length=40, unique=True)
    short_name_zh = models.CharField(_("short name (Chinese)"), max_length=100, blank=True)
    entity_type = models.CharField(_("type"), max_length=30, choices=EntityType)
    governing_body = models.ForeignKey(
        GoverningBody,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entities",
        verbose_name=_("governing body"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = EntityQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("entity")
        verbose_name_plural = _("entities")
        constraints = [
            models.UniqueConstraint(Lower("code"), name="entity_code_unique_ci"),
        ]

    def __str__(self):
        return self.code

    @property
    def display_short_name(self):
        if (get_language() or "").startswith("zh") and self.short_name_zh:
            return self.short_name_zh
        return self.code


@track_history()
class OrgUnit(BilingualName):
    entity = models.ForeignKey(
        Entity, on_delete=models.CASCADE, related_name="org_units", verbose_name=_("entity")
    )
    code = models.CharField(_("code"), max_length=40)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent unit"),
    )

    objects = OrgUnitQuerySet.as_manager()

    class Meta:
        ordering = ["entity__code", "code"]
        verbose_name = _("org unit")
        verbose_name_plural = _("org units")
        constraints = [
            models.UniqueConstraint(
                fields=["entity", "code"], name="orgunit_code_unique_in_entity"
            ),
        ]

    def __str__(self):
        return f"{self.entity.code}/{self.code}"


@track_history()
class Membership(models.Model):
    """A user's role in an entity, optionally narrowed to one org unit."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    # No entity: the role holds in every entity (e.g. an auditor with read access across them).
    entity = models.ForeignKey(
        Entity,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("entity"),
        help_text=_("Leave empty to give the role in every entity."),
    )
    role = models.CharField(_("role"), max_length=30, choices=Role)
    org_unit = models.ForeignKey(
        OrgUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("org unit"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["user__username", "entity__code", "role"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "entity", "role"],
                name="membership_unique_role_in_entity",
                nulls_distinct=False,
            ),
        ]

    def __str__(self):
        return self.audit_target_label(self.audit_target_data())

    def audit_target_data(self):
        """Codes from which the role is named in any language once it is revoked (deleted)."""
        return {
            "user": self.user.get_username(),
            "role": self.role,
            "entity": self.entity.code if self.entity_id else "",
        }

    @staticmethod
    def audit_target_label(data):
        """ "alice — Reviewer @ UNOPS", in the active language."""
        role = data.get("role", "")
        role = Role(role).label if role in Role.values else role
        where = data.get("entity") or _("all entities")
        return f"{data.get('user', '')} — {role} @ {where}"

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.org_unit_id and self.org_unit.entity_id != self.entity_id:
            # Also refuses an org unit on a membership that spans every entity.
            raise ValidationError(
                {"org_unit": _("The org unit must belong to the membership's entity.")}
            )


class ApiToken(AuthToken):
    """An API token of django-rest-knox (only its hash is stored), with our visibility rules.

    A proxy: the table is knox's. `token_key` (the token's first characters) names a token in
    lists and URLs without revealing it."""

    # knox's manager makes the token (create() returns the row and the token), ours reads.
    objects = AuthTokenManager.from_queryset(ApiTokenQuerySet)()

    class Meta:
        proxy = True
        ordering = ["-created"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.token_key}… ({self.user})"

    @property
    def is_expired(self):
        return self.expiry is not None and self.expiry <= timezone.now()


class Profile(models.Model):
    """A user's own settings: the language they read the site and their e-mail in (blank: the
    site's default). Set from the language switcher and the notification settings page."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="profile",
        verbose_name=_("user"),
    )
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, blank=True
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self):
        return f"{self.user} ({self.language or '-'})"
