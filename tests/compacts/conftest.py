import pytest
from django.db import transaction

from compacts.demo import load_funding_compact
from entities.demo import load_entities, load_users


@pytest.fixture(scope="module")
def _loaded(django_db_setup, django_db_blocker):
    """The Funding Compact as published, with its illustrative entity reports, loaded once per
    module (about a thousand service calls) inside a transaction rolled back at the end; each
    test runs in a savepoint inside it, so nothing a test writes leaks to the next."""
    with django_db_blocker.unblock(), transaction.atomic():
        load_entities()
        load_users()
        yield load_funding_compact()
        transaction.set_rollback(True)


@pytest.fixture
def compact(_loaded, db):
    return _loaded
