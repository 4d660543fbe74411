"""The supplies ledger: stock per item, every
receipt and issue, and the demand a firm cannot source itself, routed to its town and the task force."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fugong.core.scoping import Scope, ScopedQuerySet
from fugong.policy.parameters import SUPPLY_CHOICES

FIRM_SCOPE = Scope(
    region_path="enterprise__town__path", department="enterprise__department", enterprise="enterprise"
)


class Stock(models.Model):
    """The firm's balance of one item: the row every movement locks (select_for_update), so two issues
    at once are serialised and the balance can never go below zero (also a database constraint)."""

    scope = FIRM_SCOPE

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.PROTECT, related_name="+"
    )
    item = models.CharField(_("物资"), max_length=20, choices=SUPPLY_CHOICES)
    unit = models.CharField(_("单位"), max_length=10)
    quantity = models.PositiveIntegerField(_("库存"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("物资库存")
        verbose_name_plural = _("物资库存")
        ordering = ["enterprise", "item"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "item"], name="supplies_one_stock_per_item"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="supplies_stock_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.get_item_display()} {self.quantity}{self.unit}"


class MovementKind(models.TextChoices):
    RECEIPT = "receipt", _("入库")
    ISSUE = "issue", _("领用")
    # A stock count that differs from the book: the difference, either way, with the reason in the note.
    ADJUSTMENT = "adjustment", _("盘点调整")


class StockMovement(models.Model):
    scope = FIRM_SCOPE

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.PROTECT, related_name="+"
    )
    item = models.CharField(_("物资"), max_length=20, choices=SUPPLY_CHOICES)
    kind = models.CharField(_("类型"), max_length=12, choices=MovementKind.choices)
    # Signed: receipts positive, issues negative, an adjustment either.
    change = models.IntegerField(_("数量变化"))
    balance_after = models.PositiveIntegerField(_("结存"))
    at = models.DateTimeField(_("时间"), default=timezone.now)
    # Who received an issue (a workshop, a team, a person) or who supplied a receipt.
    counterparty = models.CharField(_("领用/来源"), max_length=100, blank=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    client_key = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("物资出入库记录")
        verbose_name_plural = _("物资出入库记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["enterprise", "item", "at"]), models.Index(fields=["kind", "at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.get_item_display()} {self.change:+d}"


class DemandStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待镇街协调")
    ESCALATED = "escalated", _("已上报专班")
    FULFILLED = "fulfilled", _("已协调解决")
    DECLINED = "declined", _("无法协调（已答复）")
    WITHDRAWN = "withdrawn", _("企业已撤回")


class DemandRequest(models.Model):
    """A firm's request for supplies it cannot source, answered by its town or escalated to the task
    force, each with a date it is due by."""

    scope = FIRM_SCOPE

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.PROTECT, related_name="+"
    )
    item = models.CharField(_("物资"), max_length=20, choices=SUPPLY_CHOICES)
    quantity = models.PositiveIntegerField(_("需求数量"))
    needed_by = models.DateField(_("需要日期"))
    reason = models.CharField(_("无法自行解决的原因"), max_length=500)
    status = models.CharField(
        _("状态"), max_length=12, choices=DemandStatus.choices, default=DemandStatus.SUBMITTED, db_index=True
    )
    # When the current holder (town, then the task force) must answer by.
    due_on = models.DateField(_("答复期限"))
    escalated_at = models.DateTimeField(_("上报时间"), null=True, blank=True)
    escalated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    escalation_note = models.CharField(_("上报说明"), max_length=500, blank=True)
    answer = models.CharField(_("答复"), max_length=500, blank=True)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("提出时间"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    client_key = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("物资需求")
        verbose_name_plural = _("物资需求")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self) -> str:
        return f"{self.get_item_display()} ×{self.quantity}"
