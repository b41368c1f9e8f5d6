"""Drop the recommendation table's two foreign-key indexes that other indexes already cover.

Django gives every foreign key its own index; two of the recommendation table's are redundant
(checked with \\d oversight_recommendation):

- body_id: the unique constraint ovs_rec_reference_unique (body_id, reference) and the index
  ovs_rec_body_status (body_id, status) both begin with body_id, so PostgreSQL finds a body's
  rows (the filter by body, the PROTECT check when a body is deleted) through either of them;
- entity_id: ovs_rec_entity_status (entity_id, status) begins with entity_id, and serves the
  filter by entity and the PROTECT check the same way.

Every recommendation written (the import writes tens of thousands at once) updated both
indexes for nothing. report_id and org_unit_id keep theirs: no other index begins with them.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("entities", "0003_user_profile_language"),
        ("oversight", "0008_import_queued_at"),
    ]

    # Only the indexes go: Django's AlterField would also drop and re-add (and so re-check
    # against every row) the two foreign-key constraints, which do not change.
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="recommendation",
                    name="body",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="recommendations",
                        to="oversight.oversightbody",
                        verbose_name="body",
                    ),
                ),
                migrations.AlterField(
                    model_name="recommendation",
                    name="entity",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="oversight_recommendations",
                        to="entities.entity",
                        verbose_name="entity",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS oversight_recommendation_body_id_30c15867",
                    "CREATE INDEX oversight_recommendation_body_id_30c15867 "
                    "ON oversight_recommendation (body_id)",
                ),
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS oversight_recommendation_entity_id_8608ea30",
                    "CREATE INDEX oversight_recommendation_entity_id_8608ea30 "
                    "ON oversight_recommendation (entity_id)",
                ),
            ],
        ),
    ]
