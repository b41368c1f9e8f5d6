from .navigation import items_for


def navigation(request):
    """The navigation of the signed-in user, for templates/base.html."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    return {"nav_items": items_for(user, request.path)}
