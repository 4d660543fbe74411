"""The enterprise file (一企一档, SPEC §3) and the inside of a firm."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fugong.core.fields import EncryptedCharField
from fugong.core.scoping import Scope, ScopedQuerySet


class EnterpriseStatus(models.TextChoices):
    NOT_RESUMED = "not_resumed", _("未复工")
    PREPARING = "preparing", _("复工准备（关键岗位）")
    RESUMED = "resumed", _("已复工")
    SUSPENDED = "suspended", _("停工")
    SEALED = "sealed", _("封闭")


# Which status may follow which (SPEC §3). Only services.change_status writes the field.
STATUS_TRANSITIONS: dict[str, set[str]] = {
    EnterpriseStatus.NOT_RESUMED: {EnterpriseStatus.PREPARING, EnterpriseStatus.RESUMED},
    EnterpriseStatus.PREPARING: {
        EnterpriseStatus.RESUMED,
        EnterpriseStatus.SUSPENDED,
        EnterpriseStatus.NOT_RESUMED,
    },
    EnterpriseStatus.RESUMED: {EnterpriseStatus.SUSPENDED, EnterpriseStatus.SEALED},
    EnterpriseStatus.SUSPENDED: {
        EnterpriseStatus.RESUMED,
        EnterpriseStatus.SEALED,
        EnterpriseStatus.PREPARING,
    },
    EnterpriseStatus.SEALED: {EnterpriseStatus.SUSPENDED, EnterpriseStatus.RESUMED},
}


class ResumptionMode(models.TextChoices):
    CLOSED_IN_PLANT = "closed_in_plant", _("封闭驻厂")
    POINT_TO_POINT = "point_to_point", _("点对点通勤")
    ORDERLY_TRAVEL = "orderly_travel", _("有序出行")


class EfficiencyClass(models.TextChoices):
    A = "A", _("A类")
    B = "B", _("B类")
    C = "C", _("C类")
    D = "D", _("D类")


class IndustryClass(models.Model):
    """A division (大类) of GB/T 4754-2017, national industry classification."""

    code = models.CharField(_("代码"), max_length=4, unique=True)
    section = models.CharField(_("门类"), max_length=1)
    section_name = models.CharField(_("门类名称"), max_length=50, blank=True)
    name = models.CharField(_("名称"), max_length=100)

    class Meta:
        verbose_name = _("国民经济行业分类")
        verbose_name_plural = _("国民经济行业分类")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class EnterpriseQuerySet(ScopedQuerySet):
    pass


# The priority tags (SPEC §3) in display order; all are set by government, never by the firm itself.
TAG_FIELDS = [
    "is_essential_public_service",
    "is_epidemic_supplies",
    "is_daily_necessities",
    "is_key_exporter",
    "is_listed",
    "is_key_manufacturing",
    "is_above_size",
]


class Enterprise(models.Model):
    scope = Scope(region_path="town__path", department="department", enterprise="pk")

    name = models.CharField(_("企业名称"), max_length=200)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    legal_representative = models.CharField(_("法定代表人"), max_length=50)
    legal_representative_phone = EncryptedCharField(_("法定代表人电话"), max_length=20, blank=True)
    prevention_lead = models.CharField(_("防疫负责人"), max_length=50, blank=True)
    prevention_lead_phone = EncryptedCharField(_("防疫负责人电话"), max_length=20, blank=True)
    address = models.CharField(_("单位地址"), max_length=300)
    town = models.ForeignKey(
        "regions.Region", verbose_name=_("所属镇乡街道"), on_delete=models.PROTECT, related_name="enterprises"
    )
    department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("行业主管部门"),
        on_delete=models.PROTECT,
        related_name="enterprises",
    )
    industry_class = models.ForeignKey(
        IndustryClass, verbose_name=_("所属行业"), null=True, blank=True, on_delete=models.PROTECT
    )
    # Tags a policy's priority factors and essential-sector exemptions may read (``field``).
    is_essential_public_service = models.BooleanField(_("公共事业运行必需"), default=False)
    is_epidemic_supplies = models.BooleanField(_("疫情防控必需（防疫物资）"), default=False)
    is_daily_necessities = models.BooleanField(_("群众生活必需"), default=False)
    is_key_exporter = models.BooleanField(_("重点外贸企业"), default=False)
    is_listed = models.BooleanField(_("上市企业"), default=False)
    is_key_manufacturing = models.BooleanField(_("重点制造业企业"), default=False)
    is_above_size = models.BooleanField(_("规上企业"), default=False)
    # A city's own priority classes (e.g. 高新技术企业), set by the town: a policy's priority factor may
    # weigh a tag (``PriorityFactor.tag``).
    local_tags = models.JSONField(_("本地标签"), default=list, blank=True)
    efficiency_class = models.CharField(
        _("亩均效益等级"), max_length=1, choices=EfficiencyClass.choices, blank=True
    )

    normal_headcount = models.PositiveIntegerField(_("正常用工人数"), default=0)
    normal_daily_output = models.DecimalField(
        _("正常日产值（万元）"), max_digits=12, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    # Filled from the roster once employee files exist; declared until then.
    local_employee_share = models.DecimalField(
        _("本地员工占比（%）"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    resumption_mode = models.CharField(
        _("复工模式"), max_length=20, choices=ResumptionMode.choices, blank=True
    )
    status = models.CharField(
        _("状态"),
        max_length=20,
        choices=EnterpriseStatus.choices,
        default=EnterpriseStatus.NOT_RESUMED,
        editable=False,
        db_index=True,
    )
    status_changed_at = models.DateTimeField(_("状态变更时间"), null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("建档时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = EnterpriseQuerySet.as_manager()

    class Meta:
        verbose_name = _("企业")
        verbose_name_plural = _("企业")
        ordering = ["town__code", "name"]
        indexes = [models.Index(fields=["status", "town"]), models.Index(fields=["name"])]
        constraints = [
            models.UniqueConstraint(fields=["name", "town"], name="enterprise_unique_name_in_town")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def enterprise(self) -> "Enterprise":
        return self

    @property
    def tags(self) -> list[str]:
        """Labels of the priority tags this firm carries."""
        return [str(self._meta.get_field(name).verbose_name) for name in TAG_FIELDS if getattr(self, name)]


class EnterpriseStatusChange(models.Model):
    """One step of a firm's status history; written only by services.change_status.

    Not an EnterprisePart: history must outlive any attempt to delete the firm (PROTECT), and it is
    not something the firm edits.
    """

    scope = Scope(
        region_path="enterprise__town__path", department="enterprise__department", enterprise="enterprise"
    )

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.PROTECT, related_name="status_changes"
    )
    from_status = models.CharField(_("原状态"), max_length=20, choices=EnterpriseStatus.choices)
    to_status = models.CharField(_("新状态"), max_length=20, choices=EnterpriseStatus.choices)
    reason = models.CharField(_("原因"), max_length=500)
    # Empty for a manual change; otherwise the workflow step that caused it (e.g. an approval or incident).
    source = models.CharField(_("来源"), max_length=100, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.PROTECT
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("企业状态变更")
        verbose_name_plural = _("企业状态变更")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["enterprise", "-at"])]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.get_from_status_display()} → {self.get_to_status_display()}"


class EnterprisePart(models.Model):
    """Base for everything that lives inside one firm; scoped through its enterprise."""

    scope = Scope(
        region_path="enterprise__town__path", department="enterprise__department", enterprise="enterprise"
    )

    enterprise = models.ForeignKey(Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True


class TeamRole(models.TextChoices):
    LEADER = "leader", _("组长")
    DEPUTY = "deputy", _("副组长")
    MEMBER = "member", _("成员")


class PreventionTeamMember(EnterprisePart):
    """防疫工作小组 member; the legal representative is expected to lead it."""

    name = models.CharField(_("姓名"), max_length=50)
    team_role = models.CharField(
        _("小组职务"), max_length=10, choices=TeamRole.choices, default=TeamRole.MEMBER
    )
    position = models.CharField(_("单位职务"), max_length=50, blank=True)
    phone = EncryptedCharField(_("电话"), max_length=20, blank=True)
    duties = models.CharField(_("职责"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("防疫工作小组成员")
        verbose_name_plural = _("防疫工作小组成员")
        ordering = ["enterprise", "team_role", "id"]
        default_related_name = "team_members"

    def __str__(self) -> str:
        return f"{self.name}（{self.get_team_role_display()}）"


class ZoneKind(models.TextChoices):
    PRODUCTION = "production", _("生产区")
    LIVING = "living", _("生活区")
    LOGISTICS = "logistics", _("物流区")
    WASTE = "waste", _("废弃物处置区")
    OFFICE = "office", _("办公区")


class Zone(EnterprisePart):
    """A zone of the plant (production, living, logistics, waste …); which zones a closed-in-plant firm
    must separate is the policy's ``closed_in_plant_zones``."""

    kind = models.CharField(_("区域类型"), max_length=20, choices=ZoneKind.choices)
    name = models.CharField(_("名称"), max_length=100)
    description = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("厂区分区")
        verbose_name_plural = _("厂区分区")
        ordering = ["enterprise", "kind", "name"]
        default_related_name = "zones"

    def __str__(self) -> str:
        return self.name


class GridLevel(models.TextChoices):
    WORKSHOP = "workshop", _("车间")
    TEAM = "team", _("班组")
    POST = "post", _("岗位")


class GridUnit(EnterprisePart):
    """Workshop → team → post: the smallest unit of living and working."""

    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级单元"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    level = models.CharField(_("层级"), max_length=10, choices=GridLevel.choices)
    name = models.CharField(_("名称"), max_length=100)
    leader = models.CharField(_("负责人"), max_length=50, blank=True)
    zone = models.ForeignKey(
        Zone, verbose_name=_("所在分区"), null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name = _("网格单元")
        verbose_name_plural = _("网格单元")
        ordering = ["enterprise", "level", "name"]
        default_related_name = "grid_units"

    def __str__(self) -> str:
        return f"{self.parent} / {self.name}" if self.parent_id else self.name


class DormRoom(EnterprisePart):
    building = models.CharField(_("楼栋"), max_length=50)
    number = models.CharField(_("房间号"), max_length=20)
    capacity = models.PositiveSmallIntegerField(_("床位数"), validators=[MinValueValidator(1)])
    area_m2 = models.DecimalField(
        _("面积（㎡）"), max_digits=7, decimal_places=2, validators=[MinValueValidator(0)]
    )

    class Meta:
        verbose_name = _("宿舍")
        verbose_name_plural = _("宿舍")
        ordering = ["enterprise", "building", "number"]
        default_related_name = "dorm_rooms"
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "building", "number"], name="dorm_room_unique_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.building}-{self.number}"

    @property
    def area_per_bed(self):
        return self.area_m2 / self.capacity if self.capacity else None


class CanteenSitting(EnterprisePart):
    """A staggered meal sitting (错峰就餐)."""

    canteen = models.CharField(_("食堂"), max_length=50)
    name = models.CharField(_("批次"), max_length=50)
    starts_at = models.TimeField(_("开始时间"))
    ends_at = models.TimeField(_("结束时间"))
    seats = models.PositiveSmallIntegerField(_("座位数"), validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("就餐批次")
        verbose_name_plural = _("就餐批次")
        ordering = ["enterprise", "canteen", "starts_at"]
        default_related_name = "canteen_sittings"

    def __str__(self) -> str:
        return f"{self.canteen} {self.name} {self.starts_at:%H:%M}-{self.ends_at:%H:%M}"


class ShuttleRoute(EnterprisePart):
    """A commuter bus route with fixed vehicle, driver and supervisor (点对点)."""

    name = models.CharField(_("线路名称"), max_length=100)
    vehicle_plate = models.CharField(_("车牌号"), max_length=12)
    driver_name = models.CharField(_("固定司机"), max_length=50)
    driver_phone = EncryptedCharField(_("司机电话"), max_length=20, blank=True)
    supervisor_name = models.CharField(_("跟车管理员"), max_length=50, blank=True)
    seats = models.PositiveSmallIntegerField(_("座位数"), validators=[MinValueValidator(1)])
    route = models.CharField(_("线路"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("通勤线路")
        verbose_name_plural = _("通勤线路")
        ordering = ["enterprise", "name"]
        default_related_name = "shuttle_routes"

    def __str__(self) -> str:
        return f"{self.name}（{self.vehicle_plate}）"


class IsolationKind(models.TextChoices):
    ISOLATION_ROOM = "isolation_room", _("临时隔离室")
    OBSERVATION_POINT = "observation_point", _("固定隔离观察点")


class IsolationRoom(EnterprisePart):
    kind = models.CharField(_("类型"), max_length=20, choices=IsolationKind.choices)
    name = models.CharField(_("名称"), max_length=100)
    location = models.CharField(_("位置"), max_length=200, blank=True)
    capacity = models.PositiveSmallIntegerField(_("可容纳人数"), validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("隔离室/观察点")
        verbose_name_plural = _("隔离室/观察点")
        ordering = ["enterprise", "kind", "name"]
        default_related_name = "isolation_rooms"

    def __str__(self) -> str:
        return self.name


class GatePoint(EnterprisePart):
    name = models.CharField(_("名称"), max_length=100)
    location = models.CharField(_("位置"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("门岗")
        verbose_name_plural = _("门岗")
        ordering = ["enterprise", "name"]
        default_related_name = "gates"

    def __str__(self) -> str:
        return self.name
