from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

# Each app's demo loader, in dependency order. Every loader is idempotent.
DEMO_LOADERS = [
    "entities.demo.load_entities",
    "entities.demo.load_users",
    "indicators.demo.load_unops_plan",
    "indicators.demo.load_programme_plan",
    "oversight.demo.load_recommendations",
    "oversight.demo.load_resolutions",
    "oversight.demo.load_action_plan",
    # Progress of the demo frameworks, so that the dashboards have something to show.
    "indicators.services.progress.progress_compute_full",
    # The draft of the UNOPS annual report, ready to render.
    "reports.demo.load_demo_report",
]


class Command(BaseCommand):
    help = "Load the demo data (entities, boards, users, frameworks, ...). Safe to run twice."

    def handle(self, *args, **options):
        for path in DEMO_LOADERS:
            import_string(path)()
            self.stdout.write(f"loaded {path}")
        from entities.demo import demo_logins

        self.stdout.write(self.style.SUCCESS("Demo data loaded. Logins:"))
        for username, what in demo_logins():
            self.stdout.write(f"  {username:<14} {what}")
        self.stdout.write(f"  password: {settings.DEMO_PASSWORD}")
