"""Factories for oversight tests."""

import datetime

import factory

from entities.choices import Role
from oversight.choices import BodyKind, Status
from oversight.models import (
    OversightBody,
    OversightBodyMember,
    OversightReport,
    Recommendation,
    StatisticsPeriod,
)
from tests.factories import EntityFactory, user_with_role


class OversightBodyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OversightBody
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"body{n}")
    name_en = factory.LazyAttribute(lambda b: f"Oversight body {b.code}")
    name_zh = "监督机构"
    kind = BodyKind.INTERNAL_OVERSIGHT


class ReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OversightReport

    body = factory.SubFactory(OversightBodyFactory)
    symbol = factory.Sequence(lambda n: f"A/76/{n}")
    title_en = factory.Sequence(lambda n: f"Audit report {n}")
    title_zh = "审计报告"
    issued_on = datetime.date(2021, 1, 15)


class RecommendationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Recommendation

    report = factory.SubFactory(ReportFactory)
    body = factory.LazyAttribute(lambda r: r.report.body)
    entity = factory.SubFactory(EntityFactory)
    reference = factory.Sequence(lambda n: f"REC-{n:05d}")
    text_en = "The Administration should strengthen controls over procurement."
    text_zh = "行政当局应加强对采购的控制。"
    issued_on = datetime.date(2021, 1, 15)
    target_date = datetime.date(2022, 6, 30)
    status = Status.IN_PROGRESS


class StatisticsPeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StatisticsPeriod

    body = factory.SubFactory(OversightBodyFactory)
    label = factory.Sequence(lambda n: f"P{n}")
    start = datetime.date(2021, 1, 1)
    end = datetime.date(2021, 12, 31)


def body_auditor(body, **user_fields):
    """A global auditor (reads everything) tied to `body` (may close its recommendations)."""
    user = user_with_role(Role.AUDITOR, None, **user_fields)
    OversightBodyMember.objects.create(body=body, user=user)
    return user
