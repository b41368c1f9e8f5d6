"""Report files move into the private storage of core.files (no URL, streamed only after the
permission check): the field names the storage, and the files written so far (under
MEDIA_ROOT, the default storage) move there under the same names. Safe to run twice;
reversible."""

from django.core.files.storage import storages
from django.db import migrations, models

import core.files


def _move(apps, source_alias, target_alias):
    ReportFile = apps.get_model("reports", "ReportFile")
    source, target = storages[source_alias], storages[target_alias]
    for report_file in ReportFile.objects.exclude(file="").only("pk", "file").iterator():
        name = report_file.file.name
        if not source.exists(name):
            continue  # already moved (a second run), or lost before this migration
        if not target.exists(name):
            with source.open(name, "rb") as handle:
                stored = target.save(name, handle)
            if stored != name:
                ReportFile.objects.filter(pk=report_file.pk).update(file=stored)
        source.delete(name)


def to_private(apps, schema_editor):
    _move(apps, "default", "private")


def to_default(apps, schema_editor):
    _move(apps, "private", "default")


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="reportfile",
            name="file",
            field=models.FileField(
                max_length=300,
                storage=core.files.private_storage,
                upload_to="",
                verbose_name="file",
            ),
        ),
        migrations.RunPython(to_private, to_default, elidable=False),
    ]
