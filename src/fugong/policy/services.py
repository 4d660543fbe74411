"""Every write to policy data: atomic, on a locked policy row, audited.

A version is never edited: an edit publishes a new version from a date. The past is not rewritten —
a new version may not take effect before today (only a loader building history passes
``allow_past``), nor before the newest version's date, so that what the rules said on any past day
stays what decisions taken that day recorded. Two officers editing the same version cannot both
publish: the form carries the version it was based on, and a newer one makes the second one fail.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.audit.services import diff, record, snapshot
from fugong.core.dates import format_date, format_datetime
from fugong.policy.divisions import normalize_division_code
from fugong.policy.models import (
    NoReturnArea,
    Policy,
    PolicyVersion,
    RiskArea,
    RiskLevel,
)
from fugong.policy.parameters import SPECS_BY_KEY, PolicyParameters, validate_parameters
from fugong.policy.selectors import can_edit_policy
from fugong.policy.signals import risk_areas_changed
from fugong.regions.models import Region

AREA_FIELDS = ["policy", "region_code", "region", "name", "valid_from", "valid_to", "notice", "source"]


class PolicyConflict(ValidationError):
    """The version a form was based on is no longer the newest."""


def _check_can_edit(actor, policy: Policy) -> None:
    # actor=None is the system (a management command or the demo loader), which acts on its own authority.
    if actor is not None and not can_edit_policy(actor, policy):
        raise PermissionDenied(_("您无权修改「%(region)s」的防控政策。") % {"region": policy.region.name})


def _as_region(region) -> Region:
    if isinstance(region, Region):
        return region
    try:
        return Region.objects.get(code=str(region).strip())
    except Region.DoesNotExist as exc:
        raise ValidationError({"region": [_("区划代码「%(code)s」不存在。") % {"code": region}]}) from exc


# -- versions -------------------------------------------------------------------------------------------


def _version_picture(version: PolicyVersion | None, params: PolicyParameters | None) -> dict | None:
    if version is None:
        return None
    return {
        "number": version.number,
        "effective_from": version.effective_from,
        "parameters": params.to_json() if params else version.parameters,
    }


def _provenance(policy, latest, stored: dict, given: dict | None, actor, note: str) -> dict:
    given = given or {}
    previous = latest.parameters if latest else {}
    previous_sources = latest.provenance if latest else {}
    changed = [k for k in stored if k not in given and previous.get(k) != stored[k]]
    if changed and not note:
        raise ValidationError(
            {
                "note": [
                    _(
                        "修改了参数（%(keys)s），须在「修改依据」中写明文件文号或修改理由：每个取值都要有出处。"
                    )
                    % {"keys": "、".join(str(SPECS_BY_KEY[k].label) for k in changed)}
                ]
            }
        )
    by = getattr(actor, "display_name", "") if getattr(actor, "pk", None) else ""
    local = {
        "local": True,
        "policy": policy.name,
        "version": policy.latest_number + 1,
        "by": by,
        "date": timezone.localdate().isoformat(),
        "basis": note,
    }
    return {
        k: given.get(k) or (dict(local) if k in changed else previous_sources.get(k, dict(local)))
        for k in stored
    }


def create_version(
    policy: Policy,
    parameters: dict | PolicyParameters,
    *,
    effective_from: dt.date,
    based_on: int,
    actor=None,
    note: str = "",
    preset_key: str = "",
    allow_past: bool = False,
    provenance: dict | None = None,
) -> PolicyVersion:
    """Publish a new version of ``policy`` in force from ``effective_from``.

    ``based_on`` is the version number the editor started from; if someone published since, this
    raises PolicyConflict and nothing is saved. ValidationError messages name the field in Chinese.

    Every value keeps its source: ``provenance`` gives it for a preset being applied; otherwise a value
    equal to the previous version's keeps that version's source, and a changed value is a local change
    whose basis is ``note`` (a document number or a stated reason), which is then required.
    """
    _check_can_edit(actor, policy)
    data = parameters.to_json() if isinstance(parameters, PolicyParameters) else parameters
    params = validate_parameters(data)
    today = timezone.localdate()
    if effective_from is None:
        raise ValidationError({"effective_from": [_("「生效日期」不能为空。")]})
    if effective_from < today and not allow_past:
        raise ValidationError(
            {
                "effective_from": [
                    _("「生效日期」不得早于今天（%(today)s）：过去的日子按当时的政策办理，新版本不能改写。")
                    % {"today": today}
                ]
            }
        )
    note = (note or "").strip()
    if len(note) > 300:
        raise ValidationError({"note": [_("「修改说明」不能超过 300 字。")]})

    with transaction.atomic():
        locked = Policy.objects.select_for_update().select_related("region").get(pk=policy.pk)
        latest = locked.versions.select_related("created_by").order_by("-number").first()
        if based_on != locked.latest_number:
            who = latest.created_by.display_name if latest and latest.created_by else _("系统")
            raise PolicyConflict(
                _(
                    "该政策已由%(who)s于 %(at)s 更新为第%(n)d版，您编辑的是第%(base)s版。请在最新版本基础上重新修改，"
                    "以免覆盖他人的修改。"
                )
                % {
                    "who": who,
                    "at": format_datetime(latest.created_at) if latest else "",
                    "n": locked.latest_number,
                    "base": based_on,
                },
                code="conflict",
            )
        if latest is not None:
            if effective_from < latest.effective_from:
                raise ValidationError(
                    {
                        "effective_from": [
                            _("「生效日期」不得早于第%(n)d版的生效日期（%(d)s）：版本须按日期先后发布。")
                            % {"n": latest.number, "d": format_date(latest.effective_from)}
                        ]
                    }
                )
            if latest.params == params:
                raise ValidationError(
                    {"parameters": [_("参数与第%(n)d版完全相同，无需发布新版本。") % {"n": latest.number}]}
                )
        stored = params.to_json()
        sources = _provenance(locked, latest, stored, provenance, actor, note)
        version = PolicyVersion.objects.create(
            policy=locked,
            number=locked.latest_number + 1,
            effective_from=effective_from,
            parameters=stored,
            provenance=sources,
            preset_key=preset_key,
            note=note,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        locked.latest_number = version.number
        locked.save(update_fields=["latest_number"])
        before = _version_picture(latest, latest.params if latest else None)
        after = _version_picture(version, params)
        if before is not None:
            changed_before, changed_after = diff(before["parameters"], after["parameters"])
            before["parameters"], after["parameters"] = changed_before, changed_after
            # Keys that disappeared (a rule no longer applies) are changes too.
            for key in set(latest.parameters) - set(version.parameters):
                before["parameters"][key] = latest.parameters[key]
                after["parameters"][key] = None
        record(actor, "policy.version.create", version, before=before, after=after, note=note)
        from fugong.policy.impact import start_redecision  # the rules it runs import this module

        start_redecision(version)
    policy.latest_number = version.number
    return version


# -- presets -------------------------------------------------------------------------------------------


def apply_preset(region, preset_key: str, actor=None, effective_from: dt.date | None = None) -> Policy:
    """See ``fugong.policy.loading.apply_preset``."""
    from fugong.policy.loading import apply_preset as apply

    return apply(region, preset_key, actor=actor, effective_from=effective_from)


# -- risk areas and no-return areas --------------------------------------------------------------------


def _overlapping(model, policy, code, valid_from, valid_to):
    qs = model.objects.filter(policy=policy, region_code=code).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from)
    )
    if valid_to is not None:
        qs = qs.filter(valid_from__lte=valid_to)
    return qs.first()


def _clean_area(region_code, name, valid_from, valid_to, source) -> tuple[str, str, str]:
    errors: dict[str, list[str]] = {}
    code = ""
    try:
        code = normalize_division_code(region_code, _("区划代码"))
    except ValidationError as exc:
        errors["region_code"] = exc.messages
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("「名称」不能为空，例如“某某省”。")]
    elif len(name) > 200:
        errors["name"] = [_("「名称」不能超过 200 字。")]
    if valid_from is None:
        errors["valid_from"] = [_("「起始日期」不能为空。")]
    elif valid_to is not None and valid_to < valid_from:
        errors["valid_to"] = [
            _("「截止日期」不得早于「起始日期」（%(d)s）。") % {"d": format_date(valid_from)}
        ]
    source = (source or "").strip()
    if len(source) > 300:
        errors["source"] = [_("「依据」不能超过 300 字。")]
    if errors:
        raise ValidationError(errors)
    return code, name, source


def _announce_area_change(policy, code) -> None:
    # After commit, so that receivers (employee re-evaluation) read the areas as saved, and nothing is
    # re-decided for a change that was rolled back.
    transaction.on_commit(lambda: risk_areas_changed.send(sender=Policy, policy=policy, region_codes=[code]))


def _add_area(
    model, action, policy, actor, *, region_code, name, valid_from, valid_to, source, notice=None, **extra
):
    _check_can_edit(actor, policy)
    code, name, source = _clean_area(region_code, name, valid_from, valid_to, source)
    with transaction.atomic():
        Policy.objects.select_for_update().filter(pk=policy.pk).first()
        clash = _overlapping(model, policy, code, valid_from, valid_to)
        if clash is not None:
            raise ValidationError(
                {
                    "region_code": [
                        _(
                            "「%(name)s」（%(code)s）在该期间已有登记：%(clash)s。如需改变等级或期限，请先解除原登记。"
                        )
                        % {"name": name, "code": code, "clash": clash}
                    ]
                }
            )
        area = model.objects.create(
            policy=policy,
            region_code=code,
            region=Region.objects.filter(code=code).first(),
            name=name,
            valid_from=valid_from,
            valid_to=valid_to,
            source=source,
            notice=notice,
            created_by=actor if getattr(actor, "pk", None) else None,
            **extra,
        )
        record(actor, action, area, after=snapshot(area, [*AREA_FIELDS, *extra]))
        _announce_area_change(policy, code)
    return area


def add_risk_area(
    policy: Policy,
    *,
    region_code: str,
    name: str,
    level: str,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    source: str = "",
    notice=None,
    actor=None,
) -> RiskArea:
    """Register a risk area (a division code and all below it) from ``valid_from`` to ``valid_to``
    inclusive (open-ended when None). An area already registered for an overlapping period is refused."""
    if level not in RiskLevel.values:
        raise ValidationError(
            {
                "level": [
                    _("「风险等级」须为以下之一：%(opts)s。")
                    % {"opts": "、".join(str(label) for label in RiskLevel.labels)}
                ]
            }
        )
    return _add_area(
        RiskArea,
        "policy.risk_area.create",
        policy,
        actor,
        region_code=region_code,
        name=name,
        valid_from=valid_from,
        valid_to=valid_to,
        source=source,
        notice=notice,
        level=level,
    )


def add_no_return_area(
    policy: Policy,
    *,
    region_code: str,
    name: str,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    source: str = "",
    notice=None,
    actor=None,
) -> NoReturnArea:
    return _add_area(
        NoReturnArea,
        "policy.no_return_area.create",
        policy,
        actor,
        region_code=region_code,
        name=name,
        valid_from=valid_from,
        valid_to=valid_to,
        source=source,
        notice=notice,
    )


def _end_area(model, action, area, last_day, actor):
    _check_can_edit(actor, area.policy)
    if last_day is None:
        raise ValidationError({"last_day": [_("「截止日期」不能为空。")]})
    with transaction.atomic():
        Policy.objects.select_for_update().filter(pk=area.policy_id).first()
        locked = model.objects.get(pk=area.pk)
        if last_day < locked.valid_from:
            raise ValidationError(
                {
                    "last_day": [
                        _("「截止日期」不得早于该地区的起始日期（%(d)s）。")
                        % {"d": format_date(locked.valid_from)}
                    ]
                }
            )
        if locked.valid_to is not None and last_day > locked.valid_to:
            raise ValidationError(
                {
                    "last_day": [
                        _("该地区已于 %(d)s 截止，不能延长；如仍需管控，请重新登记。")
                        % {"d": format_date(locked.valid_to)}
                    ]
                }
            )
        before = snapshot(locked, ["valid_to"])
        locked.valid_to = last_day
        locked.ended_at = timezone.now()
        locked.ended_by = actor if getattr(actor, "pk", None) else None
        locked.save(update_fields=["valid_to", "ended_at", "ended_by"])
        record(actor, action, locked, before=before, after=snapshot(locked, ["valid_to"]))
        _announce_area_change(locked.policy, locked.region_code)
    area.valid_to, area.ended_at, area.ended_by = locked.valid_to, locked.ended_at, locked.ended_by
    return area


def end_risk_area(area: RiskArea, *, last_day: dt.date, actor=None) -> RiskArea:
    """Lift a risk area: ``last_day`` is the last day it is in force."""
    return _end_area(RiskArea, "policy.risk_area.end", area, last_day, actor)


def end_no_return_area(area: NoReturnArea, *, last_day: dt.date, actor=None) -> NoReturnArea:
    return _end_area(NoReturnArea, "policy.no_return_area.end", area, last_day, actor)
