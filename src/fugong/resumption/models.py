"""Resumption applications and their review (SPEC §4): approval or filing, commitments, the date gate.

Every write goes through ``fugong.resumption.services``; these models only hold the rows. Firm-owned
rows are scoped through their enterprise and read with ``.visible_to(user)``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fugong.core.scoping import Scope, ScopedQuerySet

_SCOPE = Scope(
    region_path="enterprise__town__path", department="enterprise__department", enterprise="enterprise"
)
_VIA_APPLICATION = Scope(
    region_path="application__enterprise__town__path",
    department="application__enterprise__department",
    enterprise="application__enterprise",
)


class ImmutableError(Exception):
    """Revisions and decisions are evidence: once written they are never changed."""


class ApplicationKind(models.TextChoices):
    FIRST_RESUMPTION = "first_resumption", _("首次复工")
    BACKFILL = "backfill", _("补办手续（未停工企业）")
    KEY_STAFF_PREPARATION = "key_staff_preparation", _("关键岗位人员返岗准备")
    REOPENING_AFTER_INCIDENT = "reopening_after_incident", _("涉疫停工后启封复工")


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    IN_REVIEW = "in_review", _("审核中")
    RETURNED = "returned", _("退回修改")
    REJECTED = "rejected", _("不予批准")
    # Approved is also where a policy without a review chain (filing only) puts a submission: the
    # firm may start once its filing is complete.
    APPROVED = "approved", _("已批准")


# Statuses in which the firm still has an application going; at most one per firm.
OPEN_STATUSES = (ApplicationStatus.DRAFT, ApplicationStatus.IN_REVIEW, ApplicationStatus.RETURNED)
EDITABLE_STATUSES = (ApplicationStatus.DRAFT, ApplicationStatus.RETURNED)


class ApprovalBatch(models.Model):
    """Approvals the task force releases together (分批).

    Not firm data: a batch belongs to the task force of ``region`` and is seen by task-force officers
    whose region contains it; the applications inside are still read through their own scope.
    """

    region = models.ForeignKey("regions.Region", verbose_name=_("所属区域"), on_delete=models.PROTECT)
    number = models.PositiveIntegerField(_("批次号"))
    name = models.CharField(_("批次名称"), max_length=100)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    released_at = models.DateTimeField(_("放行时间"), null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("放行人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("审批批次")
        verbose_name_plural = _("审批批次")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["region", "number"], name="resumption_batch_number_unique")
        ]

    def __str__(self) -> str:
        return _("第%(n)d批 %(name)s") % {"n": self.number, "name": self.name}


class ResumptionApplication(models.Model):
    scope = _SCOPE

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("企业"),
        on_delete=models.PROTECT,
        related_name="resumption_applications",
    )
    kind = models.CharField(_("申请类型"), max_length=30, choices=ApplicationKind.choices)
    status = models.CharField(
        _("状态"), max_length=20, choices=ApplicationStatus.choices, default=ApplicationStatus.DRAFT
    )
    planned_start = models.DateTimeField(_("计划复工时间"), null=True, blank=True)
    reason = models.TextField(_("复工原因"), blank=True)
    scope_lines = models.JSONField(_("复工范围（产线）"), default=list, blank=True)
    resumption_mode = models.CharField(_("复工方式"), max_length=20, blank=True)
    commuting_arrangements = models.TextField(_("通勤安排"), blank=True)
    # Typed in until the roster (一人一档) exists: {"total", "by_district", "by_control_status",
    # "by_commute", "buses"}; see content.STAFF_SUMMARY_KEYS.
    staff_summary = models.JSONField(_("返岗人员情况"), default=dict, blank=True)
    plan_sections = models.JSONField(_("复工方案"), default=dict, blank=True)

    early_start_granted = models.BooleanField(_("已批准提前复工"), default=False)
    early_start_reason = models.CharField(_("提前复工批准理由"), max_length=500, blank=True)
    early_start_granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提前复工批准人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    early_start_granted_at = models.DateTimeField(_("提前复工批准时间"), null=True, blank=True)

    policy_version = models.ForeignKey(
        "policy.PolicyVersion",
        verbose_name=_("适用政策版本"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    revision = models.PositiveIntegerField(_("提交次数"), default=0)
    current_step_key = models.CharField(_("当前环节"), max_length=40, blank=True)
    priority_score = models.DecimalField(_("优先分"), max_digits=8, decimal_places=2, default=0)
    priority_reasons = models.JSONField(_("优先分构成"), default=list, blank=True)
    batch = models.ForeignKey(
        ApprovalBatch,
        verbose_name=_("审批批次"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="applications",
    )

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("填报人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    decided_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本号"), default=1)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("复工申请")
        verbose_name_plural = _("复工申请")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-priority_score", "submitted_at"], name="resumption_app_queue"),
            models.Index(fields=["enterprise", "-created_at"], name="resumption_app_firm"),
        ]
        constraints = [
            # One application going per firm: a retried "new application" cannot create a second one.
            models.UniqueConstraint(
                fields=["enterprise"],
                condition=Q(status__in=["draft", "in_review", "returned"]),
                name="resumption_one_open_application",
            )
        ]

    def __str__(self) -> str:
        return _("%(firm)s %(kind)s申请") % {"firm": self.enterprise.name, "kind": self.get_kind_display()}

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES


class ApplicationRevision(models.Model):
    """The whole application as submitted, one per submission, so every version stays comparable."""

    scope = _VIA_APPLICATION

    application = models.ForeignKey(
        ResumptionApplication, verbose_name=_("申请"), on_delete=models.CASCADE, related_name="revisions"
    )
    number = models.PositiveIntegerField(_("第几次提交"))
    content = models.JSONField(_("申请内容"))
    # The application's version it was taken from: a retried submit recognises itself by it.
    from_version = models.PositiveIntegerField(_("来源版本号"))
    policy_version = models.ForeignKey(
        "policy.PolicyVersion", verbose_name=_("政策版本"), on_delete=models.PROTECT, related_name="+"
    )
    priority_score = models.DecimalField(_("优先分"), max_digits=8, decimal_places=2, default=0)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("提交人"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("提交时间"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("申请版本")
        verbose_name_plural = _("申请版本")
        ordering = ["application", "number"]
        constraints = [
            models.UniqueConstraint(fields=["application", "number"], name="resumption_revision_unique")
        ]

    def __str__(self) -> str:
        return _("第%(n)d次提交") % {"n": self.number}

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableError("a submitted revision is never changed")
        super().save(*args, **kwargs)


# Document types outside any policy's vocabulary: a firm may always add "other" material. Every other
# type, and its Chinese name, comes from the policy's ``document_types``.
EXTRA_DOCUMENT_TYPES = (("other", _("其他材料")),)


def attachment_path(instance, filename: str) -> str:
    # The stored name is random; the name the firm gave is kept in ``original_name`` only, so that a
    # file name can neither collide nor walk out of the application's folder.
    return f"applications/{instance.application_id}/{filename}"


class Attachment(models.Model):
    scope = _VIA_APPLICATION

    application = models.ForeignKey(
        ResumptionApplication, verbose_name=_("申请"), on_delete=models.CASCADE, related_name="attachments"
    )
    # A key of the policy's ``document_types`` in force at upload (or of EXTRA_DOCUMENT_TYPES); its
    # name is kept with it, so the file still reads right after the policy renames or drops the type.
    doc_type = models.CharField(_("材料类型"), max_length=40)
    doc_type_name = models.CharField(_("材料类型名称"), max_length=100, blank=True)
    file = models.FileField(_("文件"), upload_to=attachment_path, max_length=255)
    original_name = models.CharField(_("文件名"), max_length=255)
    size = models.PositiveIntegerField(_("大小（字节）"))
    content_type = models.CharField(_("文件类型"), max_length=100)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)
    # Removed files stay on disk: an earlier revision that was reviewed with them still points at them.
    removed_at = models.DateTimeField(_("移除时间"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")
        ordering = ["application", "doc_type", "uploaded_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_doc_type_display()}：{self.original_name}"

    def get_doc_type_display(self) -> str:
        return self.doc_type_name or self.doc_type


class Commitment(models.Model):
    """One commitment item of the policy as the legal representative affirmed it."""

    scope = _VIA_APPLICATION

    application = models.ForeignKey(
        ResumptionApplication, verbose_name=_("申请"), on_delete=models.CASCADE, related_name="commitments"
    )
    code = models.CharField(_("编号"), max_length=40)
    group = models.CharField(_("分组"), max_length=40, blank=True)
    text = models.CharField(_("承诺内容"), max_length=500)
    affirmed_by_name = models.CharField(_("承诺人（法定代表人）"), max_length=50)
    affirmed_at = models.DateTimeField(_("承诺时间"), default=timezone.now)
    affirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("承诺事项")
        verbose_name_plural = _("承诺事项")
        ordering = ["application", "code"]
        constraints = [
            models.UniqueConstraint(fields=["application", "code"], name="resumption_commitment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.text[:30]}"


class StepMode(models.TextChoices):
    ALL = "all", _("联合（全部通过）")
    ANY = "any", _("任一方通过")


class StepStatus(models.TextChoices):
    WAITING = "waiting", _("待开始")
    ACTIVE = "active", _("办理中")
    PASSED = "passed", _("通过")
    RETURNED = "returned", _("退回修改")
    REJECTED = "rejected", _("不予批准")
    # Later steps of a revision that was returned or rejected before reaching them.
    CANCELLED = "cancelled", _("未进行")


class ReviewStep(models.Model):
    """One step of one revision's chain, copied from the policy at submission (SPEC §4)."""

    scope = _VIA_APPLICATION

    application = models.ForeignKey(
        ResumptionApplication, verbose_name=_("申请"), on_delete=models.CASCADE, related_name="steps"
    )
    revision = models.PositiveIntegerField(_("第几次提交"))
    order = models.PositiveSmallIntegerField(_("顺序"))
    key = models.CharField(_("环节代码"), max_length=40)
    name = models.CharField(_("环节名称"), max_length=100)
    # Participant tokens with the firm's own industry department already resolved ("dept:@industry"
    # becomes "dept:commerce"), so a later change of the firm's department does not move a step.
    participants = models.JSONField(_("参与方"))
    mode = models.CharField(_("方式"), max_length=3, choices=StepMode.choices)
    status = models.CharField(
        _("状态"), max_length=10, choices=StepStatus.choices, default=StepStatus.WAITING
    )
    # " town dept:health " — the participants still to act on an active step, space-delimited so the
    # queue can find them with one portable ``contains`` lookup.
    pending = models.CharField(max_length=500, blank=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("审核环节")
        verbose_name_plural = _("审核环节")
        ordering = ["application", "revision", "order"]
        constraints = [
            models.UniqueConstraint(fields=["application", "revision", "key"], name="resumption_step_unique")
        ]
        indexes = [models.Index(fields=["status", "application"], name="resumption_step_active")]

    def __str__(self) -> str:
        return self.name

    @property
    def pending_participants(self) -> list[str]:
        return self.pending.split()


class Decision(models.TextChoices):
    PASS = "pass", _("通过")
    RETURN = "return", _("退回修改")
    REJECT = "reject", _("不予批准")


class ReviewDecision(models.Model):
    scope = Scope(
        region_path="step__application__enterprise__town__path",
        department="step__application__enterprise__department",
        enterprise="step__application__enterprise",
    )

    step = models.ForeignKey(
        ReviewStep, verbose_name=_("环节"), on_delete=models.CASCADE, related_name="decisions"
    )
    participant = models.CharField(_("审核方"), max_length=60)
    decision = models.CharField(_("意见"), max_length=10, choices=Decision.choices)
    reasons = models.TextField(_("理由"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("审核人"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)
    batch = models.ForeignKey(
        ApprovalBatch,
        verbose_name=_("审批批次"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("审核意见")
        verbose_name_plural = _("审核意见")
        ordering = ["step", "at", "id"]
        constraints = [
            # Two officers of the same department acting at once: the database keeps exactly one.
            models.UniqueConstraint(
                fields=["step", "participant"], name="resumption_one_decision_per_participant"
            )
        ]

    def __str__(self) -> str:
        return f"{self.step} {self.participant} {self.get_decision_display()}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableError("a review decision is never changed")
        super().save(*args, **kwargs)


class CertificateStatus(models.TextChoices):
    VALID = "valid", _("有效")
    REVOKED = "revoked", _("已撤销")


class Certificate(models.Model):
    """The numbered resumption certificate an approval produces (SPEC §4)."""

    scope = _SCOPE

    application = models.OneToOneField(
        ResumptionApplication, verbose_name=_("申请"), on_delete=models.PROTECT, related_name="certificate"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("企业"),
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    number = models.CharField(_("证书编号"), max_length=60, unique=True)
    kind = models.CharField(_("类型"), max_length=30, choices=ApplicationKind.choices)
    issued_at = models.DateTimeField(_("发证时间"), default=timezone.now)
    valid_from = models.DateTimeField(_("有效期自"))
    valid_until = models.DateTimeField(_("有效期至"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=CertificateStatus.choices, default="valid")
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("撤销人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    revoke_reason = models.CharField(_("撤销原因"), max_length=500, blank=True)
    # The policy version the approval was checked against (its date gate, its chain).
    policy_version = models.ForeignKey(
        "policy.PolicyVersion",
        verbose_name=_("适用政策版本"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The public verify page's key: random, so certificates cannot be walked by guessing numbers.
    verify_token = models.CharField(_("核验码"), max_length=64, unique=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("复工证明")
        verbose_name_plural = _("复工证明")
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return self.number

    @property
    def is_valid(self) -> bool:
        return self.status == CertificateStatus.VALID


class CertificateSequence(models.Model):
    """The last number used per prefix and year; its row is locked while a number is taken."""

    prefix = models.CharField(max_length=40)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="resumption_cert_seq_unique")]

    def __str__(self) -> str:
        return f"{self.prefix} {self.year}: {self.last}"


class Notification(models.Model):
    """An in-app message to one user. Not scoped by region: a user reads only their own."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.CASCADE,
        related_name="resumption_notifications",
    )
    application = models.ForeignKey(
        ResumptionApplication,
        verbose_name=_("申请"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    event = models.CharField(_("事件"), max_length=40)
    message = models.CharField(_("内容"), max_length=500)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("消息通知")
        verbose_name_plural = _("消息通知")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at", "-created_at"], name="resumption_notif_inbox")
        ]

    def __str__(self) -> str:
        return self.message[:50]


# -- what an application contains -------------------------------------------------------------------------
# The plan's sections and the documents that need them are the policy's (``plan_sections``,
# ``document_types``, ``required_application_documents``); see ``selectors.required_sections``.


class ControlStatus(models.TextChoices):
    """Where a returning employee lives, by the residence control state."""

    SEALED = "sealed", _("封控区")
    CONTROLLED = "controlled", _("管控区")
    PRECAUTION = "precaution", _("防范区")
    NONE = "none", _("不在管控区域")
