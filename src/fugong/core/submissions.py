"""What every recording service does with a submission from a phone or a system: the client key that
makes a resend a no-op, and the free-text fields checked with a Chinese message naming the field."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CLIENT_KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def parse_client_key(value) -> str | None:
    key = str(value or "").strip() or None
    if key is not None and not CLIENT_KEY.match(key):
        raise ValidationError({"client_key": _("提交编号：应为8至64位字母、数字、下划线或连字符")})
    return key


def replayed(model, actor, key, owner_field: str = "recorded_by_id"):
    """The row an earlier submission with ``key`` made, marked ``replayed``; None for a new key. A key
    another user made is refused: it is not theirs to replay."""
    if key is None:
        return None
    existing = model.objects.filter(client_key=key).first()
    if existing is None:
        return None
    if getattr(existing, owner_field) != actor.pk:
        raise ValidationError({"client_key": _("提交编号：该编号已被其他登记使用，请刷新页面后重新提交")})
    existing.replayed = True
    return existing


def text_field(value, field, label, errors, *, max_length, required=True) -> str:
    text = str(value or "").strip()
    if required and not text:
        errors[field] = _("%(label)s：必须填写") % {"label": label}
    elif len(text) > max_length:
        errors[field] = _("%(label)s：不能超过%(n)d个字") % {"label": label, "n": max_length}
    return text
