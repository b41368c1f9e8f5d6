"""The main navigation: each item names the page and who may use it.

Every app adds its items here; the predicate is the app's own permission function, so the menu
never offers what the server would refuse.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from audit import permissions as audit_permissions
from compacts import permissions as compact_permissions
from entities import permissions as entity_permissions
from indicators import permissions as indicator_permissions
from oversight import permissions as oversight_permissions
from reports import permissions as report_permissions


def signed_in(user):
    return user.is_authenticated


@dataclass(frozen=True)
class NavItem:
    key: str
    url_name: str
    label: Promise
    allowed: Callable


NAV_ITEMS = [
    NavItem("home", "home", _("Home"), signed_in),
    NavItem("entities", "entities:list", _("Entities"), signed_in),
    NavItem(
        "boards",
        "entities:boards",
        _("Governing bodies"),
        entity_permissions.can_view_governing_bodies,
    ),
    NavItem("team", "entities:team", _("Team"), entity_permissions.can_view_team),
    NavItem(
        "frameworks",
        "indicators:plans",
        _("Results framework"),
        indicator_permissions.can_view_frameworks,
    ),
    NavItem(
        "data-entry",
        "indicators:entry-index",
        _("Data entry"),
        indicator_permissions.can_enter_anywhere,
    ),
    NavItem(
        "compacts", "compacts:list", _("Funding compact"), compact_permissions.can_view_compacts
    ),
    NavItem("review", "indicators:review", _("Review"), indicator_permissions.can_review_anywhere),
    NavItem("audit", "audit:events", _("Audit trail"), audit_permissions.can_view_events),
    # One entry for oversight: its pages carry their own sub-navigation (recommendations,
    # statistics, resolutions, action plans, import).
    NavItem(
        "oversight", "oversight:list", _("Oversight"), oversight_permissions.can_view_oversight
    ),
    NavItem("reports", "reports:list", _("Reports"), report_permissions.can_view_reports),
    NavItem("api-docs", "api-docs", _("API docs"), signed_in),
    NavItem("admin", "admin:index", _("Administration"), entity_permissions.can_use_admin_site),
]


def _allowed_items(user):
    """(key, url, label) of the items `user` may use, in the active language."""
    return [
        (item.key, reverse(item.url_name), str(item.label))
        for item in NAV_ITEMS
        if item.allowed(user)
    ]


def items_for(user, current_path=""):
    """The navigation items this user may use, with their URLs and which one is current.

    Which items a user may use is worked out once per user and language and kept in the
    shared cache under the scopes the predicates read (the user's own rows, entities,
    oversight bodies, frameworks); only the current item is marked per request."""
    from core.cache import cached, user_scope

    allowed = cached(
        "navigation",
        lambda: _allowed_items(user),
        scopes=(user_scope(user.pk), "entities", "oversight", "indicators"),
        params=(user.pk,),
    )
    result = [
        {"key": key, "url": url, "label": label, "current": False} for key, url, label in allowed
    ]
    # The current item is the one whose URL is the longest prefix of the path (so
    # /indicators/entry/ marks "Data entry", not also "Results framework").
    matches = [
        i
        for i in result
        if current_path == i["url"] or (i["url"] != "/" and current_path.startswith(i["url"]))
    ]
    if matches:
        max(matches, key=lambda i: len(i["url"]))["current"] = True
    return result
