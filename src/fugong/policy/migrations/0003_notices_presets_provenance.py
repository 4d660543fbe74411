"""Notices and presets become rows loaded from preset files; every version value carries its source.

Existing databases keep their checklists and versions: the checklists' notice codes become links to the
notice rows, preset-made versions get the provenance of the preset file they match, and parameters
stored in the earlier shape (fixed weights, bare disinfection keys) are rewritten in the new one.
"""

import re

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

OLD_FACTORS = {
    "preparedness": ("疫情防控到位", {"measure": "preparedness"}),
    "headcount_clarity": ("复工人员底数清", {"measure": "headcount_clarity"}),
    "local_share": ("本地员工占比大", {"measure": "local_share"}),
    "key_exporter": ("重要出口企业", {"field": "is_key_exporter"}),
    "listed": ("上市公司", {"field": "is_listed"}),
    "key_manufacturing": ("重点制造业企业", {"field": "is_key_manufacturing"}),
    "above_size": ("规上企业", {"field": "is_above_size"}),
    **{
        f"efficiency_{c}": (f"亩均效益{c.upper()}类", {"field": "efficiency_class", "equals": c.upper()})
        for c in "abcd"
    },
}
OLD_TERMS = {
    "workshop": "车间工作区",
    "office": "办公室",
    "dormitory": "宿舍区",
    "canteen": "餐厅食堂",
    "isolation_site": "隔离场所",
    "commuter_vehicle": "通勤车辆",
    "before_work": "上班前",
    "after_work": "下班后",
    "prevention_team": "疫情防控工作小组名单",
    "prevention_plan": "疫情防控工作方案",
    "production_plan": "复工生产方案",
    "emergency_plan": "疫情防控应急预案",
    "staff_roster": "返岗返工人员“一人一档”",
    "commitment_letter": "承诺书",
    "resumption_plan": "复工复产工作方案",
    "returning_staff_statistics": "返岗员工统计明细表",
    "operations_manual": "防疫规范操作手册",
    "risk_assessment": "复工风险评估",
}


def _reshape(params: dict, preset_params: dict) -> dict:
    out = dict(params)
    weights = out.pop("priority_weights", None)
    if weights:
        out["priority_factors"] = [
            {"key": k, "name": OLD_FACTORS[k][0], "weight": w, **OLD_FACTORS[k][1]}
            for k, w in weights.items()
            if k in OLD_FACTORS
        ]
    for key in ("disinfection_areas", "disinfection_rounds"):
        if out.get(key) and isinstance(out[key][0], str):
            out[key] = [{"key": k, "name": OLD_TERMS.get(k, k)} for k in out[key]]
    if out.get("required_application_documents") and "document_types" not in out:
        out["document_types"] = preset_params.get("document_types", {}).get("value") or [
            {"key": k, "name": OLD_TERMS.get(k, k)} for k in out["required_application_documents"]
        ]
        if "plan_sections" in preset_params:
            out["plan_sections"] = preset_params["plan_sections"]["value"]
    return out


def forward(apps, schema_editor):
    from fugong.policy.preset_files import shipped_presets
    from fugong.policy.seeding import upsert_notice

    Notice = apps.get_model("policy", "Notice")
    files = {p.key: p for p in shipped_presets()}
    by_code = {}
    for preset_file in files.values():
        notice, _changed = upsert_notice(Notice, preset_file.notice)
        by_code[notice.code] = notice

    for definition in apps.get_model("policy", "ChecklistDefinition").objects.all():
        definition.source_notice = by_code.get(definition.notice)
        definition.save(update_fields=["source_notice"])
    for name in ("RiskArea", "NoReturnArea"):
        for area in apps.get_model("policy", name).objects.all():
            match = re.match(r"^(N\d)\s*(.*)$", area.source or "")
            if match and match.group(1) in by_code:
                area.notice = by_code[match.group(1)]
                area.source = match.group(2)[:300]
                area.save(update_fields=["notice", "source"])

    PolicyVersion = apps.get_model("policy", "PolicyVersion")
    for version in PolicyVersion.objects.select_related("policy"):
        key = version.preset_key or version.policy.preset_key
        preset_file = files.get(key)
        preset_params = preset_file.data["parameters"] if preset_file else {}
        params = _reshape(version.parameters, preset_params)
        provenance = {}
        if preset_file is not None:
            full = preset_file.provenance()
            provenance = {
                k: full[k] for k in params if k in preset_params and preset_params[k]["value"] == params[k]
            }
        # Versions are never edited through the ORM (their save() refuses); a migration may reshape them.
        PolicyVersion.objects.filter(pk=version.pk).update(parameters=params, provenance=provenance)


class Migration(migrations.Migration):
    dependencies = [
        ("policy", "0002_checklists"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Notice",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("code", models.CharField(max_length=40, unique=True, verbose_name="代码")),
                ("title", models.CharField(max_length=300, verbose_name="标题")),
                (
                    "short_title",
                    models.CharField(
                        help_text="引用时使用，如“某市复工防控方案”", max_length=100, verbose_name="简称"
                    ),
                ),
                ("issuer", models.CharField(max_length=200, verbose_name="发文机关")),
                ("issued_on", models.DateField(blank=True, null=True, verbose_name="发文日期")),
                (
                    "issued_label",
                    models.CharField(blank=True, max_length=40, verbose_name="发文时间（原文写法）"),
                ),
                ("published_at", models.CharField(blank=True, max_length=300, verbose_name="发布处")),
                ("text", models.TextField(blank=True, verbose_name="全文")),
                (
                    "created_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, editable=False, verbose_name="登记时间"
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="登记人",
                    ),
                ),
            ],
            options={
                "verbose_name": "政策文件",
                "verbose_name_plural": "政策文件",
                "ordering": ["issued_on", "code"],
            },
        ),
        migrations.CreateModel(
            name="Preset",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key", models.CharField(max_length=60, unique=True, verbose_name="代码")),
                ("name", models.CharField(max_length=200, verbose_name="名称")),
                ("content", models.TextField(verbose_name="预设文件内容")),
                ("data", models.JSONField(default=dict, verbose_name="解析后的内容")),
                ("digest", models.CharField(max_length=64, verbose_name="内容摘要")),
                ("shipped", models.BooleanField(default=False, verbose_name="随系统提供")),
                (
                    "loaded_at",
                    models.DateTimeField(default=django.utils.timezone.now, verbose_name="载入时间"),
                ),
                (
                    "loaded_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="载入人",
                    ),
                ),
                (
                    "notice",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="presets",
                        to="policy.notice",
                        verbose_name="政策文件",
                    ),
                ),
            ],
            options={
                "verbose_name": "政策预设",
                "verbose_name_plural": "政策预设",
                "ordering": ["notice__issued_on", "key"],
            },
        ),
        migrations.AddField(
            model_name="policyversion",
            name="provenance",
            field=models.JSONField(default=dict, verbose_name="取值依据"),
        ),
        migrations.AddField(
            model_name="riskarea",
            name="notice",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="policy.notice",
                verbose_name="政策文件",
            ),
        ),
        migrations.AddField(
            model_name="noreturnarea",
            name="notice",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="policy.notice",
                verbose_name="政策文件",
            ),
        ),
        migrations.AddField(
            model_name="checklistdefinition",
            name="source_notice",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="policy.notice"
            ),
        ),
        migrations.RunPython(forward, migrations.RunPython.noop),
        migrations.AlterModelOptions(
            name="checklistdefinition",
            options={
                "ordering": ["notice__issued_on", "key"],
                "verbose_name": "检查清单",
                "verbose_name_plural": "检查清单",
            },
        ),
        migrations.RemoveField(model_name="checklistdefinition", name="notice"),
        migrations.RenameField(model_name="checklistdefinition", old_name="source_notice", new_name="notice"),
        migrations.AlterField(
            model_name="checklistdefinition",
            name="notice",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="checklists",
                to="policy.notice",
                verbose_name="来源通知",
            ),
        ),
    ]
