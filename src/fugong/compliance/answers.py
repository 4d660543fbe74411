"""Answering checklist items: the firm's self-assessment with evidence, its verification by an inspector
or the town, and the inspector's / town officer's own answer to an inspection item.

Every function checks capability and scope first, validates everything before writing (a ValidationError
naming the field and the rule in Chinese; nothing half-saved), then in one transaction locks the firm's
row (two answers to the same item at once are serialised: the second supersedes the first), writes,
records the audit entry and notifies on commit whoever must act next. A resend with the same
``client_key`` returns the first answer. Afterwards the firm's picture of today is rebuilt, so the page
shows the answer at once.
"""

import hashlib
import re
import uuid
from pathlib import PurePath

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.accounts.models import User
from fugong.accounts.roles import Role, require
from fugong.audit.services import record
from fugong.compliance.models import AnswerKind, ChecklistAnswer, Verdict, item_ref
from fugong.core.dates import format_datetime
from fugong.enterprises.models import Enterprise
from fugong.policy.models import ChecklistItem, CheckMethod
from fugong.policy.selectors import find_policy_for
from fugong.resumption.notifications import notify

# A photo of the notice board, a scan of the training sign-in sheet, a PDF of the plan.
EVIDENCE_TYPES = {
    "jpg": ((b"\xff\xd8\xff",), "image/jpeg"),
    "jpeg": ((b"\xff\xd8\xff",), "image/jpeg"),
    "png": ((b"\x89PNG\r\n\x1a\n",), "image/png"),
    "pdf": ((b"%PDF",), "application/pdf"),
    "docx": ((b"PK\x03\x04",), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
}
MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
CLIENT_KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
TRUE_WORDS = {"1", "true", "yes", "met", "on"}
FALSE_WORDS = {"0", "false", "no", "not_met", "off"}


def validate_evidence(upload) -> tuple[str, bytes, str]:
    """(extension, content, content type) of an acceptable evidence file; ValidationError otherwise."""
    name = getattr(upload, "name", "") or ""
    ext = PurePath(name).suffix.lower().lstrip(".")
    if ext not in EVIDENCE_TYPES:
        raise ValidationError(
            {
                "evidence": [
                    _("佐证材料：文件「%(name)s」的类型不允许上传，只接受照片或文档（%(exts)s）")
                    % {"name": name, "exts": "、".join(EVIDENCE_TYPES)}
                ]
            }
        )
    if upload.size > MAX_EVIDENCE_BYTES:
        raise ValidationError(
            {
                "evidence": [
                    _("佐证材料：文件「%(name)s」大小为%(size).1fMB，超过%(max)dMB的上限")
                    % {
                        "name": name,
                        "size": upload.size / 1024 / 1024,
                        "max": MAX_EVIDENCE_BYTES // 1024 // 1024,
                    }
                ]
            }
        )
    if upload.size == 0:
        raise ValidationError({"evidence": [_("佐证材料：文件「%(name)s」是空文件") % {"name": name}]})
    upload.seek(0)
    content = upload.read()
    magic, content_type = EVIDENCE_TYPES[ext]
    if not content.startswith(magic):
        raise ValidationError(
            {
                "evidence": [
                    _("佐证材料：文件「%(name)s」的内容与扩展名.%(ext)s不符，请上传原始文件")
                    % {"name": name, "ext": ext}
                ]
            }
        )
    return ext, content, content_type


def _met(value, errors) -> bool | None:
    if isinstance(value, bool):
        return value
    word = str(value if value is not None else "").strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    errors["met"] = [_("是否达标：请选择“达标”或“未达标”")]
    return None


def _note(value, errors, field="note", label=None, required=False) -> str:
    label = label or _("说明")
    text = str(value or "").strip()
    if required and not text:
        errors[field] = [_("%(label)s：必须填写") % {"label": label}]
    elif len(text) > 500:
        errors[field] = [_("%(label)s：不能超过500个字") % {"label": label}]
    return text


def _client_key(value, errors) -> str | None:
    key = (value or "").strip() or None
    if key is not None and not CLIENT_KEY.match(key):
        errors["client_key"] = [_("提交编号：应为8至64位字母、数字、下划线或连字符")]
    return key


def items_in_force(enterprise, on_date=None) -> dict[int, ChecklistItem]:
    """{item id: item} of every checklist the policy in force for the firm's town requires today."""
    policy = find_policy_for(enterprise.town, on_date or timezone.localdate())
    if policy is None:
        return {}
    return {item.pk: item for definition in policy.checklists() for item in definition.items_in_force}


def _item(enterprise, item, method: str, errors) -> ChecklistItem | None:
    pk = item.pk if isinstance(item, ChecklistItem) else item
    found = items_in_force(enterprise).get(int(pk)) if str(pk).isdigit() else None
    if found is None:
        errors["item"] = [_("检查项：不是本企业现行政策要求的检查项")]
    elif found.check_method != method:
        if method == CheckMethod.SELF_ASSESSMENT:
            errors["item"] = [
                _("检查项：该项由%(how)s判定，企业不能自查") % {"how": found.get_check_method_display()}
            ]
        else:
            errors["item"] = [
                _("检查项：该项由%(how)s判定，不是督查核查项") % {"how": found.get_check_method_display()}
            ]
    return found


def _replayed(actor, client_key):
    if client_key is None:
        return None
    existing = ChecklistAnswer.objects.filter(client_key=client_key).first()
    if existing is None:
        return None
    if existing.answered_by_id != actor.pk:
        raise ValidationError({"client_key": [_("提交编号：该编号已被其他答复使用，请刷新页面后重新提交")]})
    existing.replayed = True
    return existing


def _officers(role, **scope) -> list[int]:
    return list(User.objects.filter(is_active=True, role=role, **scope).values_list("pk", flat=True))


def _snapshot(answer: ChecklistAnswer) -> dict:
    return {
        "item": answer.item.code,
        "kind": answer.kind,
        "met": answer.met,
        "note": answer.note,
        "evidence": answer.evidence_name,
        "verdict": answer.verdict,
        "verdict_note": answer.verdict_note,
    }


def _answer(actor, enterprise, item, kind, met, note, evidence, client_key) -> ChecklistAnswer:
    """Supersede the current answer of (firm, item, kind) and store the new one, in one transaction."""
    policy = find_policy_for(enterprise.town, timezone.localdate())
    with transaction.atomic():
        Enterprise.objects.select_for_update().get(pk=enterprise.pk)
        now = timezone.now()
        previous = (
            ChecklistAnswer.objects.select_for_update()
            .filter(enterprise=enterprise, item=item, kind=kind, superseded_at__isnull=True)
            .first()
        )
        if previous is not None:
            previous.superseded_at = now
            previous.save(update_fields=["superseded_at"])
        answer = ChecklistAnswer(
            enterprise=enterprise,
            item=item,
            kind=kind,
            met=met,
            note=note,
            answered_by=actor,
            answered_at=now,
            policy_version_id=policy.version_id if policy is not None else None,
            client_key=client_key,
        )
        if evidence is not None:
            ext, content, content_type, _name = evidence
            answer.evidence_name = PurePath(evidence[3]).name[:255]
            answer.evidence_type = content_type
            answer.evidence_size = len(content)
            answer.evidence_sha256 = hashlib.sha256(content).hexdigest()
            answer.evidence.save(f"{uuid.uuid4().hex}.{ext}", ContentFile(content), save=False)
        answer.save()
        record(
            actor,
            f"compliance.answer.{kind}",
            answer,
            before=_snapshot(previous) if previous is not None else None,
            after=_snapshot(answer),
        )
    return answer


def _rebuild(enterprise) -> None:
    from fugong.compliance.services import build_compliance

    build_compliance(timezone.localdate(), [enterprise.pk])


def self_assess(actor, item, met, note: str = "", evidence=None, client_key=None) -> ChecklistAnswer:
    """The firm's officer answers a self-assessment item of its own firm. Claiming "met" needs evidence
    (a photo or a document); "not met" needs a note saying what is missing."""
    require(actor, "compliance.self_assess")
    enterprise = (
        Enterprise.objects.visible_to(actor).filter(pk=actor.enterprise_id).select_related("town").first()
    )
    if enterprise is None:
        raise PermissionDenied(_("只有企业的防疫专员可以填报本企业的自查。"))
    errors: dict[str, list[str]] = {}
    client_key = _client_key(client_key, errors)
    if not errors and (replayed := _replayed(actor, client_key)) is not None:
        return replayed
    found = _item(enterprise, item, CheckMethod.SELF_ASSESSMENT, errors)
    is_met = _met(met, errors)
    text = _note(note, errors, required=is_met is False)
    stored = None
    if evidence:
        try:
            stored = (*validate_evidence(evidence), evidence.name)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    elif is_met:
        errors["evidence"] = [_("佐证材料：自查达标须上传照片或文件作为佐证")]
    if errors:
        raise ValidationError(errors)
    answer = _answer(actor, enterprise, found, AnswerKind.SELF_ASSESSMENT, is_met, text, stored, client_key)
    notify(
        None,
        _officers(Role.TOWN, region_id=enterprise.town_id),
        "compliance.self_assess",
        _("【合规自查】%(firm)s填报了%(code)s的自查（%(met)s），请核查。")
        % {"firm": enterprise.name, "code": item_ref(found), "met": _("达标") if is_met else _("未达标")},
    )
    _rebuild(enterprise)
    return answer


def verify(actor, answer: ChecklistAnswer, verdict: str, note: str = "") -> ChecklistAnswer:
    """An inspector or the town confirms or overturns a firm's current self-assessment; overturning
    needs the reason. A verdict is final: the firm answers again, and that answer is checked anew."""
    require(actor, "compliance.verify")
    if not ChecklistAnswer.objects.visible_to(actor).filter(pk=answer.pk).exists():
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    if verdict not in Verdict.values:
        errors["verdict"] = [_("核查结论：请选择“核查属实”或“核查不符”")]
    text = _note(note, errors, field="note", label=_("核查说明"), required=verdict == Verdict.OVERTURNED)
    if answer.kind != AnswerKind.SELF_ASSESSMENT:
        errors["answer"] = [_("答复：只有企业自查需要核查")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = (
            ChecklistAnswer.objects.select_for_update().select_related("item", "enterprise").get(pk=answer.pk)
        )
        if locked.superseded_at is not None:
            raise ValidationError({"answer": [_("答复：企业已重新填报该项自查，请核查最新的答复")]})
        if locked.verdict:
            raise ValidationError(
                {
                    "verdict": [
                        _("核查结论：该自查已于%(at)s核查，不能重复核查")
                        % {"at": format_datetime(locked.verified_at)}
                    ]
                }
            )
        before = _snapshot(locked)
        locked.verdict = verdict
        locked.verdict_note = text
        locked.verified_by = actor
        locked.verified_at = timezone.now()
        locked.save(update_fields=["verdict", "verdict_note", "verified_by", "verified_at"])
        record(actor, "compliance.answer.verify", locked, before=before, after=_snapshot(locked), note=text)
        if verdict == Verdict.OVERTURNED:
            notify(
                None,
                _officers(Role.ENTERPRISE, enterprise_id=locked.enterprise_id),
                "compliance.overturned",
                _("【合规核查】%(code)s的自查经核查不符：%(note)s。请整改后重新自查。")
                % {"code": item_ref(locked.item), "note": text},
            )
    _rebuild(locked.enterprise)
    return locked


def inspect(actor, enterprise, item, met, note: str = "", evidence=None, client_key=None) -> ChecklistAnswer:
    """An inspector or town officer answers an inspection item of a firm in their scope after checking
    on site; "not met" needs the finding."""
    require(actor, "compliance.verify")
    enterprise = Enterprise.objects.visible_to(actor).filter(pk=enterprise.pk).select_related("town").first()
    if enterprise is None:
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    client_key = _client_key(client_key, errors)
    if not errors and (replayed := _replayed(actor, client_key)) is not None:
        return replayed
    found = _item(enterprise, item, CheckMethod.INSPECTION, errors)
    is_met = _met(met, errors)
    text = _note(note, errors, label=_("核查情况"), required=is_met is False)
    stored = None
    if evidence:
        try:
            stored = (*validate_evidence(evidence), evidence.name)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    answer = _answer(actor, enterprise, found, AnswerKind.INSPECTION, is_met, text, stored, client_key)
    if not is_met:
        notify(
            None,
            _officers(Role.ENTERPRISE, enterprise_id=enterprise.pk),
            "compliance.inspection",
            _("【督查核查】%(code)s核查未达标：%(note)s。请立即整改。")
            % {"code": item_ref(found), "note": text},
        )
    _rebuild(enterprise)
    return answer
