"""Reaching the check-in page without a password (SPEC §6): a personal link per employee, and the
firm's QR code at which a person identifies by ID number.

- A personal link is ``/monitoring/c/<token>/`` where the token is the signed (employee pk, nonce) of the
  person's :class:`CheckinLink`. Signing (with its own salt) rules out guessing; a new nonce revokes the old
  link. The token grants one thing: checking in as that person, seeing their masked name and today's rounds.
- The firm's QR code points to ``/monitoring/f/<token>/`` (the signed firm pk, another salt). The person
  types their full ID number, matched by blind index among that firm's employees only; the match is kept
  for the day in a signed cookie, so the next round needs no retyping.
"""

import datetime as dt
import hmac
import secrets
from dataclasses import dataclass

from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.accounts.roles import can
from fugong.audit.services import record
from fugong.core import crypto
from fugong.enterprises.models import Enterprise
from fugong.monitoring import selectors
from fugong.monitoring.models import CheckinLink
from fugong.workforce.models import Employee, EmployeeStatus

LINK_SALT = "fugong.monitoring.checkin-link"
FIRM_SALT = "fugong.monitoring.firm-qr"
IDENTITY_SALT = "fugong.monitoring.qr-identity"
IDENTITY_COOKIE = "fg_qr_id"

# A person who left the firm cannot check in for it, whatever link they kept.
CLOSED_STATUSES = {EmployeeStatus.LEFT}


def mask_name(name: str) -> str:
    """陈小明 → 陈*明, 王五 → 王*, 欧阳小明 → 欧**明: enough for the person to know the page is theirs."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


# -- personal links ----------------------------------------------------------------------------------------
def _check_officer(actor, enterprise_id) -> None:
    if not can(actor, "monitoring.links"):
        raise PermissionDenied(_("您没有执行该操作的权限。"))
    if not Enterprise.objects.visible_to(actor).filter(pk=enterprise_id).exists():
        raise PermissionDenied(_("该企业不在您的管辖范围内。"))


def _sign(value, salt: str) -> str:
    # A plain Signer, not signing.dumps: no timestamp, so the same link or poster always has the same URL
    # (the officer can show it again; the printed QR code stays valid).
    return signing.Signer(salt=salt).sign_object(value)


def _unsign(token: str, salt: str):
    return signing.Signer(salt=salt).unsign_object(token or "")


def link_token(link: CheckinLink) -> str:
    """The token of a stored link; deterministic, so the officer can see it again later."""
    return _sign([link.employee_id, link.nonce], LINK_SALT)


def _new_link(actor, employee) -> CheckinLink:
    with transaction.atomic():
        link = CheckinLink.objects.select_for_update().filter(employee=employee).first()
        regenerated = link is not None
        if link is None:
            link = CheckinLink(employee=employee)
        link.nonce = secrets.token_hex(16)
        link.created_by = actor if getattr(actor, "pk", None) else None
        link.save()
        if regenerated:
            # auto_now_add keeps the first date; the officer needs to see when the current link was made.
            CheckinLink.objects.filter(pk=link.pk).update(created_at=timezone.now())
            link.refresh_from_db(fields=["created_at"])
        record(
            actor,
            "monitoring.link.regenerate" if regenerated else "monitoring.link.issue",
            link,
            after={"employee": employee.pk},
        )
    return link


def issue_link(actor, employee) -> tuple[CheckinLink, str]:
    """Generate the person's link, or a new one that revokes the old; answers (link, token)."""
    _check_officer(actor, employee.enterprise_id)
    if not Employee.objects.visible_to(actor).filter(pk=employee.pk).exists():
        raise PermissionDenied(_("该员工不在您的管辖范围内。"))
    if employee.status in CLOSED_STATUSES:
        raise ValidationError({"employee": [_("「员工」已离职，不能生成打卡链接")]})
    link = _new_link(actor, employee)
    return link, link_token(link)


def issue_links_for_on_site(actor, enterprise, *, only_missing: bool = False) -> list[CheckinLink]:
    """A link for every person on site (``only_missing``: only for those who have none yet)."""
    _check_officer(actor, enterprise.pk)
    people = selectors.on_site_people(actor, enterprise)
    if only_missing:
        people = people.filter(checkin_link__isnull=True)
    return [_new_link(actor, person) for person in people]


def revoke_link(actor, employee) -> None:
    _check_officer(actor, employee.enterprise_id)
    with transaction.atomic():
        deleted, _rows = CheckinLink.objects.filter(employee=employee).delete()
        if deleted:
            record(actor, "monitoring.link.revoke", employee, after={"employee": employee.pk})


def employee_for_link(token: str) -> Employee | None:
    """The person a link token stands for, or None when it is forged, revoked or the person has left."""
    try:
        employee_pk, nonce = _unsign(token, LINK_SALT)
        employee_pk, nonce = int(employee_pk), str(nonce)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    link = (
        CheckinLink.objects.select_related("employee__enterprise__town")
        .filter(employee_id=employee_pk)
        .first()
    )
    if link is None or not hmac.compare_digest(link.nonce, nonce):
        return None
    if link.employee.status in CLOSED_STATUSES:
        return None
    return link.employee


# -- the firm's QR code ------------------------------------------------------------------------------------
def firm_token(enterprise) -> str:
    return _sign(enterprise.pk, FIRM_SALT)


def firm_for_token(token: str) -> Enterprise | None:
    try:
        pk = int(_unsign(token, FIRM_SALT))
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return Enterprise.objects.select_related("town").filter(pk=pk).first()


def identify(enterprise, id_number: str) -> Employee:
    """The firm's employee with this full ID number; the same refusal whatever the reason, so that the
    page tells a stranger nothing about who works where."""
    number = (id_number or "").strip().upper()
    person = None
    if number:
        person = (
            Employee.objects.select_related("enterprise__town")
            .filter(enterprise=enterprise, id_number_index=crypto.blind_index(number))
            .exclude(status__in=CLOSED_STATUSES)
            .first()
        )
    if person is None:
        raise ValidationError({"id_number": [_("本企业没有该身份证号的员工")]})
    return person


@dataclass(frozen=True)
class Identity:
    enterprise_id: int
    employee_id: int
    day: dt.date


def identity_value(enterprise, employee) -> str:
    return f"{enterprise.pk}:{employee.pk}:{timezone.localdate().isoformat()}"


def identity_max_age() -> int:
    """Seconds until local midnight: the identification lasts for the day."""
    now = timezone.localtime()
    midnight = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(), tzinfo=now.tzinfo)
    return max(60, int((midnight - now).total_seconds()))


def employee_for_identity(enterprise, value: str | None) -> Employee | None:
    """The person a (signature-checked) cookie value names, if it is for this firm and today."""
    try:
        firm_pk, employee_pk, day = (value or "").split(":")
        firm_pk, employee_pk, day = int(firm_pk), int(employee_pk), dt.date.fromisoformat(day)
    except ValueError:
        return None
    if firm_pk != enterprise.pk or day != timezone.localdate():
        return None
    return (
        Employee.objects.select_related("enterprise__town")
        .filter(pk=employee_pk, enterprise=enterprise)
        .exclude(status__in=CLOSED_STATUSES)
        .first()
    )
