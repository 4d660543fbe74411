"""Gatherings: meetings, trainings, events and dinners with their head
count and place. At or over the policy's ``gathering_plan_threshold`` a gathering needs a prevention
plan and the town's approval; a dinner over ``meal_group_max`` is flagged with the rule cited."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fugong.core.scoping import Scope, ScopedQuerySet
from fugong.policy.models import policy_version_link


class GatheringKind(models.TextChoices):
    MEETING = "meeting", _("会议")
    TRAINING = "training", _("培训")
    EVENT = "event", _("集体活动")
    DINNER = "dinner", _("聚餐")


class GatheringStatus(models.TextChoices):
    RECORDED = "recorded", _("已登记")
    # A dinner over the policy's meal group size: kept, since the notice only advises it (倡导性要求).
    FLAGGED = "flagged", _("已登记（有提示）")
    PENDING = "pending", _("待镇街审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("未批准")
    CANCELLED = "cancelled", _("已取消")


class Gathering(models.Model):
    scope = Scope(
        region_path="enterprise__town__path", department="enterprise__department", enterprise="enterprise"
    )

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("类型"), max_length=10, choices=GatheringKind.choices)
    title = models.CharField(_("名称"), max_length=200)
    place = models.CharField(_("地点"), max_length=200)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    headcount = models.PositiveIntegerField(_("人数"), validators=[MinValueValidator(1)])
    organiser = models.CharField(_("负责人"), max_length=50)
    # The prevention plan (防控方案) a gathering at or over the threshold must attach.
    plan = models.FileField(_("防控方案"), upload_to="gatherings/%Y/%m/", blank=True)
    plan_name = models.CharField(_("防控方案文件名"), max_length=255, blank=True)
    plan_content_type = models.CharField(_("防控方案文件类型"), max_length=100, blank=True)
    plan_size = models.PositiveIntegerField(_("防控方案大小（字节）"), default=0)
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=GatheringStatus.choices,
        default=GatheringStatus.RECORDED,
        db_index=True,
    )
    # The rules the gathering meets or breaks, each starting with its citation (policy.cite).
    flags = models.JSONField(_("提示"), default=list, blank=True)
    policy_version = policy_version_link()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    client_key = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("聚集性活动")
        verbose_name_plural = _("聚集性活动")
        ordering = ["-starts_at", "-id"]
        indexes = [
            models.Index(fields=["enterprise", "starts_at"]),
            models.Index(fields=["status", "starts_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.title}（{self.headcount}人）"

    @property
    def is_open(self) -> bool:
        """Still changeable by the firm: not decided against, not cancelled."""
        return self.status in OPEN_STATUSES


# The statuses in which the firm may still change or cancel the gathering.
OPEN_STATUSES = (
    GatheringStatus.RECORDED,
    GatheringStatus.FLAGGED,
    GatheringStatus.PENDING,
    GatheringStatus.APPROVED,
)


class GatheringAction(models.TextChoices):
    RECORD = "record", _("登记")
    UPDATE = "update", _("修改")
    APPROVE = "approve", _("批准")
    REJECT = "reject", _("不批准")
    CANCEL = "cancel", _("取消")


class GatheringEvent(models.Model):
    """One step of a gathering's history (登记、修改、批准、不批准、取消), shown on its page."""

    scope = Scope(
        region_path="gathering__enterprise__town__path",
        department="gathering__enterprise__department",
        enterprise="gathering__enterprise",
    )

    gathering = models.ForeignKey(Gathering, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("操作"), max_length=20, choices=GatheringAction.choices)
    status = models.CharField(_("状态"), max_length=10, choices=GatheringStatus.choices)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("时间"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("聚集性活动记录")
        verbose_name_plural = _("聚集性活动记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.gathering_id} {self.action}"
