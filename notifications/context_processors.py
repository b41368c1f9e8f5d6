import functools


def unread_notifications(request):
    """The unread count in the header: one query, for signed-in users, and only when a template
    reads it (the template engine calls the cached function on first use)."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    from .models import Notification

    @functools.cache
    def count():
        return Notification.objects.visible_to(user).unread().count()

    return {"unread_notifications": count}
