import pytest

from resultsframework.celery import app as celery_app


@pytest.fixture
def eager_celery():
    """Tasks run in the test's process when their commit callbacks fire, so a test follows a
    service call through its signal, the receiver, delay_on_commit and the task to the outbox."""
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "https://rf.example.org"
