"""Incidents (疫情处置, SPEC §8): from the first fever to reopening. An incident has its index person(s),
its steps with owners, due times from the policy and the time each was done, the contacts found from
the data, the seals on the firm or a part of it, and, where a case was found outside isolation, a
responsibility review."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fugong.core.scoping import Scope, ScopedQuerySet
from fugong.policy.models import policy_version_link

FIRM_SCOPE = Scope(
    region_path="enterprise__town__path", department="enterprise__department", enterprise="enterprise"
)
VIA_INCIDENT = Scope(
    region_path="incident__enterprise__town__path",
    department="incident__enterprise__department",
    enterprise="incident__enterprise",
)


class IncidentSource(models.TextChoices):
    ALERT = "alert", _("健康预警（发热或症状）")
    TEST = "test", _("检测阳性")
    REPORT = "report", _("外部报告（卫健通报、热线等）")


class IncidentStatus(models.TextChoices):
    OPEN = "open", _("处置中")
    CLOSED = "closed", _("已结案")


class Incident(models.Model):
    scope = FIRM_SCOPE

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.PROTECT, related_name="incidents"
    )
    town = models.ForeignKey(
        "regions.Region", verbose_name=_("镇街"), on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(_("来源"), max_length=10, choices=IncidentSource.choices)
    alert = models.ForeignKey(
        "monitoring.Alert",
        verbose_name=_("预警"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    report = models.CharField(_("报告内容"), max_length=1000, blank=True)
    # The moment the contact search counts back from: symptom onset, or the sampling time of a positive.
    reference_at = models.DateTimeField(_("发病或采样时间"))
    status = models.CharField(
        _("状态"), max_length=10, choices=IncidentStatus.choices, default=IncidentStatus.OPEN, db_index=True
    )
    opened_at = models.DateTimeField(_("立案时间"), default=timezone.now)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    close_note = models.CharField(_("结案说明"), max_length=500, blank=True)
    policy_version = policy_version_link()
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("疫情处置事件")
        verbose_name_plural = _("疫情处置事件")
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["status", "opened_at"]), models.Index(fields=["town", "opened_at"])]
        constraints = [
            # One incident per alert: a retried hook never opens a second one.
            models.UniqueConstraint(
                fields=["alert"], condition=Q(alert__isnull=False), name="incident_one_per_alert"
            )
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.get_source_display()}"


class IndexPerson(models.Model):
    """The person (or persons) the incident is about."""

    scope = VIA_INCIDENT

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="index_people")
    employee = models.ForeignKey(
        "workforce.Employee", verbose_name=_("员工"), on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("病例/异常人员")
        verbose_name_plural = _("病例/异常人员")
        constraints = [models.UniqueConstraint(fields=["incident", "employee"], name="incident_index_once")]

    def __str__(self) -> str:
        return str(self.employee)


class StepKind(models.TextChoices):
    """The handling steps the code knows, in their order. Which of them an incident has, and who handles
    each, is the policy's ``incident_steps`` (its choices are these values, tests/incidents keep them
    equal); closing is always a step."""

    ISOLATE = "isolate", _("就地隔离")
    REPORT = "report", _("报告镇街")
    TRANSFER = "transfer", _("转运发热门诊")
    SEAL_DISINFECT = "seal_disinfect", _("封闭并消毒相关场所")
    FIND_CONTACTS = "find_contacts", _("排查密切接触者")
    NOTIFY_CONTACTS = "notify_contacts", _("通知密切接触者")
    OBSERVE = "observe", _("医学观察")
    INVESTIGATE = "investigate", _("流调溯源")
    CLOSE = "close", _("结案")


STEP_ORDER = list(StepKind)


class IncidentStep(models.Model):
    scope = VIA_INCIDENT

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(_("步骤"), max_length=20, choices=StepKind.choices)
    # Due from the policy's time limit for the step (None: the policy sets none, so it is never late).
    due_at = models.DateTimeField(_("时限"), null=True, blank=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("说明"), max_length=500, blank=True)
    # Explicitly skipped by hand with its reason in the note (closing needs every step done or skipped).
    skipped = models.BooleanField(_("已跳过"), default=False)
    # Who handles it by hand, from the policy's incident_steps when the incident was opened: "enterprise",
    # "town", "dept:<code>" or "task_force"; "" where the policy names nobody (the task force then).
    owner = models.CharField(_("办理方"), max_length=40, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("处置步骤")
        verbose_name_plural = _("处置步骤")
        ordering = ["incident", "id"]
        constraints = [models.UniqueConstraint(fields=["incident", "kind"], name="incident_step_once")]
        indexes = [models.Index(fields=["done_at", "due_at"])]

    def __str__(self) -> str:
        return self.get_kind_display()


class ContactStatus(models.TextChoices):
    SUGGESTED = "suggested", _("待确认")
    CONFIRMED = "confirmed", _("已确认")
    DISMISSED = "dismissed", _("已排除")


class Contact(models.Model):
    """Someone who shared a place with an index person inside the window, with the reasons found."""

    scope = VIA_INCIDENT

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="contacts")
    employee = models.ForeignKey(
        "workforce.Employee",
        verbose_name=_("员工"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    visitor = models.ForeignKey(
        "operations.Visitor",
        verbose_name=_("访客"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # 1: shared a place with an index person; 2: with a confirmed first-degree contact (expanded on demand).
    degree = models.PositiveSmallIntegerField(_("接触层级"), default=1)
    # [{"kind": "dorm"|"shuttle"|"carpool"|"canteen"|"grid"|"gate"|"declared", "text": "同宿舍 3 晚", "count": 3}]
    reasons = models.JSONField(_("接触情况"), default=list)
    score = models.PositiveIntegerField(_("接触程度"), default=0)
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=ContactStatus.choices,
        default=ContactStatus.SUGGESTED,
        db_index=True,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    episode = models.ForeignKey(
        "workforce.IsolationEpisode", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    notified_at = models.DateTimeField(_("通知时间"), null=True, blank=True)
    notice_delivery = models.CharField(_("送达方式"), max_length=10, blank=True)
    notice_token = models.CharField(max_length=64, blank=True, db_index=True, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("密切接触者")
        verbose_name_plural = _("密切接触者")
        ordering = ["incident", "-score", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "employee"],
                condition=Q(employee__isnull=False),
                name="contact_employee_once",
            ),
            models.UniqueConstraint(
                fields=["incident", "visitor"],
                condition=Q(visitor__isnull=False),
                name="contact_visitor_once",
            ),
        ]

    def __str__(self) -> str:
        return str(self.employee or self.visitor)


class SealScope(models.TextChoices):
    FIRM = "firm", _("全厂")
    ZONE = "zone", _("厂区分区")
    GRID_UNIT = "grid_unit", _("车间/班组")
    DORM_BUILDING = "dorm_building", _("宿舍楼")
    SHUTTLE_ROUTE = "shuttle_route", _("通勤线路")


class SealKind(models.TextChoices):
    SUSPEND = "suspend", _("停工")
    SEAL = "seal", _("封闭")


class Seal(models.Model):
    """A suspension or seal of a firm or a part of it (停工停产): its people may not be set to work nor
    pass the gate until it is lifted, which needs the approved reopening application."""

    scope = FIRM_SCOPE

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.PROTECT, related_name="+"
    )
    incident = models.ForeignKey(
        Incident, null=True, blank=True, on_delete=models.PROTECT, related_name="seals"
    )
    kind = models.CharField(_("措施"), max_length=10, choices=SealKind.choices)
    scope_kind = models.CharField(_("范围"), max_length=20, choices=SealScope.choices)
    zone = models.ForeignKey(
        "enterprises.Zone", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    grid_unit = models.ForeignKey(
        "enterprises.GridUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    dorm_building = models.CharField(_("宿舍楼"), max_length=50, blank=True)
    shuttle_route = models.ForeignKey(
        "enterprises.ShuttleRoute", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("原因"), max_length=500)
    started_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    lifted_at = models.DateTimeField(_("解除时间"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reopening = models.ForeignKey(
        "resumption.ResumptionApplication",
        verbose_name=_("启封复工申请"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("停工/封闭")
        verbose_name_plural = _("停工/封闭")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["enterprise", "lifted_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.get_scope_kind_display()}"


class ReviewStatus(models.TextChoices):
    OPEN = "open", _("调查中")
    CONCLUDED = "concluded", _("已作出结论")


class ResponsibilityReview(models.Model):
    """责任倒查: opened when a confirmed case was found outside home or central isolation."""

    scope = VIA_INCIDENT

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="reviews")
    subjects = models.CharField(_("被倒查对象"), max_length=500)
    grounds = models.CharField(_("启动原因"), max_length=1000)
    findings = models.TextField(_("调查情况"), blank=True)
    outcome = models.CharField(_("处理结论"), max_length=1000, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.OPEN
    )
    opened_at = models.DateTimeField(_("启动时间"), default=timezone.now)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    concluded_at = models.DateTimeField(_("结论时间"), null=True, blank=True)
    concluded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("责任倒查")
        verbose_name_plural = _("责任倒查")
        ordering = ["-opened_at", "-id"]

    def __str__(self) -> str:
        return self.subjects
