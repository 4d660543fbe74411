"""The disinfection log: each round of each area the policy lists, with agent,
concentration, operator and time. A required area × round with no record on a day is a gap."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fugong.core import dates
from fugong.core.scoping import Scope, ScopedQuerySet
from fugong.policy.models import policy_version_link

FIRM_SCOPE = Scope(
    region_path="enterprise__town__path", department="enterprise__department", enterprise="enterprise"
)


class DisinfectionRecord(models.Model):
    scope = FIRM_SCOPE

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.PROTECT, related_name="+"
    )
    day = models.DateField(_("日期"))
    # Keys of the policy's ``disinfection_areas`` and ``disinfection_rounds`` in force that day; the
    # names are kept as they were, so an old record reads the same after the policy changes.
    area = models.CharField(_("区域"), max_length=40)
    area_name = models.CharField(_("区域名称"), max_length=100)
    round = models.CharField(_("轮次"), max_length=40)
    round_name = models.CharField(_("轮次名称"), max_length=100)
    agent = models.CharField(_("消毒剂"), max_length=100)
    concentration = models.CharField(_("浓度"), max_length=50)
    operator = models.CharField(_("消杀人员"), max_length=50)
    done_at = models.DateTimeField(_("消杀时间"), default=timezone.now)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now, editable=False)
    policy_version = policy_version_link()
    # A phone retrying a submission sends the same key; the second write is a no-op.
    client_key = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("消杀记录")
        verbose_name_plural = _("消杀记录")
        ordering = ["-day", "-done_at", "-id"]
        indexes = [models.Index(fields=["enterprise", "day"]), models.Index(fields=["day", "area", "round"])]

    def __str__(self) -> str:
        return f"{self.area_name} {self.round_name} {dates.format_datetime(self.done_at)}"


class DisinfectionSchedule(models.Model):
    """The firm's own clock for a round of the policy (e.g. 上班前 by 07:30): after it, today's missing
    record of that round is overdue. Without one, a round is overdue only once its day has ended."""

    scope = FIRM_SCOPE

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.CASCADE, related_name="+"
    )
    round = models.CharField(_("轮次"), max_length=40)
    due_by = models.TimeField(_("完成时限"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("消杀时限")
        verbose_name_plural = _("消杀时限")
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "round"], name="disinfection_schedule_one_per_round"
            )
        ]

    def __str__(self) -> str:
        return f"{self.round} {self.due_by:%H:%M}"


class AreaExemption(models.Model):
    """An area of the policy the firm does not have (no dormitory, no commuter vehicle): declared by the
    firm with a reason, so its empty rounds are not gaps. Inspectors see the declaration and its reason."""

    scope = FIRM_SCOPE

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.CASCADE, related_name="+"
    )
    area = models.CharField(_("区域"), max_length=40)
    reason = models.CharField(_("原因"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("无此区域声明")
        verbose_name_plural = _("无此区域声明")
        ordering = ["enterprise", "area"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "area"], name="disinfection_exemption_one_per_area")
        ]

    def __str__(self) -> str:
        return self.area
