"""The permission matrix, cell by cell: every action for every kind of user."""

import pytest

from entities.choices import Role
from oversight import permissions as perms
from oversight.choices import ReviewState
from tests.factories import UserFactory, user_with_role
from tests.oversight.factories import body_auditor

pytestmark = pytest.mark.django_db

USERS = ["body_auditor", "other_body_auditor", "reviewer", "officer", "other_entity", "reader"]
ALLOWED = {
    perms.VIEW: {"body_auditor", "other_body_auditor", "reviewer", "officer", "reader"},
    perms.COMMENT: {"body_auditor", "reviewer", "officer"},
    perms.RECORD_PROGRESS: {"reviewer", "officer"},
    perms.UPLOAD_EVIDENCE: {"reviewer", "officer"},
    perms.PROPOSE_CLOSURE: {"reviewer", "officer"},
    perms.ACCEPT_CLOSURE: {"body_auditor"},
    perms.RETURN_CLOSURE: {"body_auditor"},
    perms.EDIT: {"body_auditor"},
}


@pytest.fixture
def people(oios, boa, unops, undp):
    return {
        "body_auditor": body_auditor(oios, username="m-oios"),
        "other_body_auditor": body_auditor(boa, username="m-boa"),
        "reviewer": user_with_role(Role.REVIEWER, unops, username="m-reviewer"),
        "officer": user_with_role(Role.PROGRAMME_OFFICER, unops, username="m-officer"),
        "other_entity": user_with_role(Role.REVIEWER, undp, username="m-undp"),
        "reader": user_with_role(Role.READER, None, username="m-reader"),
    }


def test_matrix_names_every_action():
    assert set(ALLOWED) == set(perms.MATRIX) == set(perms.STATE_RULES)


@pytest.mark.parametrize("action", sorted(ALLOWED))
@pytest.mark.parametrize("who", USERS)
def test_matrix_cell(people, rec, action, who):
    expected = who in ALLOWED[action]
    assert perms.allowed_by_role(people[who], rec, action) is expected


def test_anonymous_and_roleless_users_can_do_nothing(rec):
    from django.contrib.auth.models import AnonymousUser

    for user in (AnonymousUser(), UserFactory(username="nobody")):
        assert not any(perms.allowed_by_role(user, rec, a) for a in perms.MATRIX)


def test_superuser_sees_but_holds_no_workflow_relation(rec):
    admin = UserFactory(username="root", is_superuser=True)
    assert perms.allowed_by_role(admin, rec, perms.VIEW)
    assert not perms.allowed_by_role(admin, rec, perms.ACCEPT_CLOSURE)
    assert not perms.allowed_by_role(admin, rec, perms.PROPOSE_CLOSURE)


def test_state_rules(people, rec):
    reviewer, auditor = people["reviewer"], people["body_auditor"]
    assert perms.can(reviewer, rec, perms.PROPOSE_CLOSURE)
    assert (
        perms.why_not(auditor, rec, perms.ACCEPT_CLOSURE) == perms.WRONG_STATE[perms.ACCEPT_CLOSURE]
    )
    rec.review_state = ReviewState.CLOSURE_PROPOSED
    assert perms.can(auditor, rec, perms.ACCEPT_CLOSURE)
    assert perms.can(auditor, rec, perms.RETURN_CLOSURE)
    assert not perms.can(reviewer, rec, perms.PROPOSE_CLOSURE)
    assert not perms.can(reviewer, rec, perms.UPLOAD_EVIDENCE)
    rec.review_state = ReviewState.CLOSED
    assert not perms.can(auditor, rec, perms.ACCEPT_CLOSURE)
    assert perms.can(reviewer, rec, perms.COMMENT)


def test_available_actions_say_why_not(people, rec):
    actions = perms.available_actions(people["other_body_auditor"], rec)
    assert actions[perms.VIEW] is None
    assert actions[perms.ACCEPT_CLOSURE] == perms.WHY_NOT[perms.ACCEPT_CLOSURE]


def test_visibility(people, rec, undp_rec):
    from oversight.models import Recommendation

    def visible(who):
        return set(Recommendation.objects.visible_to(people[who]).values_list("pk", flat=True))

    assert visible("body_auditor") == {rec.pk, undp_rec.pk}
    assert visible("reader") == {rec.pk, undp_rec.pk}
    assert visible("reviewer") == {rec.pk}
    assert visible("other_entity") == {undp_rec.pk}
    assert not Recommendation.objects.visible_to(UserFactory(username="nobody")).exists()


def test_entity_scoped_body_auditor_sees_own_body(oios, rec, undp_rec, undp):
    # An auditor without an all-entity role still sees the body's recommendations.
    user = UserFactory(username="scoped")
    from oversight.models import OversightBodyMember, Recommendation

    OversightBodyMember.objects.create(body=oios, user=user)
    assert Recommendation.objects.visible_to(user).count() == 2


def test_auditor_reads_results_data_and_its_trail_but_changes_nothing(
    client, api, oios_auditor, rec, unops, undp, reviewer
):
    """Auditors see everything (entities, the audit trail, every recommendation) and change
    nothing outside their own body's recommendations."""
    from oversight import services
    from tests.oversight.conftest import auth

    services.comment_add(recommendation=rec, actor=reviewer, text="Update")
    client.force_login(oios_auditor)
    assert client.get("/entities/UNDP/").status_code == 200
    r = client.get("/audit/", {"action": "oversight."})
    assert r.status_code == 200 and "oversight.comment.added" in r.text
    r = auth(api, oios_auditor).patch("/api/v1/entities/UNOPS/", {"name_en": "X"}, format="json")
    assert r.status_code == 403
    unops.refresh_from_db()
    assert unops.name_en != "X"


# Authority over shared records: resolutions, action plans, bodies ------------------------------


@pytest.fixture
def boards(unops, undp):
    """The UNDP/UNFPA/UNOPS Executive Board governs UNOPS; the General Assembly governs no
    entity of the test data (its resolutions are system-wide records)."""
    from entities.choices import GoverningBodyKind
    from tests.factories import GoverningBodyFactory

    eb = GoverningBodyFactory(code="undp-unfpa-unops", kind=GoverningBodyKind.EXECUTIVE_BOARD)
    unicef_board = GoverningBodyFactory(code="unicef", kind=GoverningBodyKind.EXECUTIVE_BOARD)
    ga = GoverningBodyFactory(code="ga", kind=GoverningBodyKind.GENERAL_ASSEMBLY)
    unops.governing_body = eb
    unops.save()
    undp.governing_body = unicef_board  # another board, for the refusal
    undp.save()
    return {"eb": eb, "ga": ga, "other": unicef_board}


def _resolution(body, row=1):
    from oversight import services

    return services.resolution_upsert(
        governing_body=body,
        session="2026",
        row=row,
        actor=None,
        agenda_item_number="1",
        number=f"{body.code}/{row}",
        action_kind="scheduled_future_session",
        status="pending",
    )


RESOLUTION_EDITORS = {
    # (who, body) -> allowed
    ("unops_secretariat", "eb"): True,
    ("unops_admin", "eb"): True,
    ("unops_secretariat", "ga"): False,
    ("unops_admin", "ga"): False,
    ("undp_secretariat", "eb"): False,
    ("unops_reviewer", "eb"): False,
    ("global_secretariat", "ga"): True,
    ("global_admin", "ga"): True,
    ("global_auditor", "ga"): False,
    ("superuser", "ga"): True,
}


@pytest.fixture
def editors(unops, undp):
    return {
        "unops_secretariat": user_with_role(Role.BOARD_SECRETARIAT, unops, username="r-sec"),
        "unops_admin": user_with_role(Role.ADMINISTRATOR, unops, username="r-adm"),
        "undp_secretariat": user_with_role(Role.BOARD_SECRETARIAT, undp, username="r-undp"),
        "unops_reviewer": user_with_role(Role.REVIEWER, unops, username="r-rev"),
        "global_secretariat": user_with_role(Role.BOARD_SECRETARIAT, None, username="r-gsec"),
        "global_admin": user_with_role(Role.ADMINISTRATOR, None, username="r-gadm"),
        "global_auditor": user_with_role(Role.AUDITOR, None, username="r-gaud"),
        "superuser": UserFactory(username="r-root", is_superuser=True),
    }


@pytest.mark.parametrize("who,body", list(RESOLUTION_EDITORS))
def test_who_keeps_a_resolution(who, body, boards, editors, client, api):
    from audit.models import Event
    from oversight.models import Resolution

    res = _resolution(boards[body])
    user = editors[who]
    allowed = RESOLUTION_EDITORS[(who, body)]
    assert perms.can_edit_resolution(user, res) is allowed
    # The page.
    client.force_login(user)
    r = client.post(
        f"/oversight/resolutions/{res.pk}/",
        {"status": "completed", "action_kind": "scheduled_future_session", "summary_en": "page"},
    )
    assert r.status_code == (302 if allowed else 403)
    # The API.
    api.force_authenticate(user)
    r = api.patch(f"/api/v1/oversight/resolutions/{res.pk}/", {"summary_en": "api"}, format="json")
    assert r.status_code == (200 if allowed else 403)
    res = Resolution.objects.get(pk=res.pk)
    written = Event.objects.filter(action="oversight.resolution.updated").count()
    if allowed:
        assert res.summary_en == "api" and written == 2
    else:
        assert res.summary_en == "" and res.status == "pending" and written == 0


def test_action_plans_are_kept_system_wide(editors, client, api):
    from oversight import demo
    from oversight.models import ActionPlanItem

    demo.load_action_plan()
    item = ActionPlanItem.objects.first()
    for who in ("unops_secretariat", "unops_admin", "global_auditor"):
        client.force_login(editors[who])
        r = client.post(f"/oversight/action-plans/items/{item.pk}/", {"status": "completed"})
        assert r.status_code == 403, who
        api.force_authenticate(editors[who])
        r = api.patch(
            f"/api/v1/oversight/action-plan-items/{item.pk}/",
            {"status_text_en": "x"},
            format="json",
        )
        assert r.status_code == 403, who
    api.force_authenticate(editors["global_secretariat"])
    r = api.patch(
        f"/api/v1/oversight/action-plan-items/{item.pk}/", {"status_text_en": "x"}, format="json"
    )
    assert r.status_code == 200


def test_bodies_and_their_auditors_are_kept_by_administrators(oios, editors, unops):
    from django.core.exceptions import PermissionDenied

    from audit.models import Event
    from oversight import services
    from oversight.models import OversightBodyMember

    for who in ("unops_admin", "global_secretariat", "global_auditor"):
        with pytest.raises(PermissionDenied):
            services.body_upsert(code="oios", actor=editors[who], name_en="Renamed")
        with pytest.raises(PermissionDenied):
            services.body_auditor_add(body=oios, user=editors["unops_reviewer"], actor=editors[who])
    assert not OversightBodyMember.objects.filter(user=editors["unops_reviewer"]).exists()
    assert not Event.objects.exists()
    member = services.body_auditor_add(
        body=oios, user=editors["unops_reviewer"], actor=editors["global_admin"]
    )
    with pytest.raises(PermissionDenied):
        services.body_auditor_remove(member=member, actor=editors["unops_admin"])
    services.body_auditor_remove(member=member, actor=editors["global_admin"])
    assert list(Event.objects.values_list("action", flat=True).order_by("id")) == [
        "oversight.body.auditor_added",
        "oversight.body.auditor_removed",
    ]
