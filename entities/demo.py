"""Demo entities, boards and users, built from the project's own copy of the source tables
(entities/data/*.json, copied from the shared extracts of A/75/79 Table 1 and the 2024 joint
meeting report of the Executive Boards)."""

import json
from datetime import date
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from . import services
from .choices import EntityType, GoverningBodyKind, Role, SessionKind

DATA_DIR = Path(__file__).resolve().parent / "data"

TYPE_BY_SOURCE = {
    "Funds and programmes": EntityType.FUND_PROGRAMME,
    "Specialized agencies": EntityType.SPECIALIZED_AGENCY,
    "Secretariat": EntityType.SECRETARIAT,
    "Related organizations": EntityType.RELATED_ORGANIZATION,
    "Other UN entities": EntityType.OTHER,
}

# The demo loader (load_demo) runs each app's demo.load() after those it names here.
DEMO_AFTER = ()

# UNOPS's org units that own indicators of the demo framework (indicators/demo.py assigns the
# delivery pillar's to DEL and the management pillar's to MGT): code -> (English, Chinese).
UNOPS_UNITS = {
    "DEL": ("Delivery practice", "交付业务部"),
    "MGT": ("Management and corporate services", "管理和公司服务部"),
}

# username -> (entity code or None for every entity, role, first name[, org unit code])
DEMO_USERS = {
    "officer": ("UNOPS", Role.PROGRAMME_OFFICER, "Olga"),
    # A role narrowed to one org unit: sees and enters only that unit's indicators.
    "officer-del": ("UNOPS", Role.PROGRAMME_OFFICER, "Dara", "DEL"),
    "reviewer": ("UNOPS", Role.REVIEWER, "Rafael"),
    "secretariat": ("UNOPS", Role.BOARD_SECRETARIAT, "Sara"),
    "auditor": (None, Role.AUDITOR, "Amina"),
    "reader": ("UNOPS", Role.READER, "Rita"),
    "officer-undp": ("UNDP", Role.PROGRAMME_OFFICER, "Omar"),
}
SUPERUSER = "admin"


def entity_code(acronym):
    """'UNCTAD (incl. ITC)' -> 'UNCTAD', 'ECE (UNECE)' -> 'ECE', 'WHO/PAHO' -> 'WHO-PAHO':
    codes appear in URLs, so they carry no slash."""
    return acronym.split(" (")[0].strip().replace("/", "-")


def load_json(name):
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


@transaction.atomic
def load_entities():
    boards_doc = load_json("executive_boards_2024.json")
    table1 = load_json("entities_table1.json")
    for row in table1["rows"]:
        if not row.get("acronym"):
            continue  # "other entities not listed" is a residual row, not an entity
        services.entity_upsert(
            code=entity_code(row["acronym"]),
            actor=None,
            name_en=row["entity_en"],
            name_zh=row.get("entity_full_name_zh") or row["entity_zh"],
            short_name_zh=row["entity_zh"],
            entity_type=TYPE_BY_SOURCE[row["entity_type_en"]],
        )
    for e in boards_doc["entities"]:
        services.entity_upsert(
            code=e["acronym"],
            actor=None,
            name_en=e["en"],
            name_zh=e["zh"],
            short_name_zh=e["zh_short"],
            entity_type=EntityType.FUND_PROGRAMME,
        )
    meeting_date = date.fromisoformat(boards_doc["meeting"]["date"])
    for b in boards_doc["boards"]:
        body = services.governing_body_upsert(
            code=b["code"].lower(),
            actor=None,
            name_en=b["en"],
            name_zh=b["zh"],
            kind=GoverningBodyKind.EXECUTIVE_BOARD,
        )
        for code in b["entities"]:
            entity = services.entity_upsert(code=code, actor=None, governing_body=body)
            services.org_unit_upsert(
                entity=entity, code="HQ", actor=None, name_en="Headquarters", name_zh="总部"
            )
        services.board_session_upsert(
            body=body,
            kind=SessionKind.JOINT_MEETING,
            year=meeting_date.year,
            actor=None,
            start_date=meeting_date,
            end_date=meeting_date,
            title_en=boards_doc["meeting"]["title_en"],
            title_zh=boards_doc["meeting"]["title_zh"],
        )
    from .models import Entity

    unops = Entity.objects.get(code="UNOPS")
    for code, (en, zh) in UNOPS_UNITS.items():
        services.org_unit_upsert(entity=unops, code=code, actor=None, name_en=en, name_zh=zh)


@transaction.atomic
def load_users(password=None):
    """Create the demo users (or reset their password) and their memberships."""
    from .models import Entity, OrgUnit

    password = password or settings.DEMO_PASSWORD
    User = get_user_model()
    for username, (code, role, first_name, *unit) in DEMO_USERS.items():
        user, _created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first_name, "email": f"{username}@example.org"},
        )
        if not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
        entity = Entity.objects.get(code=code) if code else None
        org_unit = OrgUnit.objects.get(entity=entity, code=unit[0]) if unit else None
        services.membership_grant(
            user=user, entity=entity, role=role, actor=None, org_unit=org_unit
        )
    admin, _created = User.objects.get_or_create(
        username=SUPERUSER, defaults={"email": "admin@example.org", "first_name": "Ada"}
    )
    admin.is_staff = admin.is_superuser = True
    if not admin.check_password(password):
        admin.set_password(password)
    admin.save()


def demo_logins():
    """(username, what they can do) pairs, for the start-up banner and the README."""
    rows = [
        (u, f"{r.label} @ {c or 'all entities'}{'/' + unit[0] if unit else ''}")
        for u, (c, r, _n, *unit) in DEMO_USERS.items()
    ]
    rows.append((SUPERUSER, "superuser (Django admin)"))
    return rows


def load():
    """Entities, boards, org units and the demo users (load_demo calls it first)."""
    load_entities()
    load_users()
