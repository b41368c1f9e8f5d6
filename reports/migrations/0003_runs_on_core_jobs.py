"""Report runs become core.jobs jobs (the worker and task that claimed them, when they were
sent); their own sweeper task goes, and with it its stored beat schedule (core.tasks.jobs_sweep
sweeps them now)."""

import django.utils.timezone
from django.db import migrations, models


def _drop_old_sweep(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(task="reports.tasks.sweep_runs").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0002_report_files_private_storage"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.AddField(
            model_name="reportrun",
            name="queued_at",
            field=models.DateTimeField(
                default=django.utils.timezone.now, verbose_name="sent to the workers at"
            ),
        ),
        migrations.AddField(
            model_name="reportrun",
            name="task_id",
            field=models.CharField(blank=True, max_length=255, verbose_name="task"),
        ),
        migrations.AddField(
            model_name="reportrun",
            name="worker",
            field=models.CharField(blank=True, max_length=255, verbose_name="worker"),
        ),
        migrations.AlterField(
            model_name="reportrun",
            name="heartbeat_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="last sign of life"),
        ),
        # Beat reinstalls what beat_schedule names at start-up; a deleted entry stays deleted.
        migrations.RunPython(_drop_old_sweep, migrations.RunPython.noop),
    ]
