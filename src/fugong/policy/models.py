"""Policy as data (SPEC §2): versioned parameters per region, dated risk areas, checklists.

Reads go through ``fugong.policy.selectors.policy_for``; writes through ``fugong.policy.services``,
which lock the policy row, check the version a form was based on and write the audit entry.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fugong.core.dates import format_date
from fugong.policy.parameters import PolicyParameters, parse_parameters


def policy_version_link():
    """The field by which a decision (an alert, a gate decision, a summary, a certificate) records the
    policy version it followed; None when no policy was in force."""
    return models.ForeignKey(
        "policy.PolicyVersion",
        verbose_name=_("政策版本"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )


class ImmutableError(Exception):
    pass


class Notice(models.Model):
    """A government notice the rules come from: a preset's values and every citation point at one."""

    code = models.CharField(_("代码"), max_length=40, unique=True)
    title = models.CharField(_("标题"), max_length=300)
    short_title = models.CharField(_("简称"), max_length=100, help_text=_("引用时使用，如“某市复工防控方案”"))
    issuer = models.CharField(_("发文机关"), max_length=200)
    issued_on = models.DateField(_("发文日期"), null=True, blank=True)
    issued_label = models.CharField(_("发文时间（原文写法）"), max_length=40, blank=True)
    published_at = models.CharField(_("发布处"), max_length=300, blank=True)
    text = models.TextField(_("全文"), blank=True)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("政策文件")
        verbose_name_plural = _("政策文件")
        ordering = ["issued_on", "code"]

    def __str__(self) -> str:
        return self.short_title or self.title

    @property
    def issued_display(self) -> str:
        if self.issued_on:
            return f"{self.issued_on.year}年{self.issued_on.month}月{self.issued_on.day}日"
        return self.issued_label


class Preset(models.Model):
    """A preset file as loaded: the starting rules one notice gives a city, every value with its source."""

    key = models.CharField(_("代码"), max_length=60, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    notice = models.ForeignKey(
        Notice, verbose_name=_("政策文件"), on_delete=models.PROTECT, related_name="presets"
    )
    content = models.TextField(_("预设文件内容"))
    data = models.JSONField(_("解析后的内容"), default=dict)
    digest = models.CharField(_("内容摘要"), max_length=64)
    shipped = models.BooleanField(_("随系统提供"), default=False)
    loaded_at = models.DateTimeField(_("载入时间"), default=timezone.now)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("载入人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("政策预设")
        verbose_name_plural = _("政策预设")
        ordering = ["notice__issued_on", "key"]

    def __str__(self) -> str:
        return self.name


class Policy(models.Model):
    """The policy a region's task force publishes; lower regions inherit it unless they have their own."""

    region = models.OneToOneField(
        "regions.Region", verbose_name=_("适用区域"), on_delete=models.PROTECT, related_name="policy"
    )
    name = models.CharField(_("名称"), max_length=200)
    preset_key = models.CharField(_("初始预设"), max_length=40, blank=True)
    # The number of the newest version; the row is locked and this compared when a version is added,
    # so that two officers editing the same version cannot both publish.
    latest_number = models.PositiveIntegerField(_("最新版本号"), default=0, editable=False)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("防控政策")
        verbose_name_plural = _("防控政策")
        ordering = ["region__path"]

    def __str__(self) -> str:
        return self.name

    def latest_version(self) -> "PolicyVersion | None":
        return self.versions.order_by("-number").first()


class PolicyVersion(models.Model):
    """One published set of parameters, in force from ``effective_from`` until the next version's date.

    Never changed after it is written: decisions record the version they used and must be able to
    show, years later, exactly what it said.
    """

    policy = models.ForeignKey(
        Policy, verbose_name=_("政策"), on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField(_("版本号"))
    effective_from = models.DateField(_("生效日期"))
    parameters = models.JSONField(_("参数"), default=dict)
    preset_key = models.CharField(_("来源预设"), max_length=40, blank=True)
    note = models.CharField(_("修改说明"), max_length=300, blank=True)
    # Where each value came from: {parameter: {"notice", "notice_title", "section", "quote", "note"}} for
    # a value taken from a notice, {"local": true, "version", "by", "date", "basis"} for a local change.
    provenance = models.JSONField(_("取值依据"), default=dict)
    created_at = models.DateTimeField(_("发布时间"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("政策版本")
        verbose_name_plural = _("政策版本")
        ordering = ["policy", "number"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "number"], name="policy_version_number_unique"),
        ]
        indexes = [models.Index(fields=["policy", "effective_from", "number"])]

    def __str__(self) -> str:
        return _("%(policy)s 第%(n)d版（%(d)s 起）") % {
            "policy": self.policy.name if self.policy_id else "",
            "n": self.number,
            "d": format_date(self.effective_from),
        }

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableError("policy versions are never edited; publish a new version")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableError("policy versions are never deleted")

    @property
    def preset_name(self) -> str:
        """The preset this version was loaded from, by its name: the key is a code, not for reading."""
        if not self.preset_key:
            return ""
        preset = Preset.objects.filter(key=self.preset_key).only("name").first()
        return preset.name if preset is not None else ""

    @property
    def params(self) -> PolicyParameters:
        cached = getattr(self, "_params", None)
        if cached is None:
            cached = self._params = parse_parameters(self.parameters)
        return cached


class RiskLevel(models.TextChoices):
    LOW = "low", _("低风险")
    MEDIUM = "medium", _("中风险")
    HIGH = "high", _("高风险")
    PRECAUTION = "precaution", _("防范区")
    CONTROLLED = "controlled", _("管控区")
    SEALED = "sealed", _("封控区")


# 2020–21 rated areas low/medium/high; 2022 notices drew sealed/controlled/precaution. Rules that ask
# "medium risk or worse" compare severities so that both vocabularies answer alike.
RISK_SEVERITY = {
    RiskLevel.LOW: 1,
    RiskLevel.PRECAUTION: 1,
    RiskLevel.MEDIUM: 2,
    RiskLevel.CONTROLLED: 2,
    RiskLevel.HIGH: 3,
    RiskLevel.SEALED: 3,
}


class DatedAreaQuerySet(models.QuerySet):
    def in_force(self, on_date) -> "DatedAreaQuerySet":
        return self.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on_date), valid_from__lte=on_date)


class DatedArea(models.Model):
    """An area named by its national division code, in force from ``valid_from`` to ``valid_to`` inclusive."""

    policy = models.ForeignKey(Policy, verbose_name=_("政策"), on_delete=models.PROTECT)
    region_code = models.CharField(_("区划代码"), max_length=20, db_index=True)
    # Linked when the area lies in the loaded tree; areas elsewhere in the country have only a code.
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("区域"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    name = models.CharField(_("名称"), max_length=200)
    valid_from = models.DateField(_("起始日期"))
    notice = models.ForeignKey(
        Notice, verbose_name=_("政策文件"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    valid_to = models.DateField(_("截止日期（含当日）"), null=True, blank=True)
    source = models.CharField(_("依据"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    ended_at = models.DateTimeField(_("解除登记时间"), null=True, blank=True, editable=False)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("解除人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = DatedAreaQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-valid_from", "region_code"]

    def in_force_on(self, on_date) -> bool:
        return self.valid_from <= on_date and (self.valid_to is None or self.valid_to >= on_date)


class RiskArea(DatedArea):
    level = models.CharField(_("风险等级"), max_length=20, choices=RiskLevel.choices)

    class Meta(DatedArea.Meta):
        verbose_name = _("风险地区")
        verbose_name_plural = _("风险地区")
        default_related_name = "risk_areas"
        indexes = [models.Index(fields=["region_code", "valid_from"], name="policy_risk_code_from")]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_level_display()}，{format_date(self.valid_from)}起）"

    @property
    def severity(self) -> int:
        return RISK_SEVERITY[self.level]


class NoReturnArea(DatedArea):
    """People who were here may not return to work while it is in force (a notice's list of hard-hit places)."""

    class Meta(DatedArea.Meta):
        verbose_name = _("不得返岗地区")
        verbose_name_plural = _("不得返岗地区")
        default_related_name = "no_return_areas"
        indexes = [models.Index(fields=["region_code", "valid_from"], name="policy_noreturn_code_from")]

    def __str__(self) -> str:
        return f"{self.name}（{format_date(self.valid_from)}起）"


class CheckMethod(models.TextChoices):
    DATA = "data", _("由数据判定")
    SELF_ASSESSMENT = "self_assessment", _("企业自查")
    INSPECTION = "inspection", _("督查核查")


class DataRule(models.TextChoices):
    """Compliance rules answered from records (SPEC §7); the compliance engine implements each key."""

    HAS_ISOLATION_ROOM = "has_isolation_room", _("设有隔离室/固定观察点")
    STOCK_AT_LEAST_MINIMUM = "stock_at_least_minimum", _("防疫物资库存不低于最低储备")
    ALL_STAFF_IN_GRID_UNITS = "all_staff_in_grid_units", _("全员纳入网格单元")
    DORM_DENSITY_WITHIN_LIMITS = "dorm_density_within_limits", _("宿舍人数与人均面积符合政策")
    TWO_CHECKINS_YESTERDAY = "two_checkins_yesterday", _("昨日每人体温检测次数达到政策要求")
    DISINFECTION_ROUNDS_LOGGED = "disinfection_rounds_logged", _("政策要求的消杀区域与轮次均有记录")
    GATE_ENTRIES_WITH_TEMPERATURE = "gate_entries_with_temperature", _("每次进厂均有体温记录")
    PREVENTION_TEAM_REGISTERED = "prevention_team_registered", _("已登记由法定代表人牵头的防疫工作小组")
    COMMITMENTS_SIGNED = "commitments_signed", _("已签署政策要求的承诺事项")


class ChecklistDefinition(models.Model):
    key = models.CharField(_("代码"), max_length=60, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    notice = models.ForeignKey(
        Notice, verbose_name=_("来源通知"), on_delete=models.PROTECT, related_name="checklists"
    )
    source = models.CharField(_("出处"), max_length=300, blank=True)
    description = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("检查清单")
        verbose_name_plural = _("检查清单")
        ordering = ["notice__issued_on", "key"]

    def __str__(self) -> str:
        return self.name

    def items_on(self, on_date):
        """Items in force on a date; retired items stay in the table for the answers that cite them."""
        return self.items.filter(
            Q(active_from__isnull=True) | Q(active_from__lte=on_date),
            Q(active_to__isnull=True) | Q(active_to__gte=on_date),
        )


class ChecklistItem(models.Model):
    definition = models.ForeignKey(
        ChecklistDefinition, verbose_name=_("检查清单"), on_delete=models.PROTECT, related_name="items"
    )
    code = models.CharField(_("编号"), max_length=40)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    text = models.CharField(_("内容"), max_length=500)
    notice_ref = models.CharField(_("通知出处"), max_length=200, blank=True)
    check_method = models.CharField(_("核查方式"), max_length=20, choices=CheckMethod.choices)
    data_rule = models.CharField(_("数据规则"), max_length=40, choices=DataRule.choices, blank=True)
    data_rule_args = models.JSONField(_("规则参数"), default=dict, blank=True)
    active_from = models.DateField(_("启用日期"), null=True, blank=True)
    active_to = models.DateField(_("停用日期（含当日）"), null=True, blank=True)

    class Meta:
        verbose_name = _("检查项")
        verbose_name_plural = _("检查项")
        ordering = ["definition", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["definition", "code"], name="policy_checklist_item_code_unique"),
            models.CheckConstraint(
                condition=~Q(check_method="data") | ~Q(data_rule=""), name="policy_checklist_data_needs_rule"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.text}"


class PolicyChangeRun(models.Model):
    """The re-decision that follows a published version: how many people it moves and how far it got."""

    class Status(models.TextChoices):
        PENDING = "pending", _("等待执行")
        RUNNING = "running", _("执行中")
        DONE = "done", _("已完成")

    version = models.OneToOneField(
        PolicyVersion, verbose_name=_("政策版本"), on_delete=models.PROTECT, related_name="change_run"
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveIntegerField(_("须重新判定人数"), default=0)
    done = models.PositiveIntegerField(_("已重新判定人数"), default=0)
    counts = models.JSONField(_("各类变化人数"), default=dict)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("政策变更后的重新判定")
        verbose_name_plural = _("政策变更后的重新判定")

    def __str__(self) -> str:
        return str(self.version)
