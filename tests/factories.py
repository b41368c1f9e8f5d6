"""Factories shared by every app's tests."""

import factory
from django.contrib.auth import get_user_model

from entities.choices import EntityType, Role
from entities.models import Entity, GoverningBody, Membership, OrgUnit

PASSWORD = "test-password-123"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class GoverningBodyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GoverningBody
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"board-{n}")
    name_en = factory.LazyAttribute(lambda b: f"Executive Board {b.code}")
    name_zh = "执行局"


class EntityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Entity
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"ENT{n}")
    name_en = factory.LazyAttribute(lambda e: f"Entity {e.code}")
    name_zh = factory.LazyAttribute(lambda e: f"实体{e.code}")
    entity_type = EntityType.FUND_PROGRAMME


class OrgUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrgUnit

    entity = factory.SubFactory(EntityFactory)
    code = factory.Sequence(lambda n: f"U{n}")
    name_en = factory.LazyAttribute(lambda u: f"Unit {u.code}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    entity = factory.SubFactory(EntityFactory)
    role = Role.PROGRAMME_OFFICER


def user_with_role(role, entity=None, **user_fields):
    """A user holding `role` in `entity` (every entity when None)."""
    user = UserFactory(**user_fields)
    MembershipFactory(user=user, entity=entity, role=role)
    return user


def api_token(user):
    """A fresh API token (django-rest-knox) of `user`, as a client sends it."""
    from entities.models import ApiToken

    _row, key = ApiToken.objects.create(user=user)
    return key
