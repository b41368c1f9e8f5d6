"""Oversight evidence moves into the private storage that indicator evidence already uses: the
field names the storage, and the files written so far (under MEDIA_ROOT, the default storage)
move there under the same names. Safe to run twice; reversible."""

from django.core.files.storage import storages
from django.db import migrations, models

import core.files
import oversight.models


def _move(apps, source_alias, target_alias):
    Evidence = apps.get_model("oversight", "Evidence")
    source, target = storages[source_alias], storages[target_alias]
    for evidence in Evidence.objects.exclude(file="").only("pk", "file").iterator():
        name = evidence.file.name
        if not source.exists(name):
            continue  # already moved (a second run), or lost before this migration
        if not target.exists(name):
            with source.open(name, "rb") as handle:
                stored = target.save(name, handle)
            if stored != name:
                Evidence.objects.filter(pk=evidence.pk).update(file=stored)
        source.delete(name)


def to_private(apps, schema_editor):
    _move(apps, "default", "private")


def to_default(apps, schema_editor):
    _move(apps, "private", "default")


class Migration(migrations.Migration):
    dependencies = [
        ("oversight", "0003_statistics_period_history"),
    ]

    operations = [
        # The row and its pghistory event model name the same storage.
        *(
            migrations.AlterField(
                model_name=model_name,
                name="file",
                field=models.FileField(
                    max_length=300,
                    storage=core.files.private_storage,
                    upload_to=oversight.models.evidence_upload_to,
                    verbose_name="file",
                ),
            )
            for model_name in ("evidence", "evidenceevent")
        ),
        migrations.RunPython(to_private, to_default, elidable=False),
    ]
