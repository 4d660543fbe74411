"""Daily monitoring (SPEC §6): health check-ins per person per round, and the alerts they raise."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fugong.core.scoping import Scope, ScopedQuerySet

EMPLOYEE_SCOPE = Scope(
    region_path="employee__enterprise__town__path",
    department="employee__enterprise__department",
    enterprise="employee__enterprise",
    person_user="employee__user",
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
        return f"{self.employee_id} {self.day} #{self.round} {self.temperature}℃"

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
    value = models.CharField(_("内容"), max_length=200, blank=True)
    raised_at = models.DateTimeField(_("发出时间"), default=timezone.now)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        _("状态"), max_length=14, choices=AlertStatus.choices, default=AlertStatus.OPEN, db_index=True
    )
    isolation_note = models.CharField(_("隔离处置"), max_length=300, blank=True)
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
