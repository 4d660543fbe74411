"""The gate: every employee entry checked, visitors and vehicles registered, refusals kept, each with the
policy version it was decided under."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fugong.core import dates
from fugong.core.fields import EncryptedCharField
from fugong.core.scoping import Scope, ScopedQuerySet
from fugong.policy.models import policy_version_link
from fugong.workforce.models import HealthCode

GATE_SCOPE = Scope(
    region_path="enterprise__town__path",
    department="enterprise__department",
    enterprise="enterprise",
)


class EntryResult(models.TextChoices):
    ALLOWED = "allowed", _("放行")
    REFUSED = "refused", _("已拒绝")


class GateRecord(models.Model):
    scope = GATE_SCOPE

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.PROTECT, related_name="+"
    )
    gate = models.ForeignKey(
        "enterprises.GatePoint",
        verbose_name=_("门岗"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    allowed = models.BooleanField(_("放行"), default=True)
    # Each reason starts with the citation of the policy value it applied: room for two or three.
    refusal_reason = models.CharField(_("拒绝原因"), max_length=1000, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The policy version the decision followed (None when no policy was in force).
    policy_version = policy_version_link()
    # A phone retrying a submission sends the same key; the second write is a no-op.
    client_key = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def result(self) -> str:
        return EntryResult.ALLOWED if self.allowed else EntryResult.REFUSED


class EmployeeEntry(GateRecord):
    employee = models.ForeignKey(
        "workforce.Employee", verbose_name=_("员工"), on_delete=models.PROTECT, related_name="gate_entries"
    )
    at = models.DateTimeField(_("进厂时间"), default=timezone.now)
    temperature = models.DecimalField(_("体温（℃）"), max_digits=4, decimal_places=1)
    health_code = models.CharField(_("健康码"), max_length=6, choices=HealthCode.choices, blank=True)

    class Meta:
        verbose_name = _("员工进厂登记")
        verbose_name_plural = _("员工进厂登记")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["enterprise", "at"])]

    def __str__(self) -> str:
        return f"{self.employee.name} {dates.format_datetime(self.at)}"


class Visitor(GateRecord):
    name = models.CharField(_("姓名"), max_length=50)
    id_number_encrypted = models.TextField(editable=False)
    id_number_index = models.CharField(max_length=64, editable=False, db_index=True)
    id_number_masked = models.CharField(_("身份证号"), max_length=18, editable=False)
    phone = EncryptedCharField(_("电话"), max_length=20)
    company = models.CharField(_("单位"), max_length=200, blank=True)
    host = models.CharField(_("被访人"), max_length=50)
    purpose = models.CharField(_("来访事由"), max_length=200)
    temperature = models.DecimalField(_("体温（℃）"), max_digits=4, decimal_places=1)
    health_code = models.CharField(_("健康码"), max_length=6, choices=HealthCode.choices, blank=True)
    time_in = models.DateTimeField(_("进入时间"), default=timezone.now)
    time_out = models.DateTimeField(_("离开时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("访客登记")
        verbose_name_plural = _("访客登记")
        ordering = ["-time_in", "-id"]
        indexes = [models.Index(fields=["enterprise", "time_in"])]

    def __str__(self) -> str:
        return f"{self.name}（{self.id_number_masked}）"

    @property
    def inside(self) -> bool:
        return self.allowed and self.time_out is None


class VehicleEntry(GateRecord):
    plate = models.CharField(_("车牌号"), max_length=10)
    driver_name = models.CharField(_("驾驶员"), max_length=50)
    driver_phone = EncryptedCharField(_("驾驶员电话"), max_length=20)
    origin = models.CharField(_("来自"), max_length=100)
    cargo = models.CharField(_("货物"), max_length=200, blank=True)
    disinfected = models.BooleanField(_("已消毒"), default=False)
    pass_number = models.CharField(_("通行证号"), max_length=50, blank=True)
    at = models.DateTimeField(_("进厂时间"), default=timezone.now)

    class Meta:
        verbose_name = _("车辆登记")
        verbose_name_plural = _("车辆登记")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["enterprise", "at"])]

    def __str__(self) -> str:
        return f"{self.plate} {dates.format_datetime(self.at)}"
