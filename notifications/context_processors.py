import functools


def unread_notifications(request):
    """The unread count in the header, for signed-in users, and only when a template reads it
    (the template engine calls the cached function on first use): from the shared cache under
    the user's notifications scope, which every new, read or deleted notification of theirs
    bumps (notifications.apps, services.notifications_mark_read)."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    from core.cache import cached, notifications_scope

    from .models import Notification

    @functools.cache
    def count():
        return cached(
            "unread-notifications",
            lambda: Notification.objects.visible_to(user).unread().count(),
            # "entities" too, so that core.cache.bump() (after a restore) moves it on.
            scopes=(notifications_scope(user.pk), "entities"),
            params=(user.pk,),
            language=False,
        )

    return {"unread_notifications": count}
