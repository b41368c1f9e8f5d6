"""Expensive read-only data built once per module rather than once per test (the semantics of
Django's TestCase.setUpTestData)."""

from contextlib import contextmanager

from django.db import transaction


@contextmanager
def rolled_back_at_end(django_db_blocker):
    """For a module-scoped fixture: what is written inside is visible to every test of the
    module, and rolled back when the module ends. Each test runs in a savepoint inside this
    transaction (pytest-django's `db` fixture), so nothing one test writes reaches the next.
    Only for modules whose tests are not transactional (no `transaction=True`, no worker)."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield
        transaction.set_rollback(True)
