from django.db import migrations, models

# Incidents opened before the policy named the owners were handled by the firm (isolate, report) and
# the town (the rest): their steps keep those owners.
FIRM_STEPS = ("isolate", "report")


def set_owners(apps, schema_editor):
    step = apps.get_model("incidents", "IncidentStep")
    step.objects.filter(kind__in=FIRM_STEPS).update(owner="enterprise")
    step.objects.exclude(kind__in=FIRM_STEPS).update(owner="town")


class Migration(migrations.Migration):
    dependencies = [("incidents", "0003_contacts_indexes")]

    operations = [
        migrations.AddField(
            model_name="incidentstep",
            name="owner",
            field=models.CharField(blank=True, max_length=40, verbose_name="办理方"),
        ),
        migrations.AlterField(
            model_name="incidentstep",
            name="kind",
            field=models.CharField(
                choices=[
                    ("isolate", "就地隔离"),
                    ("report", "报告镇街"),
                    ("transfer", "转运发热门诊"),
                    ("seal_disinfect", "封闭并消毒相关场所"),
                    ("find_contacts", "排查密切接触者"),
                    ("notify_contacts", "通知密切接触者"),
                    ("observe", "医学观察"),
                    ("investigate", "流调溯源"),
                    ("close", "结案"),
                ],
                max_length=20,
                verbose_name="步骤",
            ),
        ),
        migrations.RunPython(set_owners, migrations.RunPython.noop),
    ]
