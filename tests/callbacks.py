"""On-commit callbacks a test inspects, without the shared cache's own.

Every audited write also bumps the shared cache's generation after commit (core.cache); a test
that counts the tasks a write sends after commit counts the others."""


def tasks_sent(callbacks):
    """The captured on-commit callbacks other than the cache's generation bumps."""
    return [callback for callback in callbacks if callback.__module__ != "core.cache"]
