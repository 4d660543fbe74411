from django.db import migrations, models
from django.db.models import F


def every_round_was_counted(apps, schema_editor):
    """The figures stored so far counted every round of the day as due."""
    apps.get_model("reports", "DailySummary").objects.update(rounds_due=F("rounds_required"))


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0002_policy_version"),
    ]

    operations = [
        migrations.AddField(
            model_name="dailysummary",
            name="rounds_due",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="已到期轮次"),
        ),
        migrations.RunPython(every_round_was_counted, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="dailysummary",
            name="status",
            field=models.CharField(
                choices=[("draft", "待确认"), ("provisional", "仅确认截至目前"), ("confirmed", "已确认")],
                db_index=True,
                default="draft",
                max_length=11,
                verbose_name="状态",
            ),
        ),
    ]
