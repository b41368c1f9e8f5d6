"""The closure workflow and its refusals: each refusal leaves nothing written."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import Event
from oversight import services
from oversight.choices import ReviewState, Status
from oversight.models import Comment, Evidence, Recommendation
from tests.oversight.conftest import PDF

pytestmark = pytest.mark.django_db

YESTERDAY = datetime.date.today() - datetime.timedelta(days=1)


def propose(rec, actor, **kw):
    args = {
        "recommendation": rec,
        "actor": actor,
        "proposed_status": Status.IMPLEMENTED,
        "implementation_date": YESTERDAY,
        "note": "Controls in place since last month.",
    }
    args.update(kw)
    return services.recommendation_propose_closure(**args)


def snapshot(rec):
    rec.refresh_from_db()
    return (
        rec.status,
        rec.review_state,
        rec.implementation_date,
        Comment.objects.count(),
        Evidence.objects.count(),
        Event.objects.count(),
    )


def test_full_workflow(rec, reviewer, oios_auditor, pdf):
    services.recommendation_record_progress(
        recommendation=rec,
        actor=reviewer,
        note="Draft policy circulated.",
        management_response="Agreed.",
    )
    services.evidence_add(recommendation=rec, actor=reviewer, upload=pdf, description="Policy")
    propose(rec, reviewer)
    rec.refresh_from_db()
    assert rec.review_state == ReviewState.CLOSURE_PROPOSED
    assert rec.status == Status.IN_PROGRESS  # nothing is closed until the auditor accepts
    services.recommendation_accept_closure(recommendation=rec, actor=oios_auditor, note="Verified")
    rec.refresh_from_db()
    assert rec.status == Status.IMPLEMENTED
    assert rec.implementation_date == YESTERDAY
    assert rec.review_state == ReviewState.CLOSED
    assert rec.management_response == "Agreed."
    actions = list(Event.objects.order_by("id").values_list("action", flat=True))
    assert actions == [
        "oversight.recommendation.progress",
        "oversight.evidence.added",
        "oversight.recommendation.closure_proposed",
        "oversight.recommendation.closed",
    ]
    assert [h.pgh_label for h in rec.events.order_by("pgh_id")] == [
        "insert",
        "update",
        "update",
        "update",
    ]


def test_return_with_reason_reopens(rec, reviewer, oios_auditor, pdf):
    services.evidence_add(recommendation=rec, actor=reviewer, upload=pdf)
    propose(rec, reviewer)
    services.recommendation_return_closure(
        recommendation=rec, actor=oios_auditor, reason="Evidence does not cover field offices."
    )
    rec.refresh_from_db()
    assert rec.review_state == ReviewState.OPEN
    assert rec.status == Status.IN_PROGRESS
    event = Event.objects.get(action="oversight.recommendation.closure_returned")
    assert event.reason == "Evidence does not cover field offices."


def test_other_bodys_auditor_cannot_close(rec, reviewer, boa_auditor, pdf):
    services.evidence_add(recommendation=rec, actor=reviewer, upload=pdf)
    propose(rec, reviewer)
    before = snapshot(rec)
    with pytest.raises(PermissionDenied, match="Only an auditor of the recommendation's"):
        services.recommendation_accept_closure(recommendation=rec, actor=boa_auditor)
    assert snapshot(rec) == before


def test_focal_point_of_other_entity_cannot_propose(rec, officer_undp, reviewer, pdf):
    services.evidence_add(recommendation=rec, actor=reviewer, upload=pdf)
    before = snapshot(rec)
    with pytest.raises(PermissionDenied, match="focal point"):
        propose(rec, officer_undp)
    with pytest.raises(PermissionDenied):
        services.recommendation_record_progress(recommendation=rec, actor=officer_undp, note="x")
    assert snapshot(rec) == before


def test_auditor_cannot_propose_closure_for_the_entity(rec, oios_auditor):
    with pytest.raises(PermissionDenied):
        propose(rec, oios_auditor)


def test_return_needs_a_reason(rec, reviewer, oios_auditor, pdf):
    services.evidence_add(recommendation=rec, actor=reviewer, upload=pdf)
    propose(rec, reviewer)
    before = snapshot(rec)
    with pytest.raises(ValidationError) as e:
        services.recommendation_return_closure(recommendation=rec, actor=oios_auditor, reason=" ")
    assert e.value.message_dict == {"reason": ["Say why the closure is sent back."]}
    assert snapshot(rec) == before


def test_closure_needs_evidence(rec, reviewer):
    before = snapshot(rec)
    with pytest.raises(ValidationError) as e:
        propose(rec, reviewer)
    assert e.value.message_dict == {"evidence": ["Attach evidence before proposing closure."]}
    assert snapshot(rec) == before


def test_closure_needs_status_date_and_note(rec, reviewer, pdf):
    services.evidence_add(recommendation=rec, actor=reviewer, upload=pdf)
    before = snapshot(rec)
    with pytest.raises(ValidationError) as e:
        propose(
            rec, reviewer, proposed_status=Status.IN_PROGRESS, implementation_date=None, note=""
        )
    assert set(e.value.message_dict) == {"proposed_status", "implementation_date", "note"}
    future = datetime.date.today() + datetime.timedelta(days=3)
    with pytest.raises(ValidationError, match="future"):
        propose(rec, reviewer, implementation_date=future)
    with pytest.raises(ValidationError, match="before the issue date"):
        propose(rec, reviewer, implementation_date=datetime.date(2020, 1, 1))
    assert snapshot(rec) == before


def test_accept_without_proposal_is_refused(rec, oios_auditor):
    before = snapshot(rec)
    with pytest.raises(ValidationError, match="No closure has been proposed"):
        services.recommendation_accept_closure(recommendation=rec, actor=oios_auditor)
    assert snapshot(rec) == before


def test_cannot_propose_twice(rec, reviewer, pdf):
    services.evidence_add(recommendation=rec, actor=reviewer, upload=pdf)
    propose(rec, reviewer)
    with pytest.raises(ValidationError, match="only while the recommendation is open"):
        propose(rec, reviewer)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("evil.exe", b"MZ....", "Files of this type are not accepted"),
        ("fake.pdf", b"<html>not a pdf</html>", "does not match its extension"),
        ("empty.txt", b"", "The file is empty."),
    ],
)
def test_bad_evidence_is_refused(rec, reviewer, name, content, message):
    before = snapshot(rec)
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    with pytest.raises(ValidationError, match=message):
        services.evidence_add(recommendation=rec, actor=reviewer, upload=upload)
    assert snapshot(rec) == before


def test_evidence_size_limit(rec, reviewer, settings):
    settings.OVERSIGHT_EVIDENCE_MAX_BYTES = 10
    upload = SimpleUploadedFile("big.pdf", PDF, content_type="application/pdf")
    with pytest.raises(ValidationError, match="too large"):
        services.evidence_add(recommendation=rec, actor=reviewer, upload=upload)
    assert not Evidence.objects.exists()


def test_evidence_is_stored_privately_under_a_random_name(rec, reviewer, pdf, settings):
    evidence = services.evidence_add(recommendation=rec, actor=reviewer, upload=pdf)
    assert evidence.file.path.startswith(str(settings.MEDIA_ROOT))
    assert "evidence.pdf" not in evidence.file.name
    assert evidence.original_name == "evidence.pdf"
    assert evidence.content_type == "application/pdf"


def test_update_by_body_auditor_only(rec, oios_auditor, boa_auditor, reviewer):
    services.recommendation_update(
        recommendation=rec, actor=oios_auditor, data={"priority": "critical", "is_critical": True}
    )
    rec.refresh_from_db()
    assert rec.is_critical
    for actor in (boa_auditor, reviewer):
        with pytest.raises(PermissionDenied):
            services.recommendation_update(
                recommendation=rec, actor=actor, data={"text_en": "Hijacked"}
            )
    with pytest.raises(ValidationError, match="cannot be changed here"):
        services.recommendation_update(
            recommendation=rec, actor=oios_auditor, data={"status": Status.IMPLEMENTED}
        )
    with pytest.raises(ValidationError, match="body's priorities"):
        services.recommendation_update(
            recommendation=rec, actor=oios_auditor, data={"priority": "urgent"}
        )
    rec.refresh_from_db()
    assert rec.text_en.startswith("The Administration") and rec.priority == "critical"


def test_model_rules(rec, undp):
    rec.implementation_date = datetime.date(2021, 5, 1)
    with pytest.raises(ValidationError, match="Only a closed recommendation"):
        rec.full_clean()
    rec.implementation_date = None
    rec.status = Status.IMPLEMENTED
    with pytest.raises(ValidationError, match="needs the date it closed"):
        rec.full_clean()
    assert Recommendation.objects.count() == 1


def test_comment_requires_relation(rec, reviewer, boa_auditor):
    services.comment_add(recommendation=rec, actor=reviewer, text="Update coming.")
    with pytest.raises(PermissionDenied):
        services.comment_add(recommendation=rec, actor=boa_auditor, text="Hello")
    assert Comment.objects.count() == 1
