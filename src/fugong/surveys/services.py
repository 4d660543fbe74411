"""Survey campaigns: drafted, sent to every firm of a region, answered by the firms, chased, closed.

A campaign is run by the officers of its own region or above (``surveys.manage``): they edit the draft,
send it and close it. Anyone who manages surveys and sees the campaign may remind — a town reminds only
its own firms of the county's campaign, as answers are scoped through the firm. A firm answers its own
response until the deadline as often as it likes (version-checked); a first answer after the deadline is
accepted and marked late; once the campaign is closed nothing more is taken.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from fugong.accounts.models import User
from fugong.accounts.roles import Role, can, require
from fugong.audit.services import record
from fugong.core import dates
from fugong.enterprises.models import Enterprise
from fugong.regions.models import Region, RegionLevel
from fugong.resumption.notifications import notify
from fugong.surveys import fields as catalogue
from fugong.surveys.models import CampaignStatus, ResponseStatus, SurveyCampaign, SurveyResponse

# A product rule, not a policy value: a firm is reminded of one campaign at most once in this many hours,
# whoever presses the button and however often the beat runs.
REMIND_INTERVAL_HOURS = 12
# The beat reminds firms that have not answered once the deadline is this close (and after it).
AUTO_REMIND_BEFORE = dt.timedelta(hours=24)
# A campaign goes to a city, a county or a town.
CAMPAIGN_LEVELS = (RegionLevel.CITY, RegionLevel.COUNTY, RegionLevel.TOWN)


class SurveyConflict(Exception):
    """Someone saved the record after the actor loaded it; saving now would lose their change."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# -- checks ---------------------------------------------------------------------------------------------


def can_run(actor, campaign) -> bool:
    """Edit, send and close: the officers of the campaign's region or a region above it."""
    return (
        can(actor, "surveys.manage")
        and actor.role in (Role.TASK_FORCE, Role.TOWN)
        and actor.region is not None
        and actor.region.contains(campaign.region)
    )


def _require_run(actor, campaign) -> None:
    require(actor, "surveys.manage")
    if not SurveyCampaign.objects.visible_to(actor).filter(pk=campaign.pk).exists():
        raise PermissionDenied
    if not can_run(actor, campaign):
        raise PermissionDenied(_("该摸排由上级发起，只有发起单位可以修改、发送或结束。"))


def _region(actor, value, errors) -> Region | None:
    if isinstance(value, Region):
        region = value
    else:
        code = str(value or "").strip()
        region = Region.objects.filter(code=code).first() if code else None
        if region is None:
            errors["region"] = (
                _("发送范围：必须选择") if not code else _("发送范围：未找到该地区，请从列表中选择")
            )
            return None
    if region.level not in CAMPAIGN_LEVELS:
        errors["region"] = _("发送范围：应选到市、区县或镇乡街道一级")
    elif actor.region is None or not actor.region.contains(region):
        errors["region"] = _("发送范围：只能发往本辖区（%(region)s）或其下的地区") % {
            "region": actor.region or "—"
        }
    return region


def _deadline(value, errors, *, now) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        moment = value
    else:
        text = str(value or "").strip().replace("T", " ")
        if not text:
            errors["deadline"] = _("截止时间：必须填写")
            return None
        moment = None
        if len(text) > 10:
            try:
                moment = parse_datetime(text)
            except ValueError:
                moment = None
        elif len(text) == 10:
            try:
                moment = dt.datetime.combine(dt.date.fromisoformat(text), dt.time(23, 59))
            except ValueError:
                moment = None
        if moment is None:
            errors["deadline"] = _("截止时间：应为有效的日期和时间，如2021-02-01 18:00")
            return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, dates.local_zone())
    if moment <= now:
        errors["deadline"] = _("截止时间：应晚于现在")
    return moment


def _clean_campaign(actor, data: dict) -> dict:
    errors: dict[str, str] = {}
    title = str(data.get("title") or "").strip()
    if not title:
        errors["title"] = _("标题：必须填写")
    elif len(title) > 200:
        errors["title"] = _("标题：不能超过200个字")
    instructions = str(data.get("instructions") or "").strip()
    if len(instructions) > 2000:
        errors["instructions"] = _("填报说明：不能超过2000个字")
    region = _region(actor, data.get("region"), errors)
    keys = data.get("fields") or []
    if isinstance(keys, str):
        keys = [keys]
    unknown = [str(k) for k in keys if k not in catalogue.BY_KEY]
    if unknown:
        errors["fields"] = _("填报项目：没有这些项目（%(keys)s）") % {"keys": "、".join(unknown)}
    elif not keys:
        errors["fields"] = _("填报项目：至少选择一项")
    deadline = _deadline(data.get("deadline"), errors, now=timezone.now())
    if errors:
        raise ValidationError(errors)
    return {
        "title": title,
        "instructions": instructions,
        "region": region,
        "fields": catalogue.ordered(keys),
        "deadline": deadline,
    }


def _snapshot(campaign) -> dict:
    return {
        "title": campaign.title,
        "region": campaign.region_id,
        "fields": list(campaign.fields),
        "deadline": campaign.deadline.isoformat() if campaign.deadline else None,
        "status": campaign.status,
        "version": campaign.version,
    }


def _locked(campaign, expected_version=None) -> SurveyCampaign:
    locked = SurveyCampaign.objects.select_for_update().select_related("region").get(pk=campaign.pk)
    if expected_version is not None and int(expected_version) != locked.version:
        raise SurveyConflict(_("该摸排已被他人修改，请刷新页面后重试。"))
    return locked


# -- campaigns ------------------------------------------------------------------------------------------


def create_campaign(actor, *, title, instructions="", region, fields, deadline) -> SurveyCampaign:
    """A draft campaign; nothing reaches a firm before ``send_campaign``."""
    require(actor, "surveys.manage")
    data = _clean_campaign(
        actor,
        {
            "title": title,
            "instructions": instructions,
            "region": region,
            "fields": fields,
            "deadline": deadline,
        },
    )
    with transaction.atomic():
        campaign = SurveyCampaign.objects.create(created_by=actor, **data)
        record(actor, "surveys.campaign.create", campaign, after=_snapshot(campaign))
    return campaign


def update_campaign(actor, campaign, *, expected_version, **changes) -> SurveyCampaign:
    """A draft's title, instructions, region, fields or deadline; a sent campaign is fixed."""
    _require_run(actor, campaign)
    current = {
        "title": campaign.title,
        "instructions": campaign.instructions,
        "region": campaign.region,
        "fields": campaign.fields,
        "deadline": campaign.deadline,
    }
    data = _clean_campaign(actor, current | changes)
    with transaction.atomic():
        locked = _locked(campaign, expected_version)
        if locked.status != CampaignStatus.DRAFT:
            raise ValidationError({"status": _("状态：已发送的摸排不能再修改")})
        before = _snapshot(locked)
        for key, value in data.items():
            setattr(locked, key, value)
        locked.version += 1
        locked.save()
        record(actor, "surveys.campaign.update", locked, before=before, after=_snapshot(locked))
    return locked


def firms_of(region):
    return Enterprise.objects.filter(town__path__startswith=region.path)


def send_campaign(actor, campaign) -> int:
    """One pending response for every firm of the region not yet included (a resend, or a send after new
    firms were registered, adds only the missing ones); their officers are told once it is committed.
    Returns how many firms were added."""
    _require_run(actor, campaign)
    with transaction.atomic():
        locked = _locked(campaign)
        if locked.status == CampaignStatus.CLOSED:
            raise ValidationError({"status": _("状态：摸排已结束，不能再发送")})
        if locked.deadline <= timezone.now():
            raise ValidationError({"deadline": _("截止时间：已过，请先修改截止时间再发送")})
        already = SurveyResponse.objects.filter(campaign=locked).values("enterprise_id")
        new_ids = list(firms_of(locked.region).exclude(pk__in=already).values_list("pk", flat=True))
        SurveyResponse.objects.bulk_create(
            [SurveyResponse(campaign=locked, enterprise_id=pk) for pk in new_ids], ignore_conflicts=True
        )
        before = _snapshot(locked)
        if locked.status == CampaignStatus.DRAFT:
            locked.status = CampaignStatus.SENT
            locked.sent_at = timezone.now()
            locked.version += 1
            locked.save(update_fields=["status", "sent_at", "version"])
        if new_ids or before["status"] == CampaignStatus.DRAFT:
            record(
                actor,
                "surveys.campaign.send",
                locked,
                before=before,
                after=_snapshot(locked) | {"firms_added": len(new_ids)},
                note=_("下发至%(n)d家企业") % {"n": len(new_ids)},
            )
        _tell_firms(
            locked,
            new_ids,
            "survey_sent",
            _("请填报摸排调查《%(title)s》，截止时间%(deadline)s（菜单：摸排调查）"),
        )
    campaign.refresh_from_db()
    return len(new_ids)


def _tell_firms(campaign, firm_ids, event, template) -> None:
    if not firm_ids:
        return
    users = User.objects.filter(
        is_active=True, role=Role.ENTERPRISE, enterprise_id__in=list(firm_ids)
    ).values_list("pk", flat=True)
    message = template % {"title": campaign.title, "deadline": dates.format_datetime(campaign.deadline)}
    notify(None, list(users), event, message)


def close_campaign(actor, campaign) -> SurveyCampaign:
    """No more answers are taken; what came in stays, and the firms that never answered stay listed."""
    _require_run(actor, campaign)
    with transaction.atomic():
        locked = _locked(campaign)
        if locked.status != CampaignStatus.SENT:
            raise ValidationError({"status": _("状态：只有填报中的摸排可以结束")})
        before = _snapshot(locked)
        locked.status = CampaignStatus.CLOSED
        locked.closed_at = timezone.now()
        locked.version += 1
        locked.save(update_fields=["status", "closed_at", "version"])
        record(actor, "surveys.campaign.close", locked, before=before, after=_snapshot(locked))
    return locked


def _remindable(responses, now):
    """Pending responses not reminded within the interval."""
    since = now - dt.timedelta(hours=REMIND_INTERVAL_HOURS)
    return responses.filter(status=ResponseStatus.PENDING).filter(
        Q(last_reminded_at__isnull=True) | Q(last_reminded_at__lte=since)
    )


def _remind(actor, campaign, responses) -> int:
    now = timezone.now()
    with transaction.atomic():
        rows = list(_remindable(responses, now).select_for_update().values_list("pk", "enterprise_id"))
        if not rows:
            return 0
        pks = [pk for pk, _firm in rows]
        SurveyResponse.objects.filter(pk__in=pks).update(
            reminders_sent=F("reminders_sent") + 1, last_reminded_at=now
        )
        record(
            actor,
            "surveys.campaign.remind",
            campaign,
            after={"reminded": len(pks)},
            note=_("催报%(n)d家未填报企业") % {"n": len(pks)},
        )
        _tell_firms(
            campaign,
            [firm for _pk, firm in rows],
            "survey_reminder",
            _("催报：摸排调查《%(title)s》尚未填报，截止时间%(deadline)s（菜单：摸排调查）"),
        )
    return len(pks)


def remind(actor, campaign) -> int:
    """Tell the firms in the actor's scope that have not answered; a firm reminded within
    ``REMIND_INTERVAL_HOURS`` is skipped. Returns how many firms were reminded."""
    require(actor, "surveys.manage")
    if not SurveyCampaign.objects.visible_to(actor).filter(pk=campaign.pk).exists():
        raise PermissionDenied
    if campaign.status != CampaignStatus.SENT:
        raise ValidationError({"status": _("状态：只有填报中的摸排可以催报")})
    responses = SurveyResponse.objects.visible_to(actor).filter(campaign=campaign)
    return _remind(actor, campaign, responses)


def remind_due(now=None) -> int:
    """The beat's run: every sent campaign due within ``AUTO_REMIND_BEFORE`` (or past due and still open)
    reminds its firms that have not answered, under the same interval as the button."""
    now = now or timezone.now()
    due = SurveyCampaign.objects.filter(status=CampaignStatus.SENT, deadline__lte=now + AUTO_REMIND_BEFORE)
    total = 0
    for campaign in due.select_related("region").order_by("pk"):
        total += _remind(None, campaign, SurveyResponse.objects.filter(campaign=campaign))
    return total


# -- responses ------------------------------------------------------------------------------------------


def submit_response(actor, response, answers, expected_version) -> SurveyResponse:
    """The firm's answers, every field checked (every error at once, each naming its field). Until the
    deadline a firm may submit again; after it, a first answer is taken and marked late, a change is not."""
    require(actor, "surveys.answer")
    if not SurveyResponse.objects.visible_to(actor).filter(pk=response.pk).exists():
        raise PermissionDenied
    campaign = response.campaign
    if campaign.status == CampaignStatus.CLOSED:
        raise ValidationError({"status": _("状态：本次摸排已结束，不能再填报")})
    if campaign.status != CampaignStatus.SENT:
        raise PermissionDenied
    cleaned = catalogue.clean_answers(campaign.fields, answers)
    with transaction.atomic():
        locked = SurveyResponse.objects.select_for_update().get(pk=response.pk)
        if expected_version is None or str(expected_version) != str(locked.version):
            raise SurveyConflict(_("本企业的填报已被他人更新，请刷新页面查看后再提交。"))
        now = timezone.now()
        late = now > campaign.deadline
        if locked.status == ResponseStatus.SUBMITTED and late:
            raise ValidationError({"deadline": _("截止时间：已过截止时间，已提交的填报不能再修改")})
        before = {"status": locked.status, "answers": locked.answers, "version": locked.version}
        locked.answers = cleaned
        locked.late = late if locked.status == ResponseStatus.PENDING else locked.late
        locked.status = ResponseStatus.SUBMITTED
        locked.submitted_at = now
        locked.submitted_by = actor
        locked.version += 1
        locked.save(update_fields=["answers", "late", "status", "submitted_at", "submitted_by", "version"])
        record(
            actor,
            "surveys.response.submit",
            locked,
            before=before,
            after={
                "status": locked.status,
                "answers": cleaned,
                "version": locked.version,
                "late": locked.late,
            },
            note=_("逾期提交") if late else "",
        )
    return locked
