"""Survey campaigns (摸排) sent to the firms of a region, and each firm's answers.

A campaign belongs to a region (the city, a county or a town), not to a firm, so it is scoped by region
both ways: an officer sees the campaigns of their region and below (to run them), and the sent campaigns
of the regions above theirs (a town follows the county's campaign) — but of any campaign only the answers
of the firms in their own scope, since answers are scoped through the firm like any firm data.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fugong.accounts.roles import Role
from fugong.core.scoping import NOTHING, Scope, ScopedQuerySet


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SENT = "sent", _("填报中")
    CLOSED = "closed", _("已结束")


class ResponseStatus(models.TextChoices):
    PENDING = "pending", _("未填报")
    SUBMITTED = "submitted", _("已填报")


REGION_ROLES = (Role.TASK_FORCE, Role.TOWN, Role.INSPECTOR, Role.DEPARTMENT)


def ancestor_paths(path: str) -> list[str]:
    """The paths strictly above ``path``: ``33/3306/330681/`` → ``33/``, ``33/3306/``."""
    codes = [c for c in path.split("/") if c]
    return ["".join(f"{c}/" for c in codes[:n]) for n in range(1, len(codes))]


class CampaignQuerySet(ScopedQuerySet):
    def visible_to(self, user) -> "CampaignQuerySet":
        return self.filter(campaign_q(user))


def campaign_q(user) -> Q:
    """Officers: their region's campaigns and below (drafts too), and the sent campaigns of the regions
    above theirs. Firms and grid workers: the campaigns that reached a firm of theirs."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOTHING
    if user.role in REGION_ROLES:
        if user.region_id is None:
            return NOTHING
        path = user.region.path
        above = Q(region__path__in=ancestor_paths(path)) & ~Q(status=CampaignStatus.DRAFT)
        return Q(region__path__startswith=path) | above
    if user.role in (Role.GRID_WORKER, Role.ENTERPRISE, Role.GATE_KEEPER):
        return Q(pk__in=SurveyResponse.objects.visible_to(user).values("campaign_id"))
    return NOTHING


class SurveyCampaign(models.Model):
    title = models.CharField(_("标题"), max_length=200)
    instructions = models.TextField(_("填报说明"), blank=True)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("发送范围"), on_delete=models.PROTECT, related_name="+"
    )
    # Keys of fugong.surveys.fields.CATALOGUE, in catalogue order.
    fields = models.JSONField(_("填报项目"), default=list)
    deadline = models.DateTimeField(_("截止时间"))
    status = models.CharField(
        _("状态"), max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = _("摸排调查")
        verbose_name_plural = _("摸排调查")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "deadline"])]

    def __str__(self) -> str:
        return self.title

    @property
    def overdue(self) -> bool:
        return self.status == CampaignStatus.SENT and timezone.now() > self.deadline


class SurveyResponse(models.Model):
    scope = Scope(
        region_path="enterprise__town__path", department="enterprise__department", enterprise="enterprise"
    )

    campaign = models.ForeignKey(
        SurveyCampaign, verbose_name=_("摸排调查"), on_delete=models.PROTECT, related_name="responses"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("企业"),
        on_delete=models.PROTECT,
        related_name="survey_responses",
    )
    answers = models.JSONField(_("填报内容"), default=dict, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=ResponseStatus.choices, default=ResponseStatus.PENDING
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("填报人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # First submitted after the deadline: accepted, but shown as late.
    late = models.BooleanField(_("逾期提交"), default=False)
    reminders_sent = models.PositiveIntegerField(_("催报次数"), default=0)
    last_reminded_at = models.DateTimeField(_("最近催报时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("下发时间"), default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("摸排填报")
        verbose_name_plural = _("摸排填报")
        ordering = ["campaign", "enterprise__name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "enterprise"], name="surveys_one_response_per_firm")
        ]
        indexes = [models.Index(fields=["campaign", "status"])]

    def __str__(self) -> str:
        return f"{self.campaign.title} · {self.enterprise.name}"
