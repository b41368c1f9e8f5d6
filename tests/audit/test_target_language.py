"""An event's target, action and system reason are words of the reader's language, rendered
when the page is read: the event stores codes and ids (target_type, target_id, target_data,
a SystemReason code), never the writer's words."""

import pytest
from django.utils import translation

from audit.choices import SystemReason
from audit.display import describe
from audit.models import Event
from audit.services import event_record
from entities import services as entity_services
from entities.choices import Role
from entities.models import Membership
from tests.factories import UserFactory, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _language_left_as_found():
    """Requests in Chinese activate it in this thread; later tests find the language as it was."""
    with translation.override(None):
        yield


def _role_label(language):
    with translation.override(language):
        return str(Role.REVIEWER.label)


def _described(language, **filters):
    with translation.override(language):
        return describe(Event.objects.filter(**filters).order_by("id"))


@pytest.mark.parametrize("writer", ["en", "zh-hans"])
def test_a_revoked_role_is_named_in_the_readers_language_whoever_wrote_it(unops, writer):
    admin = UserFactory(username="t-admin", is_superuser=True, is_staff=True)
    person = UserFactory(username="alice")
    with translation.override(writer):
        membership = entity_services.membership_grant(
            user=person, entity=unops, role=Role.REVIEWER, actor=admin
        )
        entity_services.membership_revoke(membership=membership, actor=admin)
    assert not Membership.objects.filter(user=person).exists()
    events = Event.objects.filter(target_type="entities.membership")
    assert events.count() == 2
    for event in events:
        assert event.target_data == {"user": "alice", "role": "reviewer", "entity": "UNOPS"}
        # The fallback name is the same whoever wrote it: the site's default language.
        assert event.target_repr == "alice — Reviewer @ UNOPS"
    english, chinese = _role_label("en"), _role_label("zh-hans")
    assert english != chinese
    for reader, role, other in (("en", english, chinese), ("zh-hans", chinese, english)):
        for event in _described(reader, target_type="entities.membership"):
            assert event.target_name == f"alice — {role} @ UNOPS"
            assert other not in event.target_name
            with translation.override(reader):
                assert event.target_kind == str(Membership._meta.verbose_name).capitalize()


def test_a_live_target_is_named_from_its_row_in_the_readers_language(unops):
    from tests.indicators.factories import IndicatorFactory, PlanFactory, with_framework

    indicator = IndicatorFactory(plan=PlanFactory(entity=unops), code="C-9")
    with translation.override("zh-hans"):  # written by a reader of Chinese
        with_framework(indicator, end_year=2029)
    baseline = Event.objects.get(target_type="indicators.baseline")
    target = Event.objects.get(target_type="indicators.target")
    assert baseline.target_data is None  # the row exists: it names itself
    assert (baseline.target_repr, target.target_repr) == ("C-9 baseline", "C-9 target 2029")
    en = {e.target_type: e for e in _described("en", entity=unops)}
    zh = {e.target_type: e for e in _described("zh-hans", entity=unops)}
    assert en["indicators.baseline"].target_name == "C-9 baseline"
    assert zh["indicators.baseline"].target_name == "C-9 基线"
    assert en["indicators.target"].target_name == "C-9 target 2029"
    assert zh["indicators.target"].target_name == "C-9 2029 年目标"
    assert en["indicators.baseline"].action_label == "Baseline set"
    assert zh["indicators.baseline"].action_label == "基线已设定"


def test_a_deleted_target_without_codes_shows_the_name_stored_when_it_happened(unops):
    event = event_record(actor=None, action="entity.updated", target=unops, entity=unops)
    Event.objects.filter(pk=event.pk).update(target_id="999999", target_repr="GONE name")
    garbage = event_record(actor=None, action="entity.updated", target=unops, entity=unops)
    Event.objects.filter(pk=garbage.pk).update(target_id="not-a-number", target_repr="odd")
    names = {e.pk: e.target_name for e in _described("zh-hans", entity=unops)}
    assert names[event.pk] == "GONE name" and names[garbage.pk] == "odd"


@pytest.mark.parametrize(
    "reason", [SystemReason.ACCOUNT_PAGE, SystemReason.PASSWORD_CHANGED, "typed by a person"]
)
def test_system_reasons_are_shown_in_the_readers_language(unops, reason):
    event = event_record(actor=None, action="entity.updated", target=unops, reason=reason)
    [en] = _described("en", pk=event.pk)
    [zh] = _described("zh-hans", pk=event.pk)
    if reason in SystemReason.values:
        assert en.reason_label == str(SystemReason(reason).label)
        with translation.override("zh-hans"):
            assert zh.reason_label == str(SystemReason(reason).label) != en.reason_label
    else:  # a person's words stay as written
        assert en.reason_label == zh.reason_label == reason


def test_a_password_change_records_the_system_reason_code(unops):
    from entities.services import api_token_create

    user = user_with_role(Role.PROGRAMME_OFFICER, unops, username="t-pw")
    api_token_create(user=user, actor=user)
    user.set_password("another-password-456")
    user.save()
    event = Event.objects.get(action="api_token.revoked_all")
    assert event.reason == SystemReason.PASSWORD_CHANGED


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_audit_page_names_targets_and_reasons_in_the_readers_language(client, unops, language):
    admin = UserFactory(username="t-admin", is_superuser=True, is_staff=True)
    person = UserFactory(username="bob")
    other = "zh-hans" if language == "en" else "en"
    with translation.override(other):  # written in the other language
        membership = entity_services.membership_grant(
            user=person, entity=unops, role=Role.REVIEWER, actor=admin
        )
        entity_services.membership_revoke(
            membership=membership, actor=admin, reason=SystemReason.ADMINISTRATION_SITE
        )
    client.force_login(user_with_role(Role.AUDITOR, None, username="t-aud"))
    text = client.get("/audit/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    with translation.override(language):
        words = [
            f"bob — {Role.REVIEWER.label} @ UNOPS",
            str(Membership._meta.verbose_name).capitalize(),
            str(SystemReason.ADMINISTRATION_SITE.label),
            "Role revoked" if language == "en" else "角色已撤销",
        ]
    with translation.override(other):
        foreign = [
            f"bob — {Role.REVIEWER.label} @ UNOPS",
            str(SystemReason.ADMINISTRATION_SITE.label),
        ]
    for word in words:
        assert word in text, word
    for word in foreign:
        assert word not in text, word


def _payload_keys_in_the_code():
    """String keys of every payload={...} dict literal the apps pass to the audit services."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    keys = set()
    apps = ("entities", "indicators", "oversight", "compacts", "reports", "notifications", "core")
    for app in apps:
        for path in (root / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.keyword) and node.arg == "payload":
                    value = node.value
                elif isinstance(node, ast.Dict):
                    pairs = zip(node.keys, node.values, strict=True)
                    value = next(
                        (
                            v
                            for k, v in pairs
                            if isinstance(k, ast.Constant) and k.value == "payload"
                        ),
                        None,
                    )
                else:
                    continue
                if isinstance(value, ast.Dict):
                    keys |= {k.value for k in value.keys if isinstance(k, ast.Constant)}
    return keys


def test_every_payload_key_written_in_the_code_has_a_label():
    from audit.display import _SKIP, PAYLOAD_LABELS

    keys = _payload_keys_in_the_code()
    assert {"file", "comment", "note"} <= keys, "the scan found too little"
    assert keys - _SKIP <= set(PAYLOAD_LABELS), keys - _SKIP - set(PAYLOAD_LABELS)


def test_payload_keys_are_named_in_the_readers_language(unops):
    event = event_record(
        actor=None,
        action="entity.updated",
        target=unops,
        payload={"file": "a.pdf", "note": "x", "comment": "y", "period": "2025"},
    )
    [en] = _described("en", pk=event.pk)
    [zh] = _described("zh-hans", pk=event.pk)
    assert {c[0] for c in en.changes} == {"File", "Note", "Comment", "Period"}
    zh_labels = [c[0] for c in zh.changes]
    assert not set(zh_labels) & {"File", "Note", "Comment", "Period"}, zh_labels
    assert all(label.strip() for label in zh_labels)
