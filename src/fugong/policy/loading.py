"""Preset files in and out: load one (its notice, checklists and values), apply it to a region from a
date, and write any policy version back out in the same format.

``manage.py load_preset FILE`` and the policy page's upload both come here, so a city's own notice
goes through exactly what the shipped ones do.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.audit.services import record, snapshot
from fugong.policy.divisions import normalize_division_code
from fugong.policy.models import (
    ChecklistDefinition,
    ChecklistItem,
    NoReturnArea,
    Notice,
    Policy,
    PolicyVersion,
    Preset,
    RiskArea,
)
from fugong.policy.parameters import diff_parameters, parse_parameters, validate_parameters
from fugong.policy.preset_files import PresetFile, dump_preset, read_preset
from fugong.policy.seeding import store_preset, sync_checklists, upsert_notice
from fugong.policy.selectors import UnknownPreset, can_create_policy_for, get_preset
from fugong.policy.services import (
    _as_region,
    _overlapping,
    add_no_return_area,
    add_risk_area,
    create_version,
)


def load_preset(source: PresetFile | str | bytes, *, actor=None, shipped: bool = False) -> tuple[Preset, str]:
    """Store a preset file: its notice (created, or brought up to date), its checklists (missing ones
    created; existing ones never changed, answers cite them) and the preset itself. Returns the preset
    and "created", "updated" or "unchanged". Every problem is a ValidationError naming the key."""
    preset_file = source if isinstance(source, PresetFile) else read_preset(source)
    with transaction.atomic():
        notice, notice_changed = upsert_notice(Notice, preset_file.notice, actor=actor)
        if notice_changed:
            record(actor, "policy.notice.load", notice, after=snapshot(notice, ["code", "title", "issuer"]))
        sync_checklists(ChecklistDefinition, ChecklistItem, notice, preset_file.data.get("checklists", []))
        _check_cited_notices(preset_file)
        try:
            validate_parameters(preset_file.parameter_values())
        except ValidationError as exc:
            raise ValidationError(
                {f"parameters.{k}": [f"parameters.{k}：{m}" for m in v] for k, v in exc.message_dict.items()}
            ) from exc
        preset, outcome = store_preset(Preset, notice, preset_file, shipped=shipped, actor=actor)
        if outcome != "unchanged":
            record(
                actor,
                f"policy.preset.{'load' if outcome == 'created' else 'update'}",
                preset,
                after=snapshot(preset, ["key", "name", "notice", "digest"]),
            )
    return preset, outcome


def _check_cited_notices(preset_file: PresetFile) -> None:
    codes = {
        entry["notice"] for entry in preset_file.data.get("parameters", {}).values() if entry.get("notice")
    }
    known = set(Notice.objects.filter(code__in=codes).values_list("code", flat=True))
    missing = sorted(codes - known)
    if missing:
        raise ValidationError(
            {
                "parameters": [
                    _("参数引用的政策文件「%(codes)s」尚未载入，请先载入该文件的预设。")
                    % {"codes": "、".join(missing)}
                ]
            }
        )


def preset_provenance(preset: Preset) -> dict:
    """The preset's provenance with every cited notice's short title filled in."""
    provenance = PresetFile(data=preset.data, content=preset.content).provenance()
    titles = dict(Notice.objects.values_list("code", "short_title"))
    for entry in provenance.values():
        if not entry.get("local") and not entry.get("notice_title"):
            entry["notice_title"] = titles.get(entry.get("notice"), entry.get("notice", ""))
    return provenance


def _find_preset(key) -> Preset:
    if isinstance(key, Preset):
        return key
    try:
        return get_preset(key)
    except UnknownPreset as exc:
        known = "、".join(Preset.objects.values_list("key", flat=True))
        raise ValidationError(
            {"preset_key": [_("预设「%(key)s」不存在；可选：%(keys)s。") % {"key": key, "keys": known}]}
        ) from exc


def apply_preset(region, preset_key, actor=None, effective_from: dt.date | None = None) -> Policy:
    """Give ``region`` (a Region or its code) the rules of a loaded preset from ``effective_from``
    (today when omitted): a new policy with version 1, or a new version of the region's policy. Every
    value carries its source from the preset file.

    A new policy may start on a past date — that is how a city's history is loaded. Running it again
    with the same preset and date changes nothing.
    """
    region = _as_region(region)
    preset = _find_preset(preset_key)
    effective_from = effective_from or timezone.localdate()
    if actor is not None and not can_create_policy_for(actor, region):
        raise PermissionDenied(_("您无权为「%(region)s」设置防控政策。") % {"region": region.name})
    values = PresetFile(data=preset.data, content=preset.content).parameter_values()
    params = validate_parameters(values)
    provenance = preset_provenance(preset)
    note = _("应用预设：%(name)s") % {"name": preset.name}

    with transaction.atomic():
        policy = Policy.objects.select_for_update().filter(region=region).first()
        if policy is None:
            try:
                with transaction.atomic():
                    policy = Policy.objects.create(
                        region=region,
                        name=_("%(region)s复工复产防控政策") % {"region": region.name},
                        preset_key=preset.key,
                        created_by=actor if getattr(actor, "pk", None) else None,
                    )
            except IntegrityError as exc:
                # Two officers applying a preset to the same region at once: the second one loses.
                raise ValidationError(
                    {
                        "region": [
                            _("「%(region)s」的政策刚刚已由他人设置，请刷新后在其基础上修改。")
                            % {"region": region.name}
                        ]
                    }
                ) from exc
            record(
                actor,
                "policy.create",
                policy,
                after=snapshot(policy, ["region", "name", "preset_key"]),
                note=note,
            )
            create_version(
                policy,
                params,
                effective_from=effective_from,
                based_on=0,
                actor=actor,
                note=note,
                preset_key=preset.key,
                allow_past=True,
                provenance=provenance,
            )
        else:
            latest = policy.latest_version()
            same = (
                latest is not None
                and latest.preset_key == preset.key
                and latest.effective_from == effective_from
                and latest.params == params
            )
            if not same:
                create_version(
                    policy,
                    params,
                    effective_from=effective_from,
                    based_on=policy.latest_number,
                    actor=actor,
                    note=note,
                    preset_key=preset.key,
                    provenance=provenance,
                )
        _apply_areas(policy, preset, effective_from, actor)
    return policy


def _apply_areas(policy: Policy, preset: Preset, effective_from: dt.date, actor) -> None:
    for model, key in ((RiskArea, "risk_areas"), (NoReturnArea, "no_return_areas")):
        for area in preset.data.get(key, []):
            code = normalize_division_code(area["region_code"])
            if _overlapping(model, policy, code, effective_from, None):
                continue
            kwargs = {
                "region_code": area["region_code"],
                "name": area["name"],
                "valid_from": effective_from,
                "source": area.get("section", ""),
                "notice": preset.notice,
                "actor": actor,
            }
            if model is RiskArea:
                add_risk_area(policy, level=area["level"], **kwargs)
            else:
                add_no_return_area(policy, **kwargs)


# -- preview -------------------------------------------------------------------------------------------


def preview_against(preset_file: PresetFile, policy: Policy | None) -> list[dict]:
    """What applying the file would change in ``policy``'s newest version: the parameters whose value
    differs, labelled, with old and new values (every parameter, for a region without a policy)."""
    new = parse_parameters(preset_file.parameter_values())
    latest = policy.latest_version() if policy is not None else None
    return diff_parameters(latest.params if latest else None, new)


# -- export --------------------------------------------------------------------------------------------


def export_version(version: PolicyVersion) -> str:
    """The version as a preset file: its values with their sources, the notice it started from, and
    the risk and no-return areas in force on its date. Loading the file back gives the same answers."""
    policy = version.policy
    preset = (
        Preset.objects.filter(key=version.preset_key or policy.preset_key).select_related("notice").first()
    )
    notice = preset.notice if preset else None
    parameters = {}
    for key, value in version.parameters.items():
        source = (version.provenance or {}).get(key) or {}
        entry: dict = {"value": value}
        if source.get("local"):
            entry["local"] = {
                k: source[k] for k in ("policy", "version", "by", "date", "basis") if source.get(k)
            }
            entry["local"].setdefault("basis", version.note or _("本地修改"))
            entry["local"].setdefault("date", version.effective_from.isoformat())
            entry["local"].setdefault("version", version.number)
        else:
            if source.get("notice") and (notice is None or source["notice"] != notice.code):
                entry["notice"] = source["notice"]
            for part in ("section", "quote", "note"):
                if source.get(part):
                    entry[part] = source[part]
            if "section" not in entry and "note" not in entry:
                entry["note"] = _("出处未记录（早于取值依据记录的版本）")
        parameters[key] = entry
    if notice is None:
        notice_block = {
            "code": f"policy-{policy.pk}",
            "title": policy.name,
            "short_title": policy.name[:100],
            "issuer": policy.region.name,
        }
    else:
        notice_block = {
            "code": notice.code,
            "title": notice.title,
            "short_title": notice.short_title,
            "issuer": notice.issuer,
            "issued_on": notice.issued_on.isoformat() if notice.issued_on else None,
            "issued_label": notice.issued_label,
            "published_at": notice.published_at,
            "text": notice.text,
        }
    checklist_keys = version.parameters.get("required_checklists") or []
    checklists = []
    for definition in ChecklistDefinition.objects.filter(key__in=checklist_keys).prefetch_related("items"):
        block = {"key": definition.key, "name": definition.name, "section": definition.source}
        if definition.description:
            block["description"] = definition.description
        block["items"] = []
        for item in definition.items.all():
            entry = {"code": item.code, "section": item.notice_ref, "method": item.check_method}
            if item.data_rule:
                entry["rule"] = item.data_rule
            if item.data_rule_args:
                entry["args"] = item.data_rule_args
            entry["text"] = item.text
            block["items"].append(entry)
        checklists.append(block)
    chain = [policy.pk, *_ancestor_policy_ids(policy)]
    risk = (
        RiskArea.objects.filter(policy_id__in=chain).in_force(version.effective_from).order_by("region_code")
    )
    no_return = (
        NoReturnArea.objects.filter(policy_id__in=chain)
        .in_force(version.effective_from)
        .order_by("region_code")
    )
    data = {
        "format": 1,
        "key": f"{(preset.key if preset else 'policy')}-{policy.region.code}-v{version.number}"[:60],
        "name": _("%(policy)s 第%(n)d版") % {"policy": policy.name, "n": version.number},
        "notice": notice_block,
        "parameters": parameters,
        "checklists": checklists,
        "risk_areas": [_area_block(a, level=a.level) for a in risk],
        "no_return_areas": [_area_block(a) for a in no_return],
    }
    header = _("%(policy)s 第%(n)d版（%(d)s 起）导出的预设文件") % {
        "policy": policy.name,
        "n": version.number,
        "d": version.effective_from.isoformat(),
    }
    return dump_preset(data, header)


def _area_block(area, **extra) -> dict:
    block = {"region_code": area.region_code, "name": area.name, **extra}
    if area.source:
        block["section"] = area.source[:200]
    return block


def _ancestor_policy_ids(policy: Policy) -> list[int]:
    codes = [c for c in policy.region.path.split("/") if c and c != policy.region.code]
    return list(Policy.objects.filter(region__code__in=codes).values_list("pk", flat=True))
