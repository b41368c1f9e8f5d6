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


@contextmanager
def committed_then_flushed(django_db_blocker):
    """For a module-scoped fixture whose rows another thread reads (a live server): what is
    written inside is committed, visible to every test of the module, and every table is
    emptied when the module ends, as pytest-django empties them after each transactional test.
    Only for modules whose tests read and never write (they take no `db` fixture: the database
    stays open to them, and to the server, until the module ends)."""
    from django.core.management import call_command
    from django.db import connections

    with django_db_blocker.unblock():
        try:
            yield
        finally:
            for alias in connections:
                # As TransactionTestCase: sequences go on (a progress snapshot's partition,
                # named by its id and not emptied by a flush, is never made twice).
                call_command(
                    "flush", verbosity=0, interactive=False, database=alias,
                    reset_sequences=False, inhibit_post_migrate=False,
                )  # fmt: skip
