"""Reads about users that other apps need (the entities app is the ground floor)."""

from django.conf import settings

from .models import Profile


def language_for(user):
    """The language `user` chose (Profile.language), else the site's default: what e-mail to
    them is written in."""
    chosen = Profile.objects.filter(user=user).values_list("language", flat=True).first()
    return chosen or settings.LANGUAGE_CODE
