"""Reads about users that other apps need (the entities app is the ground floor)."""

from django.conf import settings

from .models import Profile


def language_chosen(user):
    """The language `user` chose (Profile.language), or None when they chose none (or one the
    site no longer offers)."""
    chosen = Profile.objects.filter(user=user).values_list("language", flat=True).first()
    return chosen if chosen in dict(settings.LANGUAGES) else None


def language_for(user):
    """The language `user` chose, else the site's default: what e-mail to them is written in."""
    return language_chosen(user) or settings.LANGUAGE_CODE
