"""Every write to resumption applications (SPEC §4, §11): checked, atomic, locked, audited, notified.

Each function checks the actor and the state, then in one transaction locks the application row
(``select_for_update``), writes, appends the audit entry and queues notifications for after commit.
Errors: Django ``ValidationError`` with {field: [Chinese message]}; ``PermissionDenied`` for acts
outside the actor's role, scope or turn; ``ResumptionConflict`` when someone else acted first (the
API answers 409).

Decisions that are documented here rather than in the notices:

- A return for revision sends the application back to the firm; its resubmission is a new revision
  whose chain starts again **from the first step**. Every reviewer signs off on the plan as it is,
  and a changed plan is a different plan (the first step checks the materials before later ones see
  them).
- A policy without a review chain (filing only) approves the application at submission. The date
  gate (``ResolvedPolicy.may_resume_at``) and the completeness checks still apply.
- What the plan consists of, which documents are required and what they are called are the policy's
  vocabularies (``plan_sections``, ``document_types``), checked against the policy in force.
- The task force's approval can be released in batches (分批): ``create_batch`` groups applications
  waiting for a task-force step, ``release_batch`` passes that step for all of them at once.
- Approval moves the firm's status through ``enterprises.services.change_status`` (resumed, or
  preparing for key-staff applications) and issues the numbered certificate.
"""

import datetime as dt
import hashlib
import re
import secrets
import uuid
from pathlib import PurePath

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fugong.accounts.roles import can
from fugong.audit.services import diff, record, snapshot
from fugong.core.dates import format_datetime
from fugong.enterprises import services as enterprise_services
from fugong.enterprises.models import EnterpriseStatus, ResumptionMode
from fugong.policy.selectors import NoPolicyError, policy_for
from fugong.resumption import chain, priority, selectors
from fugong.resumption.models import (
    EDITABLE_STATUSES,
    OPEN_STATUSES,
    ApplicationKind,
    ApplicationRevision,
    ApplicationStatus,
    ApprovalBatch,
    Attachment,
    Certificate,
    CertificateSequence,
    CertificateStatus,
    Commitment,
    ControlStatus,
    Decision,
    ResumptionApplication,
    ReviewDecision,
    ReviewStep,
    StepStatus,
)
from fugong.resumption.notifications import firm_user_ids, notify, participant_user_ids

CONTENT_FIELDS = [
    "kind",
    "planned_start",
    "reason",
    "scope_lines",
    "resumption_mode",
    "commuting_arrangements",
    "staff_summary",
    "plan_sections",
]
FIELD_LABELS = {
    "kind": gettext_lazy("申请类型"),
    "planned_start": gettext_lazy("计划复工时间"),
    "reason": gettext_lazy("复工原因"),
    "scope_lines": gettext_lazy("复工范围（产线）"),
    "resumption_mode": gettext_lazy("复工方式"),
    "commuting_arrangements": gettext_lazy("通勤安排"),
    "staff_summary": gettext_lazy("返岗人员情况"),
    "plan_sections": gettext_lazy("复工方案"),
}
STAFF_SUMMARY_KEYS = ("total", "by_district", "by_control_status", "by_commute", "buses")
ALLOWED_EXTENSIONS = ("pdf", "jpg", "jpeg", "png", "doc", "docx", "xls", "xlsx")
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
# The first bytes each allowed kind of file starts with: a renamed .exe is refused, not stored.
_MAGIC = {
    "pdf": (b"%PDF",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
    "doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    "xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
}
_CONTENT_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class ResumptionConflict(Exception):
    """Someone else acted on the application first; acting now would act on what the actor never saw."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# -- small helpers ------------------------------------------------------------------------------------------


def _now():
    return timezone.now()


def _fmt(moment) -> str:
    return format_datetime(moment)


def _who(user) -> str:
    return user.display_name if getattr(user, "pk", None) else _("系统")


def _snapshot(application) -> dict:
    return snapshot(application, CONTENT_FIELDS) | {
        "status": application.status,
        "version": application.version,
        "revision": application.revision,
        "current_step_key": application.current_step_key,
        "early_start_granted": application.early_start_granted,
        "priority_score": application.priority_score,
        "batch": application.batch_id,
    }


def _lock(application) -> ResumptionApplication:
    return (
        ResumptionApplication.objects.select_for_update(of=("self",))
        .select_related("enterprise__town", "enterprise__department")
        .get(pk=application.pk)
    )


def _check_visible(actor, application) -> None:
    if not ResumptionApplication.objects.visible_to(actor).filter(pk=application.pk).exists():
        raise PermissionDenied(_("该复工申请不在您的管辖范围内。"))


def _check_own_firm(actor, enterprise) -> None:
    """Applications are filed by the firm itself: its own enterprise officer."""
    if not can(actor, "resumption.apply") or actor.enterprise_id != enterprise.pk:
        raise PermissionDenied(_("只有本企业的防疫专员可以填报和修改复工申请。"))


def _check_editable(application) -> None:
    if application.status not in EDITABLE_STATUSES:
        raise ValidationError(
            {
                "status": [
                    _("申请当前为「%(status)s」，不能修改；只有草稿或退回修改的申请可以修改")
                    % {"status": application.get_status_display()}
                ]
            }
        )


def _policy(application, on_date=None):
    try:
        return policy_for(application.enterprise.town, on_date)
    except NoPolicyError as exc:
        raise ValidationError({"policy": [str(exc)]}) from exc


def _expected_version(value) -> int:
    if value in (None, ""):
        raise ValidationError({"version": [_("缺少版本号，无法确认您修改的是最新内容，请刷新后重试")]})
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationError({"version": [_("版本号必须是整数")]}) from None


# -- content --------------------------------------------------------------------------------------------------


def _as_datetime(value):
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time.min)
    else:
        text = str(value).strip()
        moment = parse_datetime(text)
        if moment is None:
            day = parse_date(text)
            if day is None:
                raise ValueError(text)
            moment = dt.datetime.combine(day, dt.time.min)
    if timezone.is_naive(moment):
        # People write Beijing time; a bare date is the start of that day.
        moment = timezone.make_aware(moment)
    return moment


def _non_negative_counts(value, label, allowed_keys, errors, key_label=None):
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        errors.append(_("%(label)s须为“类别: 人数”的对照表") % {"label": label})
        return {}
    out = {}
    for key, count in value.items():
        name = str(key).strip()
        if allowed_keys is not None and name not in allowed_keys:
            errors.append(
                _("%(label)s中的「%(key)s」无效，可选：%(opts)s")
                % {
                    "label": label,
                    "key": name,
                    "opts": "、".join(f"{k}（{v}）" for k, v in allowed_keys.items()),
                }
            )
            continue
        if not name or len(name) > 50:
            errors.append(_("%(label)s中的名称须为1–50个字") % {"label": label})
            continue
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            errors.append(
                _("%(label)s中「%(key)s」的人数须为不小于0的整数")
                % {"label": label, "key": key_label(name) if key_label else name}
            )
            continue
        out[name] = count
    return out


def clean_staff_summary(value) -> tuple[dict, list[str]]:
    """The returning-staff summary in its stored shape, and what is wrong with its form.

    ``{"total": 120, "by_district": {"甲县": 100, "乙区": 20}, "by_control_status": {"precaution": 20,
    "none": 100}, "by_commute": {"closed_in_plant": 80, "point_to_point": 40}, "buses": {"count": 2,
    "seats_per_bus": 30, "routes": "…"}}``. Whether the parts add up is checked at submission, so
    that a half-typed draft can be saved.
    """
    errors: list[str] = []
    if value in (None, ""):
        return {}, errors
    if not isinstance(value, dict):
        return {}, [_("返岗人员情况格式不正确")]
    unknown = sorted(set(value) - set(STAFF_SUMMARY_KEYS))
    if unknown:
        errors.append(_("返岗人员情况含有未知项：%(keys)s") % {"keys": "、".join(unknown)})
    out: dict = {}
    total = value.get("total")
    if total not in (None, ""):
        if isinstance(total, bool) or not isinstance(total, int) or total < 0:
            errors.append(_("返岗总人数须为不小于0的整数"))
        else:
            out["total"] = total
    controls = dict(ControlStatus.choices)
    commutes = dict(ResumptionMode.choices)
    parts = {
        "by_district": (_("按所在区县统计"), None),
        "by_control_status": (_("按居住地管控状态统计"), controls),
        "by_commute": (_("按通勤方式统计"), commutes),
    }
    for key, (label, allowed) in parts.items():
        counts = _non_negative_counts(
            value.get(key),
            label,
            {k: str(v) for k, v in allowed.items()} if allowed else None,
            errors,
            key_label=(lambda k, a=allowed: str(a.get(k, k))) if allowed else None,
        )
        if counts:
            out[key] = counts
    buses = value.get("buses")
    if buses not in (None, ""):
        if not isinstance(buses, dict) or set(buses) - {"count", "seats_per_bus", "routes"}:
            errors.append(_("班车需求须包含 count（班车数）、seats_per_bus（每车人数）、routes（线路）"))
        else:
            clean = {}
            for key, label in (("count", _("班车数")), ("seats_per_bus", _("每车乘坐人数"))):
                n = buses.get(key)
                if n in (None, ""):
                    continue
                if isinstance(n, bool) or not isinstance(n, int) or n < 0:
                    errors.append(_("%(label)s须为不小于0的整数") % {"label": label})
                else:
                    clean[key] = n
            routes = str(buses.get("routes") or "").strip()
            if len(routes) > 1000:
                errors.append(_("班车线路不能超过1000字"))
            elif routes:
                clean["routes"] = routes
            if clean:
                out["buses"] = clean
    return out, errors


def clean_content(data: dict, sections: dict[str, str] | None = None) -> dict:
    """The application fields from ``data`` in stored form; ValidationError naming each bad field.

    ``sections`` are the plan sections the policy in force defines (key → name); plan text is only
    accepted for those."""
    errors: dict[str, list[str]] = {}
    out: dict = {}

    def add(name, message):
        errors.setdefault(name, []).append(str(message))

    for name in sorted(set(data) - set(CONTENT_FIELDS)):
        add(name, _("「%(field)s」不能在复工申请中填写") % {"field": name})
    if "kind" in data:
        if data["kind"] not in ApplicationKind.values:
            add(
                "kind",
                _("申请类型无效，可选：%(opts)s")
                % {"opts": "、".join(str(label) for label in ApplicationKind.labels)},
            )
        else:
            out["kind"] = data["kind"]
    if "planned_start" in data:
        try:
            out["planned_start"] = _as_datetime(data["planned_start"])
        except (ValueError, TypeError):
            add("planned_start", _("计划复工时间格式不正确，例如 2020-02-10 08:00"))
    for name, limit in (("reason", 2000), ("commuting_arrangements", 2000)):
        if name in data:
            text = "" if data[name] is None else str(data[name]).strip()
            if len(text) > limit:
                add(name, _("%(field)s不能超过%(n)d字") % {"field": FIELD_LABELS[name], "n": limit})
            else:
                out[name] = text
    if "scope_lines" in data:
        raw = data["scope_lines"] or []
        if isinstance(raw, str):
            raw = raw.splitlines()
        if not isinstance(raw, list | tuple):
            add("scope_lines", _("复工范围（产线）须为产线名称的列表"))
        else:
            lines = [str(line).strip() for line in raw if str(line or "").strip()]
            if len(lines) > 50:
                add("scope_lines", _("复工范围（产线）最多50条"))
            elif any(len(line) > 200 for line in lines):
                add("scope_lines", _("每条产线不能超过200字"))
            else:
                out["scope_lines"] = lines
    if "resumption_mode" in data:
        mode = data["resumption_mode"] or ""
        if mode and mode not in ResumptionMode.values:
            add(
                "resumption_mode",
                _("复工方式无效，可选：%(opts)s")
                % {"opts": "、".join(str(label) for label in ResumptionMode.labels)},
            )
        else:
            out["resumption_mode"] = mode
    if "staff_summary" in data:
        summary, problems = clean_staff_summary(data["staff_summary"])
        for problem in problems:
            add("staff_summary", problem)
        if not problems:
            out["staff_summary"] = summary
    if "plan_sections" in data:
        raw = data["plan_sections"] or {}
        labels = sections or {}
        if not isinstance(raw, dict):
            add("plan_sections", _("复工方案须为“部分: 内容”的对照表"))
        else:
            filled = {}
            for key, text in raw.items():
                if key not in labels and not str(text or "").strip():
                    continue  # clearing a section the policy no longer has
                if key not in labels:
                    add(
                        "plan_sections",
                        _("现行政策的复工方案没有「%(key)s」这一部分；可填写：%(opts)s")
                        % {"key": key, "opts": "、".join(labels.values()) or _("无")},
                    )
                    continue
                text = "" if text is None else str(text).strip()
                if len(text) > 5000:
                    add(
                        "plan_sections", _("复工方案「%(section)s」不能超过5000字") % {"section": labels[key]}
                    )
                elif text:
                    filled[key] = text
            out["plan_sections"] = filled
    if errors:
        raise ValidationError(errors)
    return out


def _sections_for(enterprise, data: dict) -> dict[str, str] | None:
    """The plan sections of the policy in force for the firm, when ``data`` has plan text to check."""
    if "plan_sections" not in data:
        return None
    try:
        policy = policy_for(enterprise.town)
    except NoPolicyError as exc:
        raise ValidationError({"policy": [str(exc)]}) from exc
    return selectors.section_names(policy.parameters)


# -- drafts --------------------------------------------------------------------------------------------------


def _open_application_error(existing) -> ValidationError:
    return ValidationError(
        {
            "enterprise": [
                _("本企业已有未办结的复工申请（%(kind)s，%(status)s），请继续办理该申请")
                % {"kind": existing.get_kind_display(), "status": existing.get_status_display()}
            ]
        }
    )


def create_draft(actor, enterprise, data: dict) -> ResumptionApplication:
    """A new draft for the actor's own firm. A firm has at most one application going at a time, so a
    retried request cannot create a second one."""
    _check_own_firm(actor, enterprise)
    data = dict(data or {})
    if not data.get("kind"):
        raise ValidationError({"kind": [_("申请类型不能为空")]})
    content = clean_content(data, _sections_for(enterprise, data))
    message = selectors.kind_status_message(content["kind"], enterprise)
    if message:
        raise ValidationError({"kind": [message]})
    existing = ResumptionApplication.objects.filter(enterprise=enterprise, status__in=OPEN_STATUSES).first()
    if existing is not None:
        raise _open_application_error(existing)
    application = ResumptionApplication(enterprise=enterprise, created_by=actor, **content)
    try:
        with transaction.atomic():
            application.save()
            record(actor, "resumption.create", application, after=_snapshot(application))
    except IntegrityError:
        existing = ResumptionApplication.objects.filter(
            enterprise=enterprise, status__in=OPEN_STATUSES
        ).first()
        raise _open_application_error(existing) from None
    return application


def update_draft(actor, application, data: dict, expected_version) -> ResumptionApplication:
    """Change a draft or returned application that is still at ``expected_version``."""
    _check_own_firm(actor, application.enterprise)
    expected = _expected_version(expected_version)
    data = dict(data or {})
    content = clean_content(data, _sections_for(application.enterprise, data))
    with transaction.atomic():
        locked = _lock(application)
        _check_editable(locked)
        current = {name: getattr(locked, name) for name in content}
        if locked.version != expected:
            # A retried save that already went through changes nothing, so it is not a conflict.
            if expected == locked.version - 1 and current == content:
                return locked
            raise ResumptionConflict(
                _(
                    "该申请已被他人修改（您打开的是第%(expected)d版，当前为第%(current)d版）。请刷新后核对再修改。"
                )
                % {"expected": expected, "current": locked.version}
            )
        if "kind" in content:
            message = selectors.kind_status_message(content["kind"], locked.enterprise)
            if message:
                raise ValidationError({"kind": [message]})
        if current == content:
            return locked
        before = _snapshot(locked)
        for name, value in content.items():
            setattr(locked, name, value)
        locked.version += 1
        locked.save()
        old, new = diff(before, _snapshot(locked))
        record(actor, "resumption.update", locked, before=old, after=new)
    return locked


# -- attachments ------------------------------------------------------------------------------------------------


def _extension(name: str) -> str:
    suffix = PurePath(name or "").suffix.lower().lstrip(".")
    return suffix


def validate_upload(doc_type: str, upload, types: dict[str, str]) -> tuple[str, bytes]:
    """(extension, content) of an acceptable upload; ValidationError naming the rule otherwise.
    ``types`` are the document types the policy in force names (``selectors.document_types``)."""
    errors: dict[str, list[str]] = {}
    if doc_type not in types:
        errors["doc_type"] = [_("材料类型无效，可选：%(opts)s") % {"opts": "、".join(types.values())}]
    name = getattr(upload, "name", "") or ""
    ext = _extension(name)
    if upload is None:
        errors["file"] = [_("请选择要上传的文件")]
    elif ext not in ALLOWED_EXTENSIONS:
        errors["file"] = [
            _("文件「%(name)s」的类型不允许上传，只接受：%(exts)s")
            % {"name": name, "exts": "、".join(ALLOWED_EXTENSIONS)}
        ]
    elif upload.size > MAX_ATTACHMENT_BYTES:
        errors["file"] = [
            _("文件「%(name)s」大小为%(size).1fMB，超过%(max)dMB的上限")
            % {"name": name, "size": upload.size / 1024 / 1024, "max": MAX_ATTACHMENT_BYTES // 1024 // 1024}
        ]
    elif upload.size == 0:
        errors["file"] = [_("文件「%(name)s」是空文件") % {"name": name}]
    if errors:
        raise ValidationError(errors)
    upload.seek(0)
    content = upload.read()
    if not content.startswith(_MAGIC[ext]):
        raise ValidationError(
            {
                "file": [
                    _("文件「%(name)s」的内容与扩展名.%(ext)s不符，请上传原始文件")
                    % {"name": name, "ext": ext}
                ]
            }
        )
    return ext, content


def add_attachment(actor, application, doc_type: str, upload) -> Attachment:
    """Store one document. Uploading the same file for the same type again returns the first one."""
    _check_own_firm(actor, application.enterprise)
    types = selectors.document_types(_policy(application).parameters)
    ext, content = validate_upload(doc_type, upload, types)
    digest = hashlib.sha256(content).hexdigest()
    original = PurePath(upload.name).name[:255]
    with transaction.atomic():
        locked = _lock(application)
        _check_editable(locked)
        same = locked.attachments.filter(doc_type=doc_type, sha256=digest, removed_at__isnull=True).first()
        if same is not None:
            return same
        attachment = Attachment(
            application=locked,
            doc_type=doc_type,
            doc_type_name=types[doc_type],
            original_name=original,
            size=len(content),
            content_type=_CONTENT_TYPES[ext],
            sha256=digest,
            uploaded_by=actor,
        )
        attachment.file.save(f"{uuid.uuid4().hex}.{ext}", ContentFile(content), save=False)
        attachment.save()
        record(
            actor,
            "resumption.attachment.add",
            locked,
            after={
                "attachment": attachment.pk,
                "doc_type": doc_type,
                "name": original,
                "size": len(content),
                "sha256": digest,
            },
        )
    return attachment


def remove_attachment(actor, attachment) -> Attachment:
    """Take a document out of the application; the file stays for the revisions that cite it."""
    application = attachment.application
    _check_own_firm(actor, application.enterprise)
    with transaction.atomic():
        locked = _lock(application)
        _check_editable(locked)
        current = Attachment.objects.select_for_update().get(pk=attachment.pk)
        if current.removed_at is not None:
            return current
        current.removed_at = _now()
        current.save(update_fields=["removed_at"])
        record(
            actor,
            "resumption.attachment.remove",
            locked,
            before={"attachment": current.pk, "doc_type": current.doc_type, "name": current.original_name},
        )
    return current


# -- commitments ---------------------------------------------------------------------------------------------------


def _person_name(value) -> str:
    return re.sub(r"\s+", "", str(value or ""))


def affirm_commitments(actor, application, codes, affirmed_by_name: str) -> list[Commitment]:
    """The legal representative affirms the policy's commitment items ``codes`` by name. The name
    must be the firm's registered legal representative. Affirming again with the same wording changes
    nothing."""
    _check_own_firm(actor, application.enterprise)
    codes = list(dict.fromkeys(str(c) for c in codes or []))
    if not codes:
        raise ValidationError({"codes": [_("请选择要确认的承诺事项")]})
    name = _person_name(affirmed_by_name)
    firm = application.enterprise
    if not name:
        raise ValidationError({"affirmed_by_name": [_("承诺人姓名不能为空，须由法定代表人本人确认")]})
    if name != _person_name(firm.legal_representative):
        raise ValidationError(
            {
                "affirmed_by_name": [
                    _("承诺人「%(name)s」不是本企业登记的法定代表人，承诺须由法定代表人本人确认")
                    % {"name": name}
                ]
            }
        )
    policy = _policy(application)
    items = {c.code: c for c in policy.parameters.commitments or ()}
    unknown = [c for c in codes if c not in items]
    if unknown:
        raise ValidationError(
            {
                "codes": [
                    _("%(policy)s没有这些承诺事项：%(codes)s")
                    % {"policy": policy.label, "codes": "、".join(unknown)}
                ]
            }
        )
    now = _now()
    out = []
    with transaction.atomic():
        locked = _lock(application)
        _check_editable(locked)
        changed = []
        for code in codes:
            item = items[code]
            existing = Commitment.objects.filter(application=locked, code=code).first()
            if existing is not None and existing.text == item.text and existing.affirmed_by_name == name:
                out.append(existing)
                continue
            commitment, _created = Commitment.objects.update_or_create(
                application=locked,
                code=code,
                defaults={
                    "group": item.group,
                    "text": item.text,
                    "affirmed_by_name": name,
                    "affirmed_at": now,
                    "affirmed_by": actor,
                },
            )
            out.append(commitment)
            changed.append(code)
        if changed:
            record(
                actor,
                "resumption.commitment.affirm",
                locked,
                after={
                    "codes": changed,
                    "affirmed_by_name": name,
                    "affirmed_at": now,
                    "policy_version": policy.version_id,
                },
            )
    return out


def affirm_commitment(actor, application, code: str, affirmed_by_name: str) -> Commitment:
    return affirm_commitments(actor, application, [code], affirmed_by_name)[0]


# -- submission and the chain --------------------------------------------------------------------------------


def _activate(step: ReviewStep, now) -> None:
    step.status = StepStatus.ACTIVE
    step.pending = chain.pending_field(step.participants)
    step.started_at = now
    step.save(update_fields=["status", "pending", "started_at"])


def _build_steps(application, policy, now) -> list[ReviewStep]:
    steps = [
        ReviewStep(
            application=application,
            revision=application.revision,
            order=n,
            key=step.key,
            name=step.name,
            participants=chain.resolve_participants(step.participants, application.enterprise),
            mode=step.mode,
        )
        for n, step in enumerate(policy.parameters.review_chain or (), start=1)
    ]
    ReviewStep.objects.bulk_create(steps)
    return list(
        ReviewStep.objects.filter(application=application, revision=application.revision).order_by("order")
    )


def resubmit(actor, application, expected_version=None) -> ResumptionApplication:
    """Submit a returned application again: a new revision whose chain starts from the first step."""
    if application.status == ApplicationStatus.DRAFT:
        raise ValidationError({"status": [_("草稿尚未提交过，请直接提交")]})
    return submit(actor, application, expected_version)


def submit(actor, application, expected_version=None) -> ResumptionApplication:
    """Submit a draft, or resubmit a returned application, under the policy in force today.

    Checks everything the policy requires and reports every missing item at once; nothing is saved
    unless all is in order. A retry of a submission that went through returns the application as is.
    """
    _check_own_firm(actor, application.enterprise)
    now = _now()
    with transaction.atomic():
        locked = _lock(application)
        if locked.status not in EDITABLE_STATUSES:
            last = locked.revisions.order_by("-number").first()
            retried = last is not None and expected_version in (None, "", last.from_version)
            if retried and locked.status in (ApplicationStatus.IN_REVIEW, ApplicationStatus.APPROVED):
                return locked
            _check_editable(locked)
        if expected_version not in (None, "") and locked.version != _expected_version(expected_version):
            raise ResumptionConflict(
                _(
                    "该申请已被他人修改（您打开的是第%(expected)s版，当前为第%(current)d版）。请刷新后核对再提交。"
                )
                % {"expected": expected_version, "current": locked.version}
            )
        policy = _policy(locked)
        errors = selectors.submission_errors(locked, policy)
        if errors:
            raise ValidationError(errors)
        before = _snapshot(locked)
        resubmission = locked.status == ApplicationStatus.RETURNED
        score = priority.compute(locked, policy)
        locked.revision += 1
        ApplicationRevision.objects.create(
            application=locked,
            number=locked.revision,
            content=selectors.revision_content(locked),
            from_version=locked.version,
            policy_version_id=policy.version_id,
            priority_score=score.score,
            submitted_by=actor,
            submitted_at=now,
        )
        locked.status = ApplicationStatus.IN_REVIEW
        locked.policy_version_id = policy.version_id
        locked.priority_score = score.score
        locked.priority_reasons = score.reasons
        locked.submitted_at = now
        locked.decided_at = None
        locked.version += 1
        steps = _build_steps(locked, policy, now)
        locked.current_step_key = steps[0].key if steps else ""
        locked.save()
        old, new = diff(before, _snapshot(locked))
        record(
            actor,
            "resumption.resubmit" if resubmission else "resumption.submit",
            locked,
            before=old,
            after=new | {"policy_version": policy.version_id, "priority_reasons": score.reasons},
            note=_("第%(n)d次提交") % {"n": locked.revision},
        )
        firm = locked.enterprise
        if steps:
            _activate(steps[0], now)
            notify(
                locked,
                participant_user_ids(steps[0], firm),
                "turn",
                _("「%(firm)s」的%(kind)s申请待您办理：%(step)s")
                % {"firm": firm.name, "kind": locked.get_kind_display(), "step": steps[0].name},
            )
            notify(
                locked,
                firm_user_ids(firm),
                "submitted",
                _("复工申请已提交（第%(n)d次），进入「%(step)s」环节")
                % {"n": locked.revision, "step": steps[0].name},
            )
        else:
            # Filing only: the complete submission is the approval.
            _approve(
                actor,
                locked,
                now,
                note=_("%(policy)s未设审批流程，报备即准予复工") % {"policy": policy.label},
            )
    return locked


def _conflict_on_step(application, step_key: str) -> ResumptionConflict:
    step = (
        ReviewStep.objects.filter(application=application, key=step_key)
        .order_by("-revision")
        .prefetch_related("decisions__actor")
        .first()
    )
    last = step.decisions.order_by("-at", "-id").first() if step is not None else None
    where = (
        _("申请当前在「%(step)s」环节") % {"step": selectors.active_step(application).name}
        if application.status == ApplicationStatus.IN_REVIEW and selectors.active_step(application)
        else _("申请当前状态为「%(status)s」") % {"status": application.get_status_display()}
    )
    if last is not None:
        return ResumptionConflict(
            _("该环节已由%(who)s于%(at)s处理（%(decision)s），%(where)s。请刷新后查看。")
            % {
                "who": _who(last.actor),
                "at": _fmt(last.at),
                "decision": last.get_decision_display(),
                "where": where,
            }
        )
    return ResumptionConflict(_("该申请已不在您打开时的环节，%(where)s。请刷新后查看。") % {"where": where})


def _decide_locked(actor, locked, decision, reasons, expected_step_key, now, batch=None) -> ReviewDecision:
    firm = locked.enterprise
    if locked.status != ApplicationStatus.IN_REVIEW or locked.current_step_key != expected_step_key:
        raise _conflict_on_step(locked, expected_step_key)
    step = ReviewStep.objects.select_for_update().get(
        application=locked, revision=locked.revision, key=locked.current_step_key
    )
    tokens = chain.acting_tokens(actor, step, firm)
    if not tokens:
        already = step.decisions.filter(participant=chain.token_of(actor)).select_related("actor").first()
        if already is not None:
            raise ResumptionConflict(
                _("「%(step)s」中%(who)s的意见已由%(actor)s于%(at)s提交（%(decision)s），不能重复办理。")
                % {
                    "step": step.name,
                    "who": chain.label(already.participant),
                    "actor": _who(already.actor),
                    "at": _fmt(already.at),
                    "decision": already.get_decision_display(),
                }
            )
        raise PermissionDenied(
            _("「%(step)s」环节由%(who)s办理，您不是该环节的审核方。")
            % {"step": step.name, "who": "、".join(chain.label(t) for t in step.participants)}
        )
    token = tokens[0]
    if token == "enterprise" and decision != Decision.PASS:
        raise ValidationError({"decision": [_("企业在「%(step)s」环节只能确认承诺") % {"step": step.name}]})
    try:
        with transaction.atomic():
            made = ReviewDecision.objects.create(
                step=step,
                participant=token,
                decision=decision,
                reasons=reasons,
                actor=actor,
                at=now,
                batch=batch,
            )
    except IntegrityError:
        raise _conflict_on_step(locked, expected_step_key) from None

    before = _snapshot(locked)
    pending = [t for t in step.pending_participants if t != token]
    who = chain.label(token)
    if decision == Decision.PASS and pending and step.mode == "all":
        step.pending = chain.pending_field(pending)
        step.save(update_fields=["pending"])
        notify(
            locked,
            firm_user_ids(firm),
            "passed",
            _("「%(step)s」：%(who)s已审核通过，尚待%(rest)s")
            % {"step": step.name, "who": who, "rest": "、".join(chain.label(t) for t in pending)},
        )
        action = "resumption.pass"
    elif decision == Decision.PASS:
        step.status, step.pending, step.finished_at = StepStatus.PASSED, "", now
        step.save(update_fields=["status", "pending", "finished_at"])
        following = (
            ReviewStep.objects.filter(application=locked, revision=locked.revision, order__gt=step.order)
            .order_by("order")
            .first()
        )
        action = "resumption.pass"
        if following is not None:
            locked.current_step_key = following.key
            _activate(following, now)
            notify(
                locked,
                participant_user_ids(following, firm),
                "turn",
                _("「%(firm)s」的%(kind)s申请待您办理：%(step)s")
                % {"firm": firm.name, "kind": locked.get_kind_display(), "step": following.name},
            )
            notify(
                locked,
                firm_user_ids(firm),
                "passed",
                _("「%(step)s」已通过，进入「%(next)s」环节") % {"step": step.name, "next": following.name},
            )
    else:
        returned = decision == Decision.RETURN
        step.status = StepStatus.RETURNED if returned else StepStatus.REJECTED
        step.pending, step.finished_at = "", now
        step.save(update_fields=["status", "pending", "finished_at"])
        ReviewStep.objects.filter(
            application=locked, revision=locked.revision, status=StepStatus.WAITING
        ).update(status=StepStatus.CANCELLED)
        locked.status = ApplicationStatus.RETURNED if returned else ApplicationStatus.REJECTED
        locked.current_step_key = ""
        locked.batch = None
        if not returned:
            locked.decided_at = now
        action = "resumption.return" if returned else "resumption.reject"
        notify(
            locked,
            firm_user_ids(firm),
            "returned" if returned else "rejected",
            (
                _("复工申请在「%(step)s」被%(who)s退回修改：%(reasons)s")
                if returned
                else _("复工申请在「%(step)s」被%(who)s决定不予批准：%(reasons)s")
            )
            % {"step": step.name, "who": who, "reasons": reasons},
        )
    locked.version += 1
    locked.save()
    old, new = diff(before, _snapshot(locked))
    record(
        actor,
        action,
        locked,
        before=old,
        after=new
        | {
            "step": step.key,
            "participant": token,
            "decision": decision,
            "batch": batch.pk if batch else None,
        },
        note=f"{step.name}：{who} {Decision(decision).label}" + (f"（{reasons}）" if reasons else ""),
    )
    if decision == Decision.PASS and step.status == StepStatus.PASSED and locked.current_step_key == step.key:
        _approve(actor, locked, now, note=_("「%(step)s」通过，审批完成") % {"step": step.name})
    return made


def decide(actor, application, decision: str, reasons: str, expected_step_key: str) -> ReviewDecision:
    """Pass, return for revision or reject the application at its active step.

    ``expected_step_key`` is the step the reviewer had in front of them; if the application moved on
    (another reviewer acted first), this raises ResumptionConflict and records nothing. Return and
    reject need reasons; the firm's own step (a commitment it signs) can only pass.
    """
    if decision not in Decision.values:
        raise ValidationError(
            {
                "decision": [
                    _("审核意见无效，可选：%(opts)s")
                    % {"opts": "、".join(str(label) for label in Decision.labels)}
                ]
            }
        )
    reasons = (reasons or "").strip()
    if decision != Decision.PASS and not reasons:
        raise ValidationError({"reasons": [_("退回修改或不予批准时必须写明理由")]})
    if len(reasons) > 2000:
        raise ValidationError({"reasons": [_("理由不能超过2000字")]})
    if not expected_step_key:
        raise ValidationError({"expected_step_key": [_("缺少当前环节代码，请刷新后重试")]})
    _check_visible(actor, application)
    with transaction.atomic():
        locked = _lock(application)
        return _decide_locked(actor, locked, decision, reasons, expected_step_key, _now())


def _target_status(application) -> str:
    if application.kind == ApplicationKind.KEY_STAFF_PREPARATION:
        return EnterpriseStatus.PREPARING
    return EnterpriseStatus.RESUMED


def _approve(actor, locked, now, *, note: str) -> None:
    """The chain is through: check the date once more, move the firm, issue the certificate."""
    policy = _policy(locked)
    message = selectors.date_gate_message(locked, policy)
    if message:
        raise ValidationError({"planned_start": [message]})
    firm = locked.enterprise
    target = _target_status(locked)
    # A backfill for a firm already recorded as working, or key-staff preparation of a firm that has
    # since resumed, leaves the status where it is.
    if firm.status != target and not (
        target == EnterpriseStatus.PREPARING and firm.status == EnterpriseStatus.RESUMED
    ):
        enterprise_services.change_status(
            actor if getattr(actor, "pk", None) else None,
            firm,
            target,
            _("复工申请批准（%(kind)s）") % {"kind": locked.get_kind_display()},
            workflow="resumption",
        )
    before = _snapshot(locked)
    locked.status = ApplicationStatus.APPROVED
    locked.current_step_key = ""
    locked.decided_at = now
    locked.version += 1
    locked.save()
    certificate = _issue_certificate(actor, locked, policy, now)
    old, new = diff(before, _snapshot(locked))
    record(
        actor,
        "resumption.approve",
        locked,
        before=old,
        after=new | {"certificate": certificate.number, "policy_version": policy.version_id},
        note=note,
    )
    notify(
        locked,
        firm_user_ids(firm),
        "approved",
        _("复工申请已批准，复工证明编号：%(number)s") % {"number": certificate.number},
    )


# -- certificates ---------------------------------------------------------------------------------------------

_REGION_SUFFIXES = (
    "特别行政区",
    "自治州",
    "自治县",
    "自治旗",
    "街道",
    "地区",
    "盟",
    "省",
    "市",
    "区",
    "县",
    "旗",
    "镇",
    "乡",
)


def short_region_name(name: str) -> str:
    """某某市 → 某某, 某某区 → 某某; a two-character name such as 城区 is kept whole."""
    for suffix in _REGION_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def next_number(prefix: str, year: int) -> int:
    """The next number of a sequence, taken on a locked row so that concurrent takers never share one."""
    with transaction.atomic():
        sequence = CertificateSequence.objects.select_for_update().filter(prefix=prefix, year=year).first()
        if sequence is None:
            try:
                with transaction.atomic():
                    sequence = CertificateSequence.objects.create(prefix=prefix, year=year)
            except IntegrityError:
                pass
            sequence = CertificateSequence.objects.select_for_update().get(prefix=prefix, year=year)
        sequence.last += 1
        sequence.save(update_fields=["last"])
        return sequence.last


def _issue_certificate(actor, application, policy, now) -> Certificate:
    short = short_region_name(policy.source_region_name)
    year = timezone.localtime(now).year
    number = next_number(f"certificate:{short}", year)
    certificate = Certificate.objects.create(
        application=application,
        enterprise=application.enterprise,
        # A stored official number, never translated: it must read the same for every reader.
        number=f"{short}复工〔{year}〕{number:05d}号",
        kind=application.kind,
        issued_at=now,
        valid_from=max(application.planned_start or now, now),
        status=CertificateStatus.VALID,
        policy_version_id=policy.version_id,
        verify_token=secrets.token_urlsafe(18),
    )
    record(
        actor,
        "resumption.certificate.issue",
        certificate,
        after={
            "number": certificate.number,
            "application": application.pk,
            "valid_from": certificate.valid_from,
            "policy_version": policy.version_id,
        },
    )
    return certificate


def revoke_certificate(actor, certificate, reason: str) -> Certificate:
    """Revoke a certificate (a logged step); the public verify page then shows it as revoked."""
    if not can(actor, "resumption.certificate.revoke"):
        raise PermissionDenied(_("您没有撤销复工证明的权限。"))
    if not Certificate.objects.visible_to(actor).filter(pk=certificate.pk).exists():
        raise PermissionDenied(_("该复工证明不在您的管辖范围内。"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("撤销原因不能为空")]})
    if len(reason) > 500:
        raise ValidationError({"reason": [_("撤销原因不能超过500字")]})
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().select_related("enterprise").get(pk=certificate.pk)
        if locked.status == CertificateStatus.REVOKED:
            if locked.revoke_reason == reason:
                return locked
            raise ResumptionConflict(
                _("该复工证明已由%(who)s于%(at)s撤销。")
                % {"who": _who(locked.revoked_by), "at": _fmt(locked.revoked_at)}
            )
        locked.status = CertificateStatus.REVOKED
        locked.revoked_at = _now()
        locked.revoked_by = actor
        locked.revoke_reason = reason
        locked.save(update_fields=["status", "revoked_at", "revoked_by", "revoke_reason"])
        record(
            actor,
            "resumption.certificate.revoke",
            locked,
            before={"status": CertificateStatus.VALID},
            after={"status": CertificateStatus.REVOKED, "reason": reason},
            note=reason,
        )
        notify(
            locked.application,
            firm_user_ids(locked.enterprise),
            "revoked",
            _("复工证明%(number)s已被撤销：%(reason)s") % {"number": locked.number, "reason": reason},
        )
    return locked


# -- early start ---------------------------------------------------------------------------------------------


def grant_early_start(actor, application, reason: str) -> ResumptionApplication:
    """The task force approves a start before the policy's earliest date, where the policy lets it
    (``early_resumption_needs_approval``)."""
    if not can(actor, "resumption.early_start"):
        raise PermissionDenied(_("只有指挥部（专班）可以批准提前复工。"))
    _check_visible(actor, application)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("批准提前复工须写明理由（重要和紧急任务）")]})
    if len(reason) > 500:
        raise ValidationError({"reason": [_("理由不能超过500字")]})
    policy = _policy(application)
    params = policy.parameters
    if params.earliest_resumption_at is None:
        raise ValidationError(
            {"policy": [_("%(policy)s没有规定最早复工时间，无需批准提前复工") % {"policy": policy.label}]}
        )
    if not params.early_resumption_needs_approval:
        raise ValidationError(
            {
                "policy": [
                    _("%(source)s：不允许经批准提前复工")
                    % {"source": policy.cite("early_resumption_needs_approval")}
                ]
            }
        )
    with transaction.atomic():
        locked = _lock(application)
        if locked.status not in OPEN_STATUSES:
            raise ValidationError(
                {
                    "status": [
                        _("申请已办结（%(status)s），不能再批准提前复工")
                        % {"status": locked.get_status_display()}
                    ]
                }
            )
        if locked.early_start_granted:
            return locked
        before = _snapshot(locked)
        locked.early_start_granted = True
        locked.early_start_reason = reason
        locked.early_start_granted_by = actor
        locked.early_start_granted_at = _now()
        locked.version += 1
        locked.save()
        old, new = diff(before, _snapshot(locked))
        record(
            actor, "resumption.early_start", locked, before=old, after=new | {"reason": reason}, note=reason
        )
        notify(
            locked,
            firm_user_ids(locked.enterprise),
            "early_start",
            _("指挥部已批准提前复工：%(reason)s") % {"reason": reason},
        )
    return locked


# -- batches (分批) -------------------------------------------------------------------------------------------


def _waits_for_task_force(actor, application) -> ReviewStep | None:
    step = selectors.active_step(application)
    if step is None or not chain.acting_tokens(actor, step, application.enterprise):
        return None
    return step if "task_force" in step.pending_participants else None


def create_batch(actor, applications, name: str = "") -> ApprovalBatch:
    """Group applications that wait for the actor's task-force step into a batch to release together."""
    if not can(actor, "resumption.batch") or actor.region_id is None:
        raise PermissionDenied(_("只有指挥部（专班）可以分批审批。"))
    ids = sorted({a.pk if hasattr(a, "pk") else int(a) for a in applications or []})
    if not ids:
        raise ValidationError({"applications": [_("批次至少包含一个申请")]})
    name = (name or "").strip()
    if len(name) > 100:
        raise ValidationError({"name": [_("批次名称不能超过100字")]})
    with transaction.atomic():
        rows = list(
            ResumptionApplication.objects.visible_to(actor)
            .select_for_update(of=("self",))
            .select_related("enterprise__town", "enterprise__department")
            .filter(pk__in=ids)
            .order_by("pk")
        )
        if len(rows) != len(ids):
            raise PermissionDenied(_("部分申请不存在或不在您的管辖范围内。"))
        problems = []
        for app in rows:
            if _waits_for_task_force(actor, app) is None:
                problems.append(
                    _("「%(firm)s」的申请当前不在待指挥部审批环节") % {"firm": app.enterprise.name}
                )
            elif app.batch_id and app.batch.released_at is None:
                problems.append(
                    _("「%(firm)s」的申请已在%(batch)s中") % {"firm": app.enterprise.name, "batch": app.batch}
                )
        if problems:
            raise ValidationError({"applications": problems})
        number = next_number(f"batch:{actor.region.code}", 0)
        batch = ApprovalBatch.objects.create(
            region=actor.region, number=number, name=name or _("第%(n)d批") % {"n": number}, created_by=actor
        )
        for app in rows:
            app.batch = batch
            app.save(update_fields=["batch", "updated_at"])
        record(
            actor,
            "resumption.batch.create",
            batch,
            after={"number": number, "name": batch.name, "applications": ids},
        )
    return batch


def release_batch(actor, batch) -> tuple[ApprovalBatch, list[int], list[int]]:
    """Pass the task-force step of every application in the batch at once (分批批准).

    Applications that left the task-force step since the batch was made (returned meanwhile, or passed
    one by one) are taken out of the batch and reported; the others pass. Returns (batch, passed ids,
    dropped ids). Releasing a released batch again changes nothing.
    """
    if not can(actor, "resumption.batch"):
        raise PermissionDenied(_("只有指挥部（专班）可以分批审批。"))
    if not selectors.batches_visible_to(actor).filter(pk=batch.pk).exists():
        raise PermissionDenied(_("该批次不在您的管辖范围内。"))
    now = _now()
    passed, dropped, problems = [], [], {}
    with transaction.atomic():
        locked = ApprovalBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.released_at is not None:
            return locked, list(locked.applications.values_list("pk", flat=True)), []
        for app in ResumptionApplication.objects.filter(batch=locked).order_by(
            "-priority_score", "submitted_at", "pk"
        ):
            app_locked = _lock(app)
            step = _waits_for_task_force(actor, app_locked)
            if step is None:
                app_locked.batch = None
                app_locked.save(update_fields=["batch", "updated_at"])
                dropped.append(app_locked.pk)
                continue
            try:
                with transaction.atomic():
                    _decide_locked(actor, app_locked, Decision.PASS, "", step.key, now, batch=locked)
            except ValidationError as exc:
                # One firm that may not start yet (the date gate at approval) does not hold up the batch.
                ResumptionApplication.objects.filter(pk=app_locked.pk).update(batch=None)
                dropped.append(app_locked.pk)
                problems[app_locked.pk] = "；".join(exc.messages)
                continue
            passed.append(app_locked.pk)
        locked.released_at = now
        locked.released_by = actor
        locked.save(update_fields=["released_at", "released_by"])
        record(
            actor,
            "resumption.batch.release",
            locked,
            after={"released_at": now, "passed": passed, "dropped": dropped, "problems": problems},
            note=_("放行%(n)d件，移出%(m)d件") % {"n": len(passed), "m": len(dropped)},
        )
    return locked, passed, dropped
