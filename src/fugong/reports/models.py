"""The firm's day (SPEC §6 daily report: the staff's health summed up and reported every day): figures
computed from the day's records, confirmed by the firm, rolled up to its town, county and city."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fugong.core.dates import format_date
from fugong.core.scoping import Scope, ScopedQuerySet
from fugong.policy.models import policy_version_link


class SummaryStatus(models.TextChoices):
    DRAFT = "draft", _("待确认")
    # Confirmed "so far" (截至目前) before the day's last round was due: the figures signed are those of
    # that moment (``confirmed_at``); the firm confirms the day finally once its last round is due.
    PROVISIONAL = "provisional", _("仅确认截至目前")
    CONFIRMED = "confirmed", _("已确认")


# The figures of a day, in the order the pages and the Excel show them.
FIGURES = [
    ("on_site", _("在岗人数")),
    ("checked_in_full", _("完成全部体温检测")),
    ("checkin_missing", _("体温检测缺漏")),
    ("abnormal", _("体温或症状异常")),
    ("alerts", _("健康预警")),
    ("isolating", _("隔离观察")),
    ("tests_due", _("应检人次")),
    ("tests_done", _("已检人次")),
    ("tests_positive", _("检测阳性")),
    ("entries", _("员工进厂")),
    ("visitors", _("访客")),
    ("refusals", _("拒绝进入")),
    ("vehicles", _("车辆")),
]
FIGURE_NAMES = [name for name, _label in FIGURES]


class DailySummary(models.Model):
    scope = Scope(
        region_path="enterprise__town__path",
        department="enterprise__department",
        enterprise="enterprise",
    )

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.CASCADE, related_name="+"
    )
    town = models.ForeignKey(
        "regions.Region", verbose_name=_("镇街"), on_delete=models.PROTECT, related_name="+"
    )
    day = models.DateField(_("日期"))
    # The rounds of the policy in force that day (0: it sets none, and nobody misses a round).
    rounds_required = models.PositiveSmallIntegerField(_("每日检测轮次"), default=0)
    # How many of them were due when the figures were computed (all of them for a past day): a round not
    # due yet is nobody's gap, so "体温检测缺漏" counts only these.
    rounds_due = models.PositiveSmallIntegerField(_("已到期轮次"), default=0)
    # The policy version the figures were computed under (None when no policy was in force).
    policy_version = policy_version_link()
    on_site = models.PositiveIntegerField(_("在岗人数"), default=0)
    checked_in_full = models.PositiveIntegerField(_("完成全部体温检测"), default=0)
    checkin_missing = models.PositiveIntegerField(_("体温检测缺漏"), default=0)
    abnormal = models.PositiveIntegerField(_("体温或症状异常"), default=0)
    alerts = models.PositiveIntegerField(_("健康预警"), default=0)
    isolating = models.PositiveIntegerField(_("隔离观察"), default=0)
    tests_due = models.PositiveIntegerField(_("应检人次"), default=0)
    tests_done = models.PositiveIntegerField(_("已检人次"), default=0)
    tests_positive = models.PositiveIntegerField(_("检测阳性"), default=0)
    entries = models.PositiveIntegerField(_("员工进厂"), default=0)
    visitors = models.PositiveIntegerField(_("访客"), default=0)
    refusals = models.PositiveIntegerField(_("拒绝进入"), default=0)
    vehicles = models.PositiveIntegerField(_("车辆"), default=0)
    status = models.CharField(
        _("状态"), max_length=11, choices=SummaryStatus.choices, default=SummaryStatus.DRAFT, db_index=True
    )
    computed_at = models.DateTimeField(_("计算时间"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    note = models.CharField(_("情况说明"), max_length=500, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("企业每日健康汇总")
        verbose_name_plural = _("企业每日健康汇总")
        ordering = ["-day", "enterprise"]
        constraints = [models.UniqueConstraint(fields=["enterprise", "day"], name="one_summary_per_firm_day")]
        indexes = [models.Index(fields=["town", "day"]), models.Index(fields=["day", "status"])]

    def __str__(self) -> str:
        # As the audit log names it: the firm, the day in the one date format, the state by its label.
        firm = self.enterprise.name if self.enterprise_id else ""
        return f"{firm} {format_date(self.day)} {self.get_status_display()}"

    @property
    def partial_day(self) -> bool:
        """The figures cover only the rounds due so far (computed before the day's last round was due)."""
        return self.rounds_required > 0 and self.rounds_due < self.rounds_required

    @property
    def as_of(self):
        """When the figures were taken: the "so far" confirmation, else the last computation."""
        if self.status == SummaryStatus.PROVISIONAL and self.confirmed_at:
            return self.confirmed_at
        return self.computed_at

    def figures(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in FIGURE_NAMES}
