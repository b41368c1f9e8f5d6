"""Who may see what of a compact — the one place that decides.

A compact's tables, classes and system-wide values are for every signed-in user (they are
published figures or computed from them). The entity reports behind a system-wide value keep
the indicators app's rule: an entity's value is shown to whoever may see that entity
(Value.objects.visible_to), and entered and approved only through the indicators pages.
"""


def can_view_compacts(user):
    return bool(user and user.is_authenticated)
