"""Parsing and checking a gathering's fields and its plan file; every bad field is named with its rule."""

import datetime as dt
import uuid
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fugong.gatherings.models import GatheringKind

MAX_HEADCOUNT = 100000
LABELS = {
    "kind": gettext_lazy("类型"),
    "title": gettext_lazy("名称"),
    "place": gettext_lazy("地点"),
    "starts_at": gettext_lazy("开始时间"),
    "ends_at": gettext_lazy("结束时间"),
    "headcount": gettext_lazy("人数"),
    "organiser": gettext_lazy("负责人"),
    "plan": gettext_lazy("防控方案"),
    "note": gettext_lazy("审批意见"),
}


def _text(data, name, errors, max_length) -> str:
    text = str(data.get(name) or "").strip()
    if not text:
        errors[name] = [_("%(label)s：必须填写") % {"label": LABELS[name]}]
    elif len(text) > max_length:
        errors[name] = [_("%(label)s：不能超过%(n)d个字") % {"label": LABELS[name], "n": max_length}]
    return text


def _moment(data, name, errors) -> dt.datetime | None:
    value = data.get(name)
    label = LABELS[name]
    if value in (None, ""):
        errors[name] = [_("%(label)s：必须填写") % {"label": label}]
        return None
    if not isinstance(value, dt.datetime):
        value = parse_datetime(str(value).strip().replace("T", " ")) if str(value).strip() else None
        if value is None:
            errors[name] = [_("%(label)s：应为日期和时间，如 2021-01-20 09:00") % {"label": label}]
            return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _headcount(data, errors) -> int | None:
    raw = str(data.get("headcount") if data.get("headcount") is not None else "").strip()
    if not raw:
        errors["headcount"] = [_("人数：必须填写")]
        return None
    try:
        count = int(raw)
    except ValueError:
        errors["headcount"] = [_("人数：应为整数")]
        return None
    if count < 1:
        errors["headcount"] = [_("人数：至少为1人")]
    elif count > MAX_HEADCOUNT:
        errors["headcount"] = [_("人数：不能超过%(n)d人") % {"n": MAX_HEADCOUNT}]
    else:
        return count
    return None


def clean(data: dict, errors: dict) -> dict:
    """The gathering's fields, parsed; each bad one named with its rule in ``errors``."""
    kind = str(data.get("kind") or "").strip()
    if kind not in GatheringKind.values:
        errors["kind"] = [
            _("类型：应为%(opts)s之一") % {"opts": "、".join(str(label) for label in GatheringKind.labels)}
        ]
    values = {
        "kind": kind,
        "title": _text(data, "title", errors, 200),
        "place": _text(data, "place", errors, 200),
        "organiser": _text(data, "organiser", errors, 50),
        "starts_at": _moment(data, "starts_at", errors),
        "ends_at": _moment(data, "ends_at", errors),
        "headcount": _headcount(data, errors),
    }
    starts, ends = values["starts_at"], values["ends_at"]
    if starts and ends and ends <= starts:
        errors["ends_at"] = [_("结束时间：应晚于开始时间")]
    return values


def validate_plan(upload) -> tuple[str, bytes] | None:
    """(extension, content) of an acceptable plan file, checked like every upload (type, size, content
    matching its extension); None when there is none. ValidationError on the ``plan`` field otherwise."""
    if upload is None or upload == "":
        return None
    from fugong.resumption.attachments.services import validate_upload

    try:
        return validate_upload("plan", upload, {"plan": _("防控方案")})
    except ValidationError as exc:
        messages = [m for msgs in exc.message_dict.values() for m in msgs]
        raise ValidationError({"plan": [_("防控方案：") + m for m in messages]}) from None


def _content_type(ext: str) -> str:
    from fugong.resumption.attachments.services import _CONTENT_TYPES

    return _CONTENT_TYPES.get(ext, "application/octet-stream")


def store_plan(gathering, upload, checked) -> None:
    ext, content = checked
    gathering.plan.save(f"{uuid.uuid4().hex}.{ext}", ContentFile(content), save=False)
    gathering.plan_name = PurePath(upload.name).name[:255]
    gathering.plan_content_type = _content_type(ext)
    gathering.plan_size = len(content)
