"""Checklists answered and the daily compliance picture (SPEC §7, issue 12 items 5 and 6).

A ChecklistAnswer is a firm's self-assessment of one ChecklistItem (with evidence), later confirmed or
overturned by an inspector or the town; or an inspector's / town officer's own answer to an inspection
item. Answers are never edited: a new one supersedes the one before (``superseded_at``) and the latest
counts, so the history of what was said and checked stays.

A ComplianceDay is what ``services.build_compliance`` computed for one firm on one day: every item of
every checklist the policy in force requires, met / not met / unknown with its reason, the risk signals
and the risk score with the reasons behind it. Stored, never computed per page view.
"""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from fugong.core.dates import format_date
from fugong.core.scoping import Scope, ScopedQuerySet
from fugong.policy.models import policy_version_link

FIRM_SCOPE = Scope(
    region_path="enterprise__town__path", department="enterprise__department", enterprise="enterprise"
)


class AnswerKind(models.TextChoices):
    SELF_ASSESSMENT = "self_assessment", _("企业自查")
    INSPECTION = "inspection", _("督查核查")


class Verdict(models.TextChoices):
    CONFIRMED = "confirmed", _("核查属实")
    OVERTURNED = "overturned", _("核查不符")


class ItemStatus(models.TextChoices):
    MET = "met", _("达标")
    NOT_MET = "not_met", _("未达标")
    UNKNOWN = "unknown", _("待定")


class CompactJSONEncoder(DjangoJSONEncoder):
    """Chinese text as UTF-8 rather than \\u escapes: a city's pictures are mostly Chinese reasons, and
    the escapes would double what every build sends to the database and stores."""

    def __init__(self, *args, **kwargs):
        kwargs["ensure_ascii"] = False
        super().__init__(*args, **kwargs)


def evidence_path(instance, filename: str) -> str:
    # A random stored name under the firm's folder; the name the firm gave is kept in evidence_name only.
    return f"compliance/{instance.enterprise_id}/{filename}"


class ChecklistAnswer(models.Model):
    scope = FIRM_SCOPE

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.PROTECT, related_name="+"
    )
    item = models.ForeignKey(
        "policy.ChecklistItem", verbose_name=_("检查项"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("答复方式"), max_length=20, choices=AnswerKind.choices)
    met = models.BooleanField(_("是否达标"))
    note = models.CharField(_("说明"), max_length=500, blank=True)
    evidence = models.FileField(_("佐证材料"), upload_to=evidence_path, max_length=255, blank=True)
    evidence_name = models.CharField(_("佐证文件名"), max_length=255, blank=True)
    evidence_type = models.CharField(_("佐证文件类型"), max_length=100, blank=True)
    evidence_size = models.PositiveIntegerField(_("佐证文件大小（字节）"), default=0)
    evidence_sha256 = models.CharField(max_length=64, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("填报人"), on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(_("填报时间"), default=timezone.now)
    # The policy version in force for the firm's town when the answer was given.
    policy_version = policy_version_link()
    # A later answer of the same firm, item and kind replaces this one from that moment on.
    superseded_at = models.DateTimeField(_("被取代时间"), null=True, blank=True)
    # The check of a self-assessment by an inspector or the town (blank until checked).
    verdict = models.CharField(_("核查结论"), max_length=12, choices=Verdict.choices, blank=True)
    verdict_note = models.CharField(_("核查说明"), max_length=500, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("核查人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("核查时间"), null=True, blank=True)
    # A phone retrying a submission sends the same key; the second write is a no-op.
    client_key = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("检查项答复")
        verbose_name_plural = _("检查项答复")
        ordering = ["-answered_at", "-id"]
        indexes = [models.Index(fields=["enterprise", "item", "kind", "answered_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "item", "kind"],
                condition=Q(superseded_at__isnull=True),
                name="compliance_one_current_answer",
            )
        ]

    def __str__(self) -> str:
        firm = self.enterprise.name if self.enterprise_id else ""
        return f"{firm} {item_ref(self.item) if self.item_id else ''} {self.get_kind_display()}"

    @property
    def counts_as_met(self) -> bool:
        """What the answer means for the picture: an overturned self-assessment is not met."""
        return self.met and self.verdict != Verdict.OVERTURNED


class ComplianceDay(models.Model):
    scope = FIRM_SCOPE

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.CASCADE, related_name="+"
    )
    town = models.ForeignKey(
        "regions.Region", verbose_name=_("镇街"), on_delete=models.PROTECT, related_name="+"
    )
    day = models.DateField(_("日期"))
    policy_version = policy_version_link()
    # [{"checklist", "checklist_name", "code", "text", "notice_ref", "method", "status", "reason",
    #   "link": {"name", "args", "query"} | None, "item_id"}] in the policy's checklist order.
    items = models.JSONField(_("检查项"), default=list, encoder=CompactJSONEncoder)
    met = models.PositiveIntegerField(_("达标"), default=0)
    not_met = models.PositiveIntegerField(_("未达标"), default=0)
    unknown = models.PositiveIntegerField(_("待定"), default=0)
    # {"abnormal_temperatures": {"count", "people": [...]}, "overdue_tests": {...},
    #  "missed_disinfection_rounds": {"count", "gaps": [...]}, "stock_shortages": {"count", "items": [...]}}
    signals = models.JSONField(_("风险信号"), default=dict, encoder=CompactJSONEncoder)
    risk_score = models.DecimalField(_("风险分"), max_digits=9, decimal_places=2, default=0)
    # Each contribution to the score, starting with the citation of the weight it applied.
    risk_reasons = models.JSONField(_("风险分构成"), default=list, encoder=CompactJSONEncoder)
    computed_at = models.DateTimeField(_("计算时间"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("企业每日合规情况")
        verbose_name_plural = _("企业每日合规情况")
        ordering = ["-day", "-risk_score", "enterprise"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "day"], name="compliance_one_day_per_firm")
        ]
        indexes = [models.Index(fields=["day", "-risk_score"]), models.Index(fields=["town", "day"])]

    def __str__(self) -> str:
        firm = self.enterprise.name if self.enterprise_id else ""
        return f"{firm} {format_date(self.day)}"


def item_ref(item, definition=None) -> str:
    """How people cite a checklist item: by its checklist and its place in it (e.g. "<checklist>第1项")."""
    definition = definition or item.definition
    return gettext("%(checklist)s第%(n)s项") % {"checklist": definition.name, "n": item.order}
