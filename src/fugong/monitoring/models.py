"""Daily monitoring (SPEC §6): health check-ins per person per round, and the alerts they raise."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fugong.core import dates
from fugong.core.scoping import Scope, ScopedQuerySet
from fugong.policy.models import policy_version_link

EMPLOYEE_SCOPE = Scope(
    region_path="employee__enterprise__town__path",
    department="employee__enterprise__department",
    enterprise="employee__enterprise",
    person_user="employee__user",
)

FIRM_SCOPE = Scope(
    region_path="enterprise__town__path",
    department="enterprise__department",
    enterprise="enterprise",
)

TEMP_MIN = Decimal("34.0")
TEMP_MAX = Decimal("43.0")
TEMP_MESSAGE = _("「体温」须在34.0至43.0℃之间")


class Symptom(models.TextChoices):
    FEVER = "fever", _("发热")
    COUGH = "cough", _("咳嗽")
    FATIGUE = "fatigue", _("乏力")
    SORE_THROAT = "sore_throat", _("咽痛")
    TASTE_SMELL = "taste_smell", _("嗅觉味觉减退")
    DIARRHOEA = "diarrhoea", _("腹泻")


class CheckinSource(models.TextChoices):
    SELF = "self", _("本人")
    GATE = "gate", _("门岗")
    BULK = "bulk", _("企业批量")
    DEVICE = "device", _("设备")


class HealthCheckin(models.Model):
    scope = EMPLOYEE_SCOPE

    employee = models.ForeignKey(
        "workforce.Employee", verbose_name=_("员工"), on_delete=models.CASCADE, related_name="checkins"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(_("日期"))
    round = models.PositiveSmallIntegerField(_("轮次"))
    measured_at = models.DateTimeField(_("测量时间"), default=timezone.now)
    temperature = models.DecimalField(
        _("体温"),
        max_digits=4,
        decimal_places=1,
        validators=[
            MinValueValidator(TEMP_MIN, message=TEMP_MESSAGE),
            MaxValueValidator(TEMP_MAX, message=TEMP_MESSAGE),
        ],
    )
    symptoms = models.JSONField(_("症状"), default=list, blank=True)
    health_code = models.CharField(_("健康码"), max_length=6, blank=True)
    source = models.CharField(_("来源"), max_length=8, choices=CheckinSource.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    device = models.ForeignKey(
        "monitoring.Device", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    client_key = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    policy_version_id = models.BigIntegerField(null=True, blank=True, editable=False)
    abnormal = models.BooleanField(_("异常"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("健康打卡")
        verbose_name_plural = _("健康打卡")
        ordering = ["-day", "-round", "employee"]
        constraints = [
            models.UniqueConstraint(fields=["employee", "day", "round"], name="checkin_once_per_round")
        ]
        indexes = [models.Index(fields=["enterprise", "day"])]

    def __str__(self) -> str:
        return f"{self.employee_id} {dates.format_date(self.day)} #{self.round} {self.temperature}℃"

    def symptom_labels(self) -> list[str]:
        return [str(Symptom(s).label) for s in self.symptoms if s in Symptom.values]


class AlertKind(models.TextChoices):
    FEVER = "fever", _("体温异常")
    SYMPTOM = "symptom", _("症状异常")
    POSITIVE_TEST = "positive_test", _("检测阳性")
    GATE_FEVER = "gate_fever", _("门岗体温异常")


class AlertStatus(models.TextChoices):
    OPEN = "open", _("待处置")
    ACKNOWLEDGED = "acknowledged", _("已响应")
    CLOSED = "closed", _("已关闭")


class Alert(models.Model):
    """An abnormal reading: opens the record that the incident work (SPEC §8) carries on."""

    scope = EMPLOYEE_SCOPE

    employee = models.ForeignKey(
        "workforce.Employee", verbose_name=_("员工"), on_delete=models.CASCADE, related_name="alerts"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.CASCADE, related_name="+"
    )
    town = models.ForeignKey(
        "regions.Region", verbose_name=_("镇街"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("类型"), max_length=16, choices=AlertKind.choices)
    checkin = models.ForeignKey(
        HealthCheckin, null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts"
    )
    test = models.ForeignKey(
        "monitoring.TestResult", null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts"
    )
    value = models.CharField(_("内容"), max_length=200, blank=True)
    raised_at = models.DateTimeField(_("发出时间"), default=timezone.now)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        _("状态"), max_length=14, choices=AlertStatus.choices, default=AlertStatus.OPEN, db_index=True
    )
    isolation_note = models.CharField(_("隔离处置"), max_length=300, blank=True)
    # The policy version the alert was raised under (its threshold, its isolation rule).
    policy_version = policy_version_link()
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(_("响应时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    note = models.CharField(_("处置说明"), max_length=500, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("健康预警")
        verbose_name_plural = _("健康预警")
        ordering = ["-raised_at", "-id"]
        indexes = [models.Index(fields=["enterprise", "status"]), models.Index(fields=["town", "status"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value}"


# -- nucleic and antigen tests (SPEC §6) ---------------------------------------------------------------------
class TestKind(models.TextChoices):
    NUCLEIC = "nucleic", _("核酸")
    ANTIGEN = "antigen", _("抗原")


class TestOutcome(models.TextChoices):
    NEGATIVE = "negative", _("阴性")
    POSITIVE = "positive", _("阳性")


class TestSource(models.TextChoices):
    SELF = "self", _("本人")
    ENTERPRISE = "enterprise", _("企业录入")
    UPLOAD = "upload", _("检测机构Excel")
    DEVICE = "device", _("检测系统接口")


class TestResult(models.Model):
    """One sample's result. A sample is (employee, kind, sampled_at): the same sample sent twice — by a
    lab's Excel and by its system — is one row."""

    __test__ = False  # not a pytest class, despite the name

    scope = EMPLOYEE_SCOPE

    employee = models.ForeignKey(
        "workforce.Employee", verbose_name=_("员工"), on_delete=models.CASCADE, related_name="tests"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("检测类型"), max_length=8, choices=TestKind.choices)
    sampled_at = models.DateTimeField(_("采样时间"))
    sample_day = models.DateField(_("采样日期"))  # local date of sampled_at: the cadence counts days
    result = models.CharField(_("检测结果"), max_length=8, choices=TestOutcome.choices)
    lab = models.CharField(_("检测机构"), max_length=100, blank=True)
    reported_at = models.DateTimeField(_("报告时间"), null=True, blank=True)
    source = models.CharField(_("来源"), max_length=12, choices=TestSource.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    device = models.ForeignKey(
        "monitoring.Device", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    client_key = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    policy_version_id = models.BigIntegerField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("检测结果")
        verbose_name_plural = _("检测结果")
        ordering = ["-sampled_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["employee", "kind", "sampled_at"], name="test_once_per_sample")
        ]
        indexes = [
            models.Index(fields=["enterprise", "kind", "sample_day"]),
            models.Index(fields=["employee", "kind", "sample_day"]),
        ]

    def __str__(self) -> str:
        return f"{self.employee_id} {self.get_kind_display()} {dates.format_datetime(self.sampled_at)} {self.result}"


# -- devices and personal links ----------------------------------------------------------------------------
class DeviceKind(models.TextChoices):
    TEMPERATURE_GATE = "gate", _("测温门/测温设备")
    LAB_SYSTEM = "lab", _("检测机构系统")


class Device(models.Model):
    """A temperature gate or a lab system posting batches for one firm. Only the token's SHA-256 is kept;
    the token itself is shown once, when it is issued."""

    scope = FIRM_SCOPE

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("设备名称"), max_length=60)
    kind = models.CharField(_("设备类型"), max_length=8, choices=DeviceKind.choices)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    token_prefix = models.CharField(_("令牌前缀"), max_length=8, editable=False)
    is_active = models.BooleanField(_("有效"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("停用时间"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("接入设备")
        verbose_name_plural = _("接入设备")
        ordering = ["enterprise", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "name"], name="device_name_unique_per_firm")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.token_prefix}…)"


class CheckinLink(models.Model):
    """The employee's personal check-in link: a signed (employee, nonce); a new nonce revokes the old link."""

    scope = EMPLOYEE_SCOPE

    employee = models.OneToOneField(
        "workforce.Employee", verbose_name=_("员工"), on_delete=models.CASCADE, related_name="checkin_link"
    )
    nonce = models.CharField(max_length=32, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("个人打卡链接")
        verbose_name_plural = _("个人打卡链接")

    def __str__(self) -> str:
        return f"{self.employee_id}"
