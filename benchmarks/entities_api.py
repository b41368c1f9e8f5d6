"""Entity list through the API and the page, against a floor of the same rows read in raw SQL.

Shape: 2,000 entities under 20 governing bodies; a page of 50 rows (the API's page size).
"""

from django.db import connection
from django.test import Client

from benchmarks.util import best_of, report

N_ENTITIES = 2000


def setup():
    from django.contrib.auth import get_user_model

    from entities.choices import EntityType, Role
    from entities.models import Entity, GoverningBody, Membership

    bodies = GoverningBody.objects.bulk_create(
        GoverningBody(code=f"bench-{i}", name_en=f"Board {i}") for i in range(20)
    )
    Entity.objects.bulk_create(
        Entity(
            code=f"B{i:05d}",
            name_en=f"Bench entity {i}",
            name_zh=f"实体{i}",
            entity_type=EntityType.OTHER,
            governing_body=bodies[i % 20],
        )
        for i in range(N_ENTITIES)
    )
    user = get_user_model().objects.create_user("bench-auditor", password="x")
    Membership.objects.create(user=user, entity=None, role=Role.AUDITOR)
    return user


def run():
    user = setup()
    client = Client()
    client.force_login(user)

    def floor():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT e.id, e.code, e.name_en, e.name_zh, e.entity_type, b.code, b.name_en "
                "FROM entities_entity e LEFT JOIN entities_governingbody b "
                "ON b.id = e.governing_body_id ORDER BY e.code LIMIT 50"
            )
            cursor.fetchall()

    floor_s = best_of(floor, repeat=20)
    api_s = best_of(lambda: client.get("/api/v1/entities/"), repeat=20)
    page_s = best_of(lambda: client.get("/entities/"), repeat=20)
    search_s = best_of(lambda: client.get("/api/v1/entities/", {"q": "entity 19"}), repeat=20)
    report("GET /api/v1/entities/ (50 of 2,000)", api_s, floor_s, "raw SQL floor")
    report("GET /entities/ page (50 of 2,000)", page_s, floor_s, "raw SQL floor")
    report("GET /api/v1/entities/?q= (search)", search_s, floor_s, "raw SQL floor")
