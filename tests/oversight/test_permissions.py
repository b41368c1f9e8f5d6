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
