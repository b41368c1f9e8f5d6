"""load_demo: every app's demo data, in the order the apps declare.

The command names no app: it finds each installed app's `demo` module with a `load()`
function, and runs them so that each comes after the apps in its `DEMO_AFTER` tuple (app
labels), ties in INSTALLED_APPS order. Every loader is idempotent. The demo logins are those
of the apps' `demo_logins()` functions."""

from graphlib import CycleError, TopologicalSorter
from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


def demo_modules():
    """{app label: demo module} of the installed apps that have one with a load()."""
    found = {}
    for config in apps.get_app_configs():
        name = f"{config.name}.demo"
        if find_spec(config.name) is None or find_spec(name) is None:
            continue
        module = import_module(name)
        if callable(getattr(module, "load", None)):
            found[config.label] = module
    return found


def demo_order(modules):
    """App labels in an order where each follows its DEMO_AFTER (and INSTALLED_APPS breaks
    ties); an unknown dependency or a cycle is an error."""
    position = {c.label: i for i, c in enumerate(apps.get_app_configs())}
    sorter = TopologicalSorter()
    for label, module in modules.items():
        after = tuple(getattr(module, "DEMO_AFTER", ()))
        missing = set(after) - set(modules)
        if missing:
            raise CommandError(f"{label}.demo needs {sorted(missing)}, which have no demo")
        sorter.add(label, *after)
    try:
        sorter.prepare()
    except CycleError as exc:
        raise CommandError(f"demo loaders depend on each other in a cycle: {exc.args[1]}") from None
    order = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready(), key=position.__getitem__)
        order.extend(ready)
        sorter.done(*ready)
    return order


class Command(BaseCommand):
    help = "Load the demo data (entities, boards, users, frameworks, ...). Safe to run twice."

    def handle(self, *args, **options):
        modules = demo_modules()
        for label in demo_order(modules):
            modules[label].load()
            self.stdout.write(f"loaded {label}")
        self.stdout.write(self.style.SUCCESS("Demo data loaded. Logins:"))
        for module in modules.values():
            for username, what in getattr(module, "demo_logins", list)():
                self.stdout.write(f"  {username:<14} {what}")
        self.stdout.write(f"  password: {settings.DEMO_PASSWORD}")
