"""Every write to the enterprise file (SPEC §3, §11) goes through here: validated, scoped, audited.

``data`` dicts use the model's field names; foreign keys may be given as instances or primary keys.
Errors are raised as Django ``ValidationError`` with a {field: [Chinese message]} dict that names
the field and the rule, ``PermissionDenied`` for acts outside the actor's role or scope, and
``VersionConflict`` when the record changed since the actor loaded it.
"""

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from stdnum import exceptions as stdnum_exceptions
from stdnum.cn import uscc as uscc_std

from fugong.accounts.models import Department
from fugong.accounts.roles import REGION_ROLES, Role, can
from fugong.audit.services import Counted, diff, readable_filters, record, record_export, snapshot
from fugong.enterprises.models import (
    STATUS_TRANSITIONS,
    TAG_FIELDS,
    Enterprise,
    EnterpriseStatus,
    EnterpriseStatusChange,
    IndustryClass,
)
from fugong.regions.models import Region, RegionLevel

# Registration facts and the tags that drive review priority are the government's to set (块抓条保:
# the town owns its firms, the department its sector); the firm keeps its own contacts and figures.
# ``local_tags`` are a city's own classes (高新技术企业 …) that its policy's priority factors may weigh.
GOVERNMENT_FIELDS = [
    "name",
    "uscc",
    "legal_representative",
    "town",
    "department",
    "industry_class",
    *TAG_FIELDS,
    "local_tags",
    "efficiency_class",
]
MAX_LOCAL_TAGS = 20
MAX_TAG_LENGTH = 40  # as long as a policy's priority factor may name a tag
_TAG_SEPARATORS = re.compile(r"[、，,；;\n\r]+")
SELF_EDITABLE_FIELDS = [
    "legal_representative_phone",
    "prevention_lead",
    "prevention_lead_phone",
    "address",
    "normal_headcount",
    "normal_daily_output",
    "local_employee_share",
    "resumption_mode",
]
EDITABLE_FIELDS = GOVERNMENT_FIELDS + SELF_EDITABLE_FIELDS
# A mainland mobile number, or a landline with its area code (0575-87012345 or 057587012345).
PHONE_FIELDS = ["legal_representative_phone", "prevention_lead_phone"]
PHONE_RE = re.compile(r"^(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$", re.ASCII)
REQUIRED_FIELDS = ["name", "uscc", "legal_representative", "address", "town", "department"]
_FK_MODELS = {"town": Region, "department": Department, "industry_class": IndustryClass}
_DECIMAL_FIELDS = [
    name for name in EDITABLE_FIELDS if isinstance(Enterprise._meta.get_field(name), models.DecimalField)
]
_TEXT_FIELDS = [
    name
    for name in EDITABLE_FIELDS
    if isinstance(Enterprise._meta.get_field(name), models.CharField) and name not in _FK_MODELS
]


class VersionConflict(Exception):
    """Someone else saved the record after the actor loaded it; saving now would lose their change."""

    def __init__(self, message: str, current_version: int):
        super().__init__(message)
        self.message = message
        self.current_version = current_version


def field_label(name: str) -> str:
    try:
        return str(Enterprise._meta.get_field(name).verbose_name)
    except Exception:  # noqa: BLE001 - a name that is not a model field is shown as given
        return name


def normalize_uscc(value) -> str:
    return uscc_std.compact(str(value or ""))


def normalize_name(value) -> str:
    # Registered names use full-width brackets; people type half-width ones, which would let the same
    # firm be registered twice under two spellings.
    name = re.sub(r"\s+", "", str(value or ""))
    return name.replace("(", "（").replace(")", "）")


def normalize_phone(value) -> str:
    """Full-width digits and the spaces people type inside a number taken out: 138 0575 1234."""
    return unicodedata.normalize("NFKC", str(value or "")).replace(" ", "").strip()


def phone_error(name: str, value: str) -> str | None:
    """The Chinese reason a (normalised) phone number in field ``name`` is invalid, or None."""
    if not value or PHONE_RE.match(value):
        return None
    return _(
        "%(field)s“%(value)s”不是有效的电话号码，请填写11位手机号或带区号的固定电话（如0575-87012345）"
    ) % {"field": field_label(name), "value": value}


def uscc_error(code: str) -> str | None:
    """The Chinese reason a (compacted) credit code is invalid, or None."""
    try:
        uscc_std.validate(code)
    except stdnum_exceptions.InvalidLength:
        return _("统一社会信用代码应为18位，当前为%(count)d位") % {"count": len(code)}
    except stdnum_exceptions.InvalidFormat:
        return _("统一社会信用代码格式错误：前8位应为数字，其余为数字或大写字母（不含I、O、S、V、Z）")
    except stdnum_exceptions.InvalidChecksum:
        return _("统一社会信用代码校验位错误，请核对营业执照")
    except stdnum_exceptions.ValidationError:
        return _("统一社会信用代码无效")
    return None


def _pk(value):
    return value.pk if isinstance(value, models.Model) else value


def _current(instance: Enterprise, name: str):
    return getattr(instance, f"{name}_id") if name in _FK_MODELS else getattr(instance, name)


def _snapshot(enterprise: Enterprise) -> dict:
    # snapshot() leaves out non-editable fields; status and version belong in the record too.
    return snapshot(enterprise) | {"status": enterprise.status, "version": enterprise.version}


def _normalize(data: dict) -> tuple[dict, dict[str, list[str]]]:
    """Trimmed text, canonical code and name, foreign keys as instances; plus lookup errors."""
    out = dict(data)
    errors: dict[str, list[str]] = {}
    for name in _TEXT_FIELDS:
        if name in out:
            out[name] = "" if out[name] is None else str(out[name]).strip()
    for name in _DECIMAL_FIELDS:
        if out.get(name) in (None, ""):
            if name in out:
                out[name] = None
            continue
        # Stored at the field's scale, so that "35" and "35.00" are the same value in the audit diff.
        try:
            places = Enterprise._meta.get_field(name).decimal_places
            out[name] = Decimal(str(out[name])).quantize(Decimal(1).scaleb(-places))
        except (InvalidOperation, ValueError):
            pass  # full_clean reports it with the field's own message
    if "local_tags" in out:
        out["local_tags"], problems = clean_local_tags(out["local_tags"])
        if problems:
            errors["local_tags"] = problems
    for name in PHONE_FIELDS:
        if out.get(name):
            out[name] = normalize_phone(out[name])
    if "name" in out:
        out["name"] = normalize_name(out["name"])
    if "uscc" in out:
        out["uscc"] = normalize_uscc(out["uscc"])
    for name, model in _FK_MODELS.items():
        value = out.get(name)
        if value in (None, "") or isinstance(value, model):
            if value == "":
                out[name] = None
            continue
        obj = model.objects.filter(pk=value).first() if str(value).isdigit() else None
        if obj is None:
            errors[name] = [_("%(field)s不存在：%(value)s") % {"field": field_label(name), "value": value}]
        out[name] = obj
    return out, errors


def clean_local_tags(value) -> tuple[list[str], list[str]]:
    """A town's tags for a firm as a list of distinct trimmed names (a list, or text separated by 、，；
    or new lines), and what is wrong with them."""
    if value in (None, ""):
        return [], []
    if isinstance(value, str):
        items = _TAG_SEPARATORS.split(value)
    elif isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        items = list(value)
    else:
        return [], [_("%(field)s须为标签名称的列表") % {"field": field_label("local_tags")}]
    tags = list(dict.fromkeys(t.strip() for t in items if t and t.strip()))
    problems = []
    long = [t for t in tags if len(t) > MAX_TAG_LENGTH]
    if long:
        problems.append(
            _("%(field)s中的「%(tag)s」超过%(n)d字")
            % {"field": field_label("local_tags"), "tag": long[0], "n": MAX_TAG_LENGTH}
        )
    if len(tags) > MAX_LOCAL_TAGS:
        problems.append(_("%(field)s最多%(n)d个") % {"field": field_label("local_tags"), "n": MAX_LOCAL_TAGS})
    return tags, problems


def _actor_region_contains(actor, town: Region) -> bool:
    region = getattr(actor, "region", None)
    return actor.role in REGION_ROLES and region is not None and region.contains(town)


def duplicate_uscc_message(actor, existing: Enterprise) -> str:
    # Naming a firm outside the actor's scope would leak it; say only that it exists elsewhere.
    if Enterprise.objects.visible_to(actor).filter(pk=existing.pk).exists():
        return _("该统一社会信用代码已登记：%(firm)s") % {"firm": existing.name}
    return _("该统一社会信用代码已在其他辖区登记，请联系上级专班核实")


def validate_enterprise(actor, data: dict, instance: Enterprise | None = None) -> dict[str, list[str]]:
    """Errors ({field: [messages]}) for creating a firm (``instance`` None) or changing ``instance``.

    Saves nothing; the Excel import uses it to check every row before writing any.
    """
    data, errors = _normalize(data)

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(str(message))

    for name in sorted(set(data) - set(EDITABLE_FIELDS)):
        if name == "status":
            add(name, _("企业状态只能通过状态变更办理，不能在档案中直接修改"))
        else:
            add(name, _("「%(field)s」不能在企业档案中修改") % {"field": field_label(name)})

    changed = {
        name
        for name, value in data.items()
        if name in EDITABLE_FIELDS and (instance is None or _pk(value) != _current(instance, name))
    }
    if instance is not None and actor.role == Role.ENTERPRISE:
        for name in GOVERNMENT_FIELDS:
            if name in changed:
                add(name, _("%(field)s由政府部门维护，企业不能修改") % {"field": field_label(name)})

    candidate = (
        Enterprise()
        if instance is None
        else Enterprise(**{f.attname: getattr(instance, f.attname) for f in Enterprise._meta.concrete_fields})
    )
    for name, value in data.items():
        if name in EDITABLE_FIELDS and name not in errors:
            setattr(candidate, name, value)

    for name in REQUIRED_FIELDS:
        if name not in errors and _current(candidate, name) in (None, ""):
            add(name, _("%(field)s不能为空") % {"field": field_label(name)})

    if "uscc" in changed and "uscc" not in errors:
        message = uscc_error(candidate.uscc)
        if message is None:
            existing = Enterprise.objects.filter(uscc=candidate.uscc).exclude(pk=candidate.pk).first()
            if existing is not None:
                message = duplicate_uscc_message(actor, existing)
        if message:
            add("uscc", message)

    for name in PHONE_FIELDS:
        if name in changed and name not in errors:
            message = phone_error(name, getattr(candidate, name))
            if message:
                add(name, message)

    if "town" in changed and "town" not in errors:
        town = candidate.town
        if town.level != RegionLevel.TOWN:
            add("town", _("所属镇乡街道必须选择镇、乡或街道一级，「%(name)s」不是") % {"name": town.name})
        elif not _actor_region_contains(actor, town):
            add("town", _("所属镇乡街道「%(name)s」不在您的管辖范围内") % {"name": town.name})

    if "department" in changed and "department" not in errors and not candidate.department.is_industry:
        add(
            "department",
            _("行业主管部门不能选择「%(name)s」，它不是行业主管部门") % {"name": candidate.department.name},
        )

    name_clash = (
        {"name", "town"} & changed
        and not {"name", "town"} & set(errors)
        and Enterprise.objects.filter(name=candidate.name, town_id=candidate.town_id)
        .exclude(pk=candidate.pk)
        .exists()
    )
    if name_clash:
        add(
            "name",
            _("企业名称重复：%(town)s已登记同名企业「%(name)s」")
            % {"town": candidate.town.name, "name": candidate.name},
        )

    try:
        candidate.full_clean(exclude=list(errors), validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            for message in messages:
                add(name, f"{field_label(name)}：{message}")
    return errors


def create_enterprise(actor, data: dict, *, note: str = "") -> Enterprise:
    if not can(actor, "enterprise.create"):
        raise PermissionDenied(_("您没有新建企业档案的权限。"))
    errors = validate_enterprise(actor, data)
    if errors:
        raise ValidationError(errors)
    data, _errors = _normalize(data)
    enterprise = Enterprise(**data)
    try:
        with transaction.atomic():
            enterprise.save()
            record(actor, "enterprise.create", enterprise, after=_snapshot(enterprise), note=note)
    except IntegrityError:
        # A concurrent request, or the retry of one that did get through, registered it first.
        errors = validate_enterprise(actor, data)
        raise ValidationError(errors or {"uscc": [_("该企业已登记，请勿重复提交")]}) from None
    return enterprise


def _lock(actor, pk: int) -> Enterprise:
    """The firm's row, locked until the transaction ends; only if the actor may see it."""
    qs = Enterprise.objects.select_for_update(of=("self",))
    if actor is not None:
        qs = qs.visible_to(actor)
    try:
        return qs.get(pk=pk)
    except Enterprise.DoesNotExist:
        raise PermissionDenied(_("该企业不在您的管辖范围内。")) from None


def _version(value) -> int:
    if value in (None, ""):
        raise ValidationError({"version": [_("缺少版本号，无法确认您修改的是最新内容，请刷新后重试")]})
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationError({"version": [_("版本号必须是整数")]}) from None


def _conflict(expected: int, current: int) -> VersionConflict:
    return VersionConflict(
        _(
            "该企业档案已被他人修改（您打开的是第%(expected)d版，当前为第%(current)d版）。请刷新页面，核对最新内容后重新提交。"
        )
        % {"expected": expected, "current": current},
        current,
    )


def update_enterprise(actor, enterprise: Enterprise, data: dict, expected_version) -> Enterprise:
    """Change the firm's file if it is still at ``expected_version``; returns the saved row."""
    if not can(actor, "enterprise.edit"):
        raise PermissionDenied(_("您没有修改企业档案的权限。"))
    expected = _version(expected_version)
    with transaction.atomic():
        locked = _lock(actor, enterprise.pk)
        normalized, _errors = _normalize(data)
        if locked.version != expected:
            # A retried submission that already went through changes nothing, so it is not a conflict.
            already = not _errors and all(
                name in EDITABLE_FIELDS and _pk(value) == _current(locked, name)
                for name, value in normalized.items()
            )
            if already and expected == locked.version - 1:
                return locked
            raise _conflict(expected, locked.version)
        errors = validate_enterprise(actor, data, instance=locked)
        if errors:
            raise ValidationError(errors)
        before = _snapshot(locked)
        for name, value in normalized.items():
            setattr(locked, name, value)
        after = _snapshot(locked)
        if before == after:
            return locked
        locked.version += 1
        try:
            with transaction.atomic():
                locked.save()
        except IntegrityError:
            raise ValidationError(
                validate_enterprise(actor, data, instance=locked) or {"name": [_("与已登记企业重复")]}
            ) from None
        old, new = diff(before, _snapshot(locked))
        record(actor, "enterprise.update", locked, before=old, after=new)
    return locked


def change_status(
    actor, enterprise: Enterprise, new_status: str, reason: str, *, workflow: str = "", expected_version=None
) -> Enterprise:
    """The only writer of ``Enterprise.status`` (SPEC §3): checked against STATUS_TRANSITIONS and logged.

    ``workflow`` names the workflow step that decided the change (an approval, an incident); such
    steps carry their own authority, so the actor's manual-change capability is not required.
    ``actor`` may then be None for system steps.
    """
    if not workflow and not can(actor, "enterprise.status"):
        raise PermissionDenied(_("您没有变更企业状态的权限。"))
    if new_status not in EnterpriseStatus.values:
        raise ValidationError({"status": [_("无效的企业状态：%(value)s") % {"value": new_status}]})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("变更原因不能为空")]})
    if len(reason) > 500:
        raise ValidationError({"reason": [_("变更原因不能超过500字")]})
    with transaction.atomic():
        locked = _lock(actor, enterprise.pk)
        if expected_version not in (None, "") and locked.version != _version(expected_version):
            raise _conflict(_version(expected_version), locked.version)
        old = locked.status
        new_label, old_label = EnterpriseStatus(new_status).label, EnterpriseStatus(old).label
        if new_status == old:
            raise ValidationError({"status": [_("企业当前已是「%(status)s」状态") % {"status": old_label}]})
        if new_status not in STATUS_TRANSITIONS[old]:
            allowed = "、".join(
                str(EnterpriseStatus(s).label)
                for s in EnterpriseStatus.values
                if s in STATUS_TRANSITIONS[old]
            )
            raise ValidationError(
                {
                    "status": [
                        _("企业状态不能从「%(old)s」变更为「%(new)s」，只能变更为：%(allowed)s")
                        % {"old": old_label, "new": new_label, "allowed": allowed}
                    ]
                }
            )
        now = timezone.now()
        locked.status = new_status
        locked.status_changed_at = now
        locked.version += 1
        locked.save(update_fields=["status", "status_changed_at", "version", "updated_at"])
        EnterpriseStatusChange.objects.create(
            enterprise=locked,
            from_status=old,
            to_status=new_status,
            reason=reason,
            source=workflow,
            actor=actor if getattr(actor, "pk", None) else None,
            at=now,
        )
        record(
            actor,
            "enterprise.status",
            locked,
            before={"status": old, "version": locked.version - 1},
            after={"status": new_status, "version": locked.version},
            note=f"{workflow}：{reason}" if workflow else reason,
        )
    return locked


def _register_filters(actor, filters) -> dict:
    """The list filters that narrowed an export, by their labels and shown values (``{"状态": "已复工"}``),
    read through the one filter set the page and the API apply — a town the actor may not pick is not a
    filter in force, and is not written."""
    from fugong.enterprises.filters import EnterpriseFilter

    if not filters:
        return {}
    filterset = EnterpriseFilter(filters, queryset=Enterprise.objects.none(), user=actor)
    return readable_filters(filterset.form)


def export_register(actor, queryset, *, filters=None) -> bytes:
    """The register of ``queryset`` as .xlsx; re-scoped here so no caller can widen it, and audited with
    ``filters`` (the request's query parameters) and the number of firms written."""
    from fugong.enterprises.excel import export_register as build

    if not can(actor, "enterprise.export"):
        raise PermissionDenied(_("您没有导出企业名录的权限。"))
    rows = Counted(queryset.visible_to(actor).iterator(chunk_size=2000))
    content = build(rows, viewer=actor)
    record_export(
        actor,
        "enterprise.export",
        gettext_lazy("企业名录"),
        _register_filters(actor, filters),
        rows.count,
        object_type="enterprises.enterprise",
    )
    return content
