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
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
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
    created_by = actor if getattr(actor, "pk", None) else None
    try:
        with transaction.atomic():
            # Serialises two officers pressing the button at once (each would create the same links).
            Enterprise.objects.select_for_update().filter(pk=enterprise.pk).exists()
            people = selectors.on_site_people(actor, enterprise)
            if only_missing:
                people = people.filter(checkin_link__isnull=True)
            ids = list(people.values_list("pk", flat=True))
            existing = list(CheckinLink.objects.select_for_update().filter(employee_id__in=ids))
            now = timezone.now()
            for link in existing:
                link.nonce = secrets.token_hex(16)
                link.created_by = created_by
                link.created_at = now  # the officer needs to see when the current link was made
            CheckinLink.objects.bulk_update(existing, ["nonce", "created_by", "created_at"], batch_size=1000)
            have = {link.employee_id for link in existing}
            new = CheckinLink.objects.bulk_create(
                [
                    CheckinLink(employee_id=pk, nonce=secrets.token_hex(16), created_by=created_by)
                    for pk in ids
                    if pk not in have
                ],
                batch_size=1000,
            )
            # One entry for the whole act, naming everyone whose link was issued or replaced.
            record(
                actor,
                "monitoring.link.issue_all",
                enterprise,
                after={
                    "issued": [link.employee_id for link in new],
                    "regenerated": [link.employee_id for link in existing],
                    "only_missing": only_missing,
                },
            )
    except IntegrityError:
        raise ValidationError({"employee": [_("有人同时为本企业生成了打卡链接，请刷新后重试")]}) from None
    return existing + new


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
        raise ValidationError({"id_number": [_("「身份证号」本企业没有该身份证号的员工")]})
    return person


# Failed identifications, counted per client address (one phone or script trying numbers at any firm)
# and per firm (many addresses trying one poster); both reset after the window. The firm's limit is
# higher: its people share one poster and some mistype, and a lock-out there stops everyone's check-in.
QR_WINDOW_SECONDS = 600
QR_FAILS_PER_IP = 5
QR_FAILS_PER_FIRM = 30


def _fail_keys(enterprise, ip: str) -> list[tuple[str, int, str]]:
    return [
        (f"fugong:qr-fail:ip:{ip}", QR_FAILS_PER_IP, "ip"),
        (f"fugong:qr-fail:firm:{enterprise.pk}", QR_FAILS_PER_FIRM, "firm"),
    ]


def identify_locked(enterprise, ip: str) -> bool:
    """Whether too many wrong ID numbers came from this address or for this firm lately."""
    return any((cache.get(key) or 0) >= limit for key, limit, _by in _fail_keys(enterprise, ip))


def note_identify_failure(enterprise, ip: str) -> bool:
    """Count a wrong ID number; answers whether that locks the page. The lock-out is audited once, when
    the count reaches the limit."""
    locked = False
    for key, limit, by in _fail_keys(enterprise, ip):
        cache.add(key, 0, QR_WINDOW_SECONDS)  # the window starts at the first failure
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, QR_WINDOW_SECONDS)
            count = 1
        if count >= limit:
            locked = True
        if count == limit:
            record(
                None,
                "monitoring.qr.locked",
                enterprise,
                after={"by": by, "ip": ip, "failures": count, "window_seconds": QR_WINDOW_SECONDS},
            )
    return locked


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
