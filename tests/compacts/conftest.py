import pytest

from compacts.demo import load_funding_compact
from entities.demo import load_entities, load_users
from tests.once import rolled_back_at_end


@pytest.fixture(scope="module")
def _loaded(django_db_setup, django_db_blocker):
    """The Funding Compact as published, with its illustrative entity reports, loaded once per
    module (about a thousand service calls) inside a transaction rolled back at the end; each
    test runs in a savepoint inside it, so nothing a test writes leaks to the next."""
    with rolled_back_at_end(django_db_blocker):
        load_entities()
        load_users()
        yield load_funding_compact()


@pytest.fixture
def compact(_loaded, db):
    return _loaded
