"""The employee file (一人一档, SPEC §5) and the return to work: travel, pre-reports, checkpoint arrivals,
isolation episodes."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fugong.core import dates
from fugong.core.fields import EncryptedCharField, PhoneIndexField
from fugong.core.scoping import Scope, ScopedQuerySet

PERSON_SCOPE = Scope(
    region_path="enterprise__town__path",
    department="enterprise__department",
    enterprise="enterprise",
    person_user="user",
)


class EmployeeStatus(models.TextChoices):
    REGISTERED = "registered", _("已登记")
    EXPECTED = "expected", _("预计返岗（已报备）")
    ARRIVED = "arrived", _("已抵达")
    ISOLATING = "isolating", _("隔离观察中")
    BUFFER = "buffer", _("缓冲区待检")
    AT_WORK = "at_work", _("在岗")
    BARRED = "barred", _("暂缓返岗")
    ON_LEAVE = "on_leave", _("休假/请假")
    LEFT = "left", _("已离职")


class ReturnDecision(models.TextChoices):
    MAY_RETURN = "may_return", _("可直接返岗")
    ISOLATE = "isolate", _("须厂内隔离观察")
    BUFFER = "buffer", _("须进缓冲区待核酸阴性")
    BARRED = "barred", _("暂不得返岗")


class ResidenceControl(models.TextChoices):
    """The control status of the residential area the employee leaves from."""

    NONE = "none", _("非管控区")
    PRECAUTION = "precaution", _("防范区")
    CONTROLLED = "controlled", _("管控区")
    SEALED = "sealed", _("封控区")


class HealthCode(models.TextChoices):
    GREEN = "green", _("绿码")
    YELLOW = "yellow", _("黄码")
    RED = "red", _("红码")
    NONE = "", _("未使用")


class Gender(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class Transport(models.TextChoices):
    CAR = "car", _("自驾")
    COACH = "coach", _("客车/大巴")
    TRAIN = "train", _("火车/高铁")
    PLANE = "plane", _("飞机")
    COMPANY_BUS = "company_bus", _("企业包车")
    OTHER = "other", _("其他")


class Employee(models.Model):
    scope = PERSON_SCOPE

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("所属企业"),
        on_delete=models.PROTECT,
        related_name="employees",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("员工账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="employee_file",
    )
    employee_no = models.CharField(_("员工编号"), max_length=40, blank=True)
    name = models.CharField(_("姓名"), max_length=50)
    # Encrypted at rest; never stored in clear. id_number_index finds a person without decrypting.
    id_number_encrypted = models.TextField(editable=False)
    id_number_index = models.CharField(max_length=64, editable=False)
    id_number_masked = models.CharField(_("身份证号"), max_length=18, editable=False)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True, editable=False)
    gender = models.CharField(_("性别"), max_length=6, choices=Gender.choices, blank=True)
    # Encrypted at rest too; phone_index finds a person by phone (the roster search) without decrypting.
    phone = EncryptedCharField(_("电话"), max_length=20)
    phone_index = PhoneIndexField(source="phone")
    native_place = models.CharField(_("籍贯"), max_length=50, blank=True)
    residence_region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("居住地（区划）"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    residence_address = models.CharField(_("住址"), max_length=200, blank=True)
    is_local = models.BooleanField(_("本地员工"), default=False)
    department_name = models.CharField(_("部门"), max_length=50, blank=True)
    job = models.CharField(_("岗位"), max_length=50, blank=True)
    grid_unit = models.ForeignKey(
        "enterprises.GridUnit",
        verbose_name=_("网格单元"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="employees",
    )
    dorm_room = models.ForeignKey(
        "enterprises.DormRoom",
        verbose_name=_("宿舍"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="residents",
    )
    shuttle_route = models.ForeignKey(
        "enterprises.ShuttleRoute",
        verbose_name=_("通勤线路"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="riders",
    )
    shuttle_seat = models.CharField(_("座位号"), max_length=10, blank=True)

    # Holiday whereabouts and the return trip (SPEC §13 returning-employee record).
    left_locality = models.BooleanField(_("是否离开驻地"), default=False)
    left_on = models.DateField(_("离开时间"), null=True, blank=True)
    destination = models.CharField(_("所赴城市"), max_length=100, blank=True)
    destination_code = models.CharField(_("所赴地区划代码"), max_length=12, blank=True)
    has_returned = models.BooleanField(_("是否已返回"), default=False)
    current_city = models.CharField(_("目前所在城市"), max_length=100, blank=True)
    return_from = models.CharField(_("返程出发地"), max_length=100, blank=True)
    return_from_code = models.CharField(_("出发地区划代码"), max_length=12, blank=True)
    return_date = models.DateField(_("返回时间"), null=True, blank=True)
    transport = models.CharField(_("交通工具"), max_length=20, choices=Transport.choices, blank=True)
    transport_number = models.CharField(_("车次/航班/车牌"), max_length=30, blank=True)
    expected_return_date = models.DateField(_("预计返岗日期"), null=True, blank=True)

    # Health at registration.
    has_fever = models.BooleanField(_("是否发热"), default=False)
    other_symptoms = models.CharField(_("其他症状"), max_length=200, blank=True)
    family_health = models.CharField(_("同返家属及身体状况"), max_length=200, blank=True)
    residence_control = models.CharField(
        _("居住地管控状态"), max_length=12, choices=ResidenceControl.choices, default=ResidenceControl.NONE
    )
    health_code = models.CharField(_("健康码"), max_length=6, choices=HealthCode.choices, blank=True)

    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=EmployeeStatus.choices,
        default=EmployeeStatus.REGISTERED,
        editable=False,
        db_index=True,
    )
    status_changed_at = models.DateTimeField(_("状态变更时间"), null=True, blank=True, editable=False)
    # The last return decision, with the rule it rests on and the policy version that gave it.
    decision = models.CharField(
        _("返岗判定"), max_length=12, choices=ReturnDecision.choices, blank=True, editable=False
    )
    decision_reason = models.CharField(_("判定依据"), max_length=500, blank=True, editable=False)
    decision_policy_version_id = models.BigIntegerField(null=True, blank=True, editable=False)
    decided_at = models.DateTimeField(_("判定时间"), null=True, blank=True, editable=False)
    release_date = models.DateField(_("解除隔离日期"), null=True, blank=True, editable=False)

    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("建档时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("员工档案")
        verbose_name_plural = _("员工档案")
        ordering = ["enterprise", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "id_number_index"], name="employee_unique_id_in_firm"
            )
        ]
        indexes = [
            models.Index(fields=["enterprise", "status"]),
            models.Index(fields=["id_number_index"]),
            models.Index(fields=["return_date"]),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.id_number_masked}）"


class EmployeePart(models.Model):
    scope = Scope(
        region_path="employee__enterprise__town__path",
        department="employee__enterprise__department",
        enterprise="employee__enterprise",
        person_user="employee__user",
    )

    employee = models.ForeignKey(Employee, verbose_name=_("员工"), on_delete=models.CASCADE)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True


class TravelStop(EmployeePart):
    """A place the person stayed in or passed through (14日内旅居史)."""

    region_code = models.CharField(_("区划代码"), max_length=12)
    place = models.CharField(_("地点"), max_length=100)
    from_date = models.DateField(_("起始日期"))
    to_date = models.DateField(_("截止日期"))

    class Meta:
        verbose_name = _("旅居史")
        verbose_name_plural = _("旅居史")
        ordering = ["employee", "-to_date"]
        default_related_name = "travel_stops"

    def __str__(self) -> str:
        return f"{self.place} {dates.format_date(self.from_date)}—{dates.format_date(self.to_date)}"


class CloseContact(EmployeePart):
    """A reported contact (14日内接触史)."""

    contact_date = models.DateField(_("接触日期"))
    description = models.CharField(_("接触情况"), max_length=300)
    with_case = models.BooleanField(_("与确诊/疑似病例接触"), default=False)

    class Meta:
        verbose_name = _("接触史")
        verbose_name_plural = _("接触史")
        ordering = ["employee", "-contact_date"]
        default_related_name = "close_contacts"

    def __str__(self) -> str:
        return f"{dates.format_date(self.contact_date)} {self.description}"


class EmployeeStatusChange(EmployeePart):
    from_status = models.CharField(_("原状态"), max_length=12, choices=EmployeeStatus.choices)
    to_status = models.CharField(_("新状态"), max_length=12, choices=EmployeeStatus.choices)
    reason = models.CharField(_("原因"), max_length=500)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("员工状态变更")
        verbose_name_plural = _("员工状态变更")
        ordering = ["-at", "-id"]
        default_related_name = "status_changes"

    def __str__(self) -> str:
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"


class EpisodeKind(models.TextChoices):
    ISOLATION = "isolation", _("厂内隔离医学观察")
    BUFFER = "buffer", _("缓冲区待检")


class IsolationEpisode(EmployeePart):
    kind = models.CharField(_("类型"), max_length=10, choices=EpisodeKind.choices)
    started_on = models.DateField(_("开始日期"))
    planned_end = models.DateField(_("计划解除日期"), null=True, blank=True)
    place = models.ForeignKey(
        "enterprises.IsolationRoom",
        verbose_name=_("隔离地点"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    place_note = models.CharField(_("地点说明"), max_length=200, blank=True)
    reason = models.CharField(_("原因"), max_length=500)
    released_at = models.DateTimeField(_("解除时间"), null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    release_note = models.CharField(_("解除说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("隔离/缓冲记录")
        verbose_name_plural = _("隔离/缓冲记录")
        ordering = ["employee", "-started_on"]
        default_related_name = "episodes"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {dates.format_date(self.started_on)}"


class PreReport(EmployeePart):
    """提前告知: the firm tells the town who is expected back, at least the policy's lead time ahead."""

    town = models.ForeignKey(
        "regions.Region", verbose_name=_("报备镇街"), on_delete=models.PROTECT, related_name="+"
    )
    expected_arrival = models.DateField(_("预计抵达日期"))
    reported_at = models.DateTimeField(_("报备时间"), default=timezone.now)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    lead_days = models.IntegerField(_("提前天数"))
    on_time = models.BooleanField(_("按时报备"))

    class Meta:
        verbose_name = _("返岗报备")
        verbose_name_plural = _("返岗报备")
        ordering = ["expected_arrival", "employee"]
        default_related_name = "pre_reports"
        constraints = [
            models.UniqueConstraint(fields=["employee", "expected_arrival"], name="pre_report_once_per_date")
        ]

    def __str__(self) -> str:
        return f"{self.employee} → {self.expected_arrival}"


class FollowUp(models.TextChoices):
    MATCHED = "matched", _("已匹配")
    PENDING = "pending", _("待跟进")
    RESOLVED = "resolved", _("已处置")


class CheckpointArrival(models.Model):
    """卡口: an arrival recorded at a checkpoint, matched to a person, firm and town when possible."""

    scope = Scope(
        region_path="town__path",
        department="enterprise__department",
        enterprise="enterprise",
        person_user="employee__user",
    )

    town = models.ForeignKey(
        "regions.Region", verbose_name=_("目的地镇街"), on_delete=models.PROTECT, related_name="+"
    )
    checkpoint = models.CharField(_("卡口"), max_length=100)
    arrived_at = models.DateTimeField(_("抵达时间"))
    name = models.CharField(_("姓名"), max_length=50)
    id_number_encrypted = models.TextField(editable=False)
    id_number_index = models.CharField(max_length=64, editable=False, db_index=True)
    id_number_masked = models.CharField(_("身份证号"), max_length=18, editable=False)
    phone = EncryptedCharField(_("电话"), max_length=20, blank=True)
    came_from = models.CharField(_("来自"), max_length=100, blank=True)
    came_from_code = models.CharField(_("来源地区划代码"), max_length=12, blank=True)
    vehicle = models.CharField(_("车牌/车次"), max_length=30, blank=True)
    stated_employer = models.CharField(_("自报单位"), max_length=200, blank=True)
    employee = models.ForeignKey(
        Employee,
        verbose_name=_("匹配员工"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="arrivals",
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("匹配企业"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    follow_up = models.CharField(
        _("跟进状态"), max_length=10, choices=FollowUp.choices, default=FollowUp.PENDING
    )
    follow_up_note = models.CharField(_("跟进说明"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    # A phone retrying a submission sends the same key; the second write is a no-op.
    client_key = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("卡口抵达登记")
        verbose_name_plural = _("卡口抵达登记")
        ordering = ["-arrived_at"]
        indexes = [models.Index(fields=["town", "follow_up", "arrived_at"])]

    def __str__(self) -> str:
        return f"{self.name} {dates.format_datetime(self.arrived_at)} {self.checkpoint}"


class ImportJobState(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("导入中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class ImportJobQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ImportJobQuerySet":
        """A job is shown only to the person who started it: its errors quote the rows of their file."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(user=user)


class ImportJob(models.Model):
    """A roster import running in the background, and its progress.

    In the database rather than a per-process cache, so every web worker answers the progress page the
    same, and a job whose worker died is found afterwards (``roster.tasks.sweep_imports``) and its file
    with clear ID numbers removed.
    """

    id = models.CharField(primary_key=True, max_length=32, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="+")
    state = models.CharField(
        _("状态"), max_length=10, choices=ImportJobState.choices, default=ImportJobState.QUEUED
    )
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    percent = models.PositiveSmallIntegerField(default=0)
    result = models.JSONField(null=True, blank=True)
    message = models.CharField(max_length=500, blank=True)
    # Where the uploaded file waits for the worker; emptied once the file is removed.
    path = models.CharField(max_length=500, blank=True)
    filename = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("名册导入任务")
        verbose_name_plural = _("名册导入任务")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "updated_at"])]

    def __str__(self) -> str:
        return f"{self.filename or self.id} {self.get_state_display()}"
