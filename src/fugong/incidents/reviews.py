"""责任倒查 (issue 13 item 5): when a confirmed case is found outside home or central isolation, the task
force or an inspector opens a review against the firm and the officers responsible for the person, and
concludes it with findings and an outcome. The firm and its town are told at both moments."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.accounts.roles import require
from fugong.audit.services import record
from fugong.incidents.models import Incident, ResponsibilityReview, ReviewStatus

SUBJECTS_MAX = 500
GROUNDS_MAX = 1000
OUTCOME_MAX = 1000
FINDINGS_MAX = 10000


class ReviewConflict(Exception):
    """Someone else concluded or changed the review since the actor loaded it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _text(errors, field, label, value, limit) -> str:
    value = (value or "").strip()
    if not value:
        errors[field] = [_("%(label)s：必填") % {"label": label}]
    elif len(value) > limit:
        errors[field] = [_("%(label)s：不超过%(n)d字") % {"label": label, "n": limit}]
    return value


def _tell(incident, event: str, message: str) -> None:
    from fugong.resumption.chain import firm_users, users_for
    from fugong.resumption.notifications import notify

    firm = incident.enterprise
    ids = list(firm_users(firm).values_list("pk", flat=True))
    ids += list(users_for("town", firm).values_list("pk", flat=True))
    notify(None, ids, event, message)


def open_review(
    actor, incident, *, subjects: str, grounds: str, found_outside_isolation: bool
) -> ResponsibilityReview:
    """Open a review of ``incident``. ``found_outside_isolation`` is the opener's statement that the index
    person is a confirmed case found outside home or central isolation — the only ground the notice gives."""
    require(actor, "incidents.review")
    if not Incident.objects.visible_to(actor).filter(pk=getattr(incident, "pk", None)).exists():
        raise PermissionDenied(_("该疫情处置事件不存在或不在您的管辖范围内。"))
    errors: dict[str, list[str]] = {}
    subjects = _text(errors, "subjects", _("被倒查对象"), subjects, SUBJECTS_MAX)
    grounds = _text(errors, "grounds", _("启动原因"), grounds, GROUNDS_MAX)
    if not found_outside_isolation:
        errors["found_outside_isolation"] = [
            _("倒查条件：仅在确诊病例系在居家隔离或集中隔离以外发现时启动责任倒查")
        ]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        review = ResponsibilityReview.objects.create(
            incident=incident, subjects=subjects, grounds=grounds, opened_by=actor, opened_at=timezone.now()
        )
        record(
            actor,
            "incidents.review.open",
            review,
            after={
                "incident": incident.pk,
                "subjects": subjects,
                "grounds": grounds,
                "found_outside_isolation": True,
            },
        )
        _tell(
            incident,
            "incidents.review.open",
            _("【责任倒查】%(firm)s：确诊病例在隔离以外发现，已启动责任倒查（%(subjects)s）。")
            % {"firm": incident.enterprise.name, "subjects": subjects},
        )
    return review


def was_isolated_before(employee, sampled_at) -> bool:
    """Whether ``employee`` was already under isolation observation before the sample was taken: an
    episode begun before the sampling day and not released before the sample."""
    from django.db.models import Q

    from fugong.workforce.models import EpisodeKind, IsolationEpisode

    day = timezone.localdate(sampled_at)
    return (
        IsolationEpisode.objects.filter(employee=employee, kind=EpisodeKind.ISOLATION, started_on__lt=day)
        .filter(Q(released_at__isnull=True) | Q(released_at__gt=sampled_at))
        .exists()
    )


def open_for_positive(incident, employee, sampled_at, policy) -> ResponsibilityReview | None:
    """The policy's review_cases_outside_isolation: a positive found in someone who was not under
    isolation observation opens the review at once (the system as opener), against the firm and its
    epidemic-prevention officers, citing the rule. Once per incident."""
    from fugong.accounts.models import User
    from fugong.accounts.roles import Role

    if policy is None or not policy.parameters.review_cases_outside_isolation:
        return None
    if was_isolated_before(employee, sampled_at) or incident.reviews.exists():
        return None
    firm = incident.enterprise
    officers = User.objects.filter(role=Role.ENTERPRISE, enterprise=firm, is_active=True).order_by("pk")
    names = "、".join(u.display_name for u in officers[:5])
    subjects = firm.name + (_("；防疫责任人：%(names)s") % {"names": names} if names else "")
    quote = policy.quote("review_cases_outside_isolation")
    grounds = _("%(name)s检测阳性，此前不在隔离观察中。依据：%(cite)s%(quote)s") % {
        "name": employee.name,
        "cite": policy.cite("review_cases_outside_isolation"),
        "quote": f"“{quote}”" if quote else "",
    }
    review = ResponsibilityReview.objects.create(
        incident=incident,
        subjects=subjects[:SUBJECTS_MAX],
        grounds=grounds[:GROUNDS_MAX],
        opened_by=None,
        opened_at=timezone.now(),
    )
    record(
        None,
        "incidents.review.open",
        review,
        after={
            "incident": incident.pk,
            "subjects": review.subjects,
            "grounds": review.grounds,
            "automatic": True,
        },
    )
    _tell(
        incident,
        "incidents.review.open",
        _("【责任倒查】%(firm)s：确诊病例在隔离以外发现，已启动责任倒查（%(subjects)s）。")
        % {"firm": firm.name, "subjects": review.subjects},
    )
    return review


def conclude(actor, review, *, findings: str, outcome: str, expected_version) -> ResponsibilityReview:
    """Record the findings and the outcome; only once, and only on the version the actor read."""
    require(actor, "incidents.review")
    if not ResponsibilityReview.objects.visible_to(actor).filter(pk=review.pk).exists():
        raise PermissionDenied(_("该责任倒查不存在或不在您的管辖范围内。"))
    errors: dict[str, list[str]] = {}
    findings = _text(errors, "findings", _("调查情况"), findings, FINDINGS_MAX)
    outcome = _text(errors, "outcome", _("处理结论"), outcome, OUTCOME_MAX)
    try:
        expected = int(expected_version)
    except (TypeError, ValueError):
        errors["version"] = [_("版本：缺少或无效，请刷新页面后重试")]
        expected = None
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        row = (
            ResponsibilityReview.objects.select_for_update()
            .select_related("incident__enterprise")
            .get(pk=review.pk)
        )
        if row.version != expected:
            raise ReviewConflict(_("该责任倒查已被他人修改或作出结论，请刷新后查看。"))
        if row.status != ReviewStatus.OPEN:
            raise ReviewConflict(_("该责任倒查已作出结论，不能再次办理。"))
        before = {"status": row.status, "findings": row.findings, "outcome": row.outcome}
        row.findings = findings
        row.outcome = outcome
        row.status = ReviewStatus.CONCLUDED
        row.concluded_at = timezone.now()
        row.concluded_by = actor
        row.version += 1
        row.save(update_fields=["findings", "outcome", "status", "concluded_at", "concluded_by", "version"])
        record(
            actor,
            "incidents.review.conclude",
            row,
            before=before,
            after={"status": row.status, "findings": findings, "outcome": outcome},
        )
        _tell(
            row.incident,
            "incidents.review.conclude",
            _("【责任倒查结论】%(firm)s：%(outcome)s")
            % {"firm": row.incident.enterprise.name, "outcome": outcome},
        )
    return row


def visible(user):
    return ResponsibilityReview.objects.visible_to(user).select_related(
        "incident__enterprise__town", "opened_by", "concluded_by"
    )
