"""Keeping the inside of a firm (SPEC §3): prevention team, zones, grid units, dorm rooms, canteen
sittings, shuttle routes, isolation rooms and gate points.

Pages, API and imports change these rows only through ``create_part``, ``update_part`` and
``delete_part``. Each call checks the capability and the firm's scope, applies the kind's rules with
Chinese messages of the form "字段：规则", locks the firm's row so that two phones cannot both pass a
rule such as "one leader per team", and writes one audit entry in the same transaction.
"""

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal, InvalidOperation

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.http import Http404
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from fugong.accounts.roles import can
from fugong.audit.services import diff, record, snapshot
from fugong.enterprises.models import (
    CanteenSitting,
    DormRoom,
    Enterprise,
    GatePoint,
    GridLevel,
    GridUnit,
    IsolationRoom,
    PreventionTeamMember,
    ResumptionMode,
    ShuttleRoute,
    TeamRole,
    Zone,
    ZoneKind,
)
from fugong.policy.selectors import find_policy_for

EDIT_CAPABILITY = "enterprise.inside.edit"
VIEW_CAPABILITY = "enterprise.view"


class Problems:
    """Errors collected while checking one row, keyed by field, each message naming its field."""

    def __init__(self, model: type[models.Model]):
        self.model = model
        self.errors: dict[str, list[str]] = {}

    def add(self, field_name: str, rule: str) -> None:
        self.errors.setdefault(field_name, []).append(f"{field_label(self.model, field_name)}：{rule}")

    def add_general(self, message: str) -> None:
        self.errors.setdefault(NON_FIELD_ERRORS, []).append(message)

    def __contains__(self, field_name: str) -> bool:
        return field_name in self.errors

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


def field_label(model: type[models.Model], field_name: str) -> str:
    if field_name == NON_FIELD_ERRORS:
        return ""
    return str(model._meta.get_field(field_name).verbose_name)


@dataclass(frozen=True)
class PartKind:
    """One kind of part: which fields people edit, and the rules beyond the model's own."""

    slug: str
    model: type[models.Model]
    fields: tuple[str, ...]
    title: str
    rules: Callable[[models.Model, Enterprise, Problems], None]
    warnings: Callable[[models.Model, Enterprise], list[str]] | None = None
    delete_rules: Callable[[models.Model, Problems], None] | None = None
    related: tuple[str, ...] = field(default=())  # select_related for listing

    @property
    def verbose_name(self) -> str:
        return str(self.model._meta.verbose_name)

    @property
    def audit_name(self) -> str:
        return self.model._meta.model_name


@dataclass
class Saved:
    obj: models.Model
    warnings: list[str]


# ---------------------------------------------------------------------------------------------------
# Shared checks


def _unique_in_firm(obj, firm, problems: Problems, field_name: str, rule: str, **same) -> None:
    """``field_name`` must not repeat inside the firm (within ``same`` when given).

    Names double as natural keys, which is also what stops a retried request from a phone on a bad
    network from creating the same row twice.
    """
    value = getattr(obj, field_name)
    if value in (None, "") or field_name in problems:
        return
    clash = type(obj).objects.filter(enterprise=firm, **{field_name: value}, **same).exclude(pk=obj.pk)
    if clash.exists():
        problems.add(field_name, rule)


def _at_least_one(obj, problems: Problems, field_name: str) -> None:
    value = getattr(obj, field_name)
    if value is not None and value < 1:
        problems.add(field_name, gettext("至少为 1，当前为 %(value)s。") % {"value": value})


_PHONE = re.compile(r"^(?:(?:\+?86)?1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(?:-\d{1,6})?|\d{7,8})$", re.ASCII)


def _normalise_phone(value: str) -> str:
    return unicodedata.normalize("NFKC", value).replace(" ", "")


def _check_phone(obj, problems: Problems, field_name: str) -> None:
    value = getattr(obj, field_name)
    if not value:
        return
    value = _normalise_phone(value)
    setattr(obj, field_name, value)
    if not _PHONE.match(value):
        problems.add(
            field_name,
            gettext(
                "“%(value)s”不是有效的电话号码，请填写 11 位手机号或带区号的固定电话（如 0575-87012345）。"
            )
            % {"value": value},
        )


# ---------------------------------------------------------------------------------------------------
# 防疫工作小组


def _same_person(a: str, b: str) -> bool:
    return re.sub(r"\s+", "", a or "") == re.sub(r"\s+", "", b or "")


def _team_rules(member: PreventionTeamMember, firm: Enterprise, problems: Problems) -> None:
    _unique_in_firm(
        member,
        firm,
        problems,
        "name",
        gettext("小组中已有“%(name)s”，同一人只登记一次。") % {"name": member.name},
    )
    if member.team_role == TeamRole.LEADER:
        other = (
            PreventionTeamMember.objects.filter(enterprise=firm, team_role=TeamRole.LEADER)
            .exclude(pk=member.pk)
            .first()
        )
        if other is not None:
            problems.add(
                "team_role",
                gettext("小组只能有一名组长，已有组长“%(name)s”；请先把其改为副组长或成员。")
                % {"name": other.name},
            )
    _check_phone(member, problems, "phone")


def team_notices(firm: Enterprise) -> list[str]:
    """The prevention team is led by the legal representative; a reminder, never a block."""
    leader = PreventionTeamMember.objects.filter(enterprise=firm, team_role=TeamRole.LEADER).first()
    if leader is None:
        return [
            gettext("防疫工作小组尚未设置组长；按要求应由法定代表人（%(rep)s）牵头。")
            % {"rep": firm.legal_representative}
        ]
    return _leader_warning(leader, firm)


def _leader_warning(member: PreventionTeamMember, firm: Enterprise) -> list[str]:
    if member.team_role != TeamRole.LEADER or _same_person(member.name, firm.legal_representative):
        return []
    return [
        gettext("组长“%(leader)s”与法定代表人“%(rep)s”不一致；按要求防疫工作小组应由法定代表人牵头。")
        % {"leader": member.name, "rep": firm.legal_representative}
    ]


# ---------------------------------------------------------------------------------------------------
# 厂区分区


def _zone_rules(zone: Zone, firm: Enterprise, problems: Problems) -> None:
    _unique_in_firm(
        zone, firm, problems, "name", gettext("本企业已有名为“%(name)s”的分区。") % {"name": zone.name}
    )


def _zone_delete_rules(zone: Zone, problems: Problems) -> None:
    used = GridUnit.objects.filter(zone=zone).count()
    if used:
        problems.add_general(
            gettext("分区“%(name)s”仍是 %(count)s 个网格单元的所在分区，请先修改这些网格单元。")
            % {"name": zone.name, "count": used}
        )


def _policy_today(firm: Enterprise):
    """The policy in force for the firm's town today, or None where none applies."""
    return find_policy_for(firm.town) if firm.town_id else None


def zone_notices(firm: Enterprise) -> list[str]:
    """The zones the policy requires a closed-in-plant firm to separate (``closed_in_plant_zones``)
    that it has not set up; nothing where the policy requires none."""
    if firm.resumption_mode != ResumptionMode.CLOSED_IN_PLANT:
        return []
    policy = _policy_today(firm)
    required = policy.parameters.closed_in_plant_zones if policy is not None else None
    if not required:
        return []
    present = set(Zone.objects.filter(enterprise=firm).values_list("kind", flat=True))
    labels = dict(ZoneKind.choices)
    missing = [str(labels.get(kind, kind)) for kind in required if kind not in present]
    if not missing:
        return []
    return [
        gettext("%(source)s：封闭驻厂企业须硬隔离设置%(zones)s，尚未设置：%(missing)s。")
        % {
            "source": policy.cite("closed_in_plant_zones"),
            "zones": "、".join(str(labels.get(kind, kind)) for kind in required),
            "missing": "、".join(missing),
        }
    ]


# ---------------------------------------------------------------------------------------------------
# 网格单元：车间 → 班组 → 岗位

PARENT_LEVEL = {GridLevel.WORKSHOP: None, GridLevel.TEAM: GridLevel.WORKSHOP, GridLevel.POST: GridLevel.TEAM}


def _grid_rules(unit: GridUnit, firm: Enterprise, problems: Problems) -> None:
    level = unit.level
    if level in PARENT_LEVEL:
        wanted = PARENT_LEVEL[level]
        parent = unit.parent
        level_label = GridLevel(level).label
        if parent is not None and parent.enterprise_id != firm.pk:
            problems.add("parent", gettext("必须是本企业的网格单元。"))
        elif parent is not None and unit.pk is not None and parent.pk == unit.pk:
            problems.add("parent", gettext("不能把单元设为自己的上级。"))
        elif wanted is None and parent is not None:
            problems.add("parent", gettext("车间是最高一级，不能有上级单元。"))
        elif wanted is not None and parent is None:
            problems.add(
                "parent",
                gettext("%(level)s必须归属于一个%(wanted)s。")
                % {"level": level_label, "wanted": GridLevel(wanted).label},
            )
        elif wanted is not None and parent.level != wanted:
            problems.add(
                "parent",
                gettext("%(level)s的上级必须是%(wanted)s，“%(parent)s”是%(parent_level)s。")
                % {
                    "level": level_label,
                    "wanted": GridLevel(wanted).label,
                    "parent": parent.name,
                    "parent_level": parent.get_level_display(),
                },
            )
        if unit.pk is not None:
            stored_level = GridUnit.objects.filter(pk=unit.pk).values_list("level", flat=True).first()
            children = unit.children.count()
            if stored_level != level and children:
                problems.add(
                    "level",
                    gettext("“%(name)s”下还有 %(count)s 个下级单元，不能更改层级；请先移走或删除下级单元。")
                    % {"name": unit.name, "count": children},
                )
    if unit.zone_id is not None and unit.zone.enterprise_id != firm.pk:
        problems.add("zone", gettext("必须是本企业的分区。"))
    if "parent" not in problems:
        _unique_in_firm(
            unit,
            firm,
            problems,
            "name",
            gettext("同一上级下已有名为“%(name)s”的单元。") % {"name": unit.name},
            parent_id=unit.parent_id,
        )


def _grid_delete_rules(unit: GridUnit, problems: Problems) -> None:
    children = unit.children.count()
    if children:
        problems.add_general(
            gettext("“%(name)s”下还有 %(count)s 个下级单元，请先删除下级单元。")
            % {"name": unit.name, "count": children}
        )


@dataclass
class GridNode:
    unit: GridUnit
    children: list["GridNode"]


def grid_tree(firm: Enterprise) -> tuple[list[GridNode], list[GridUnit]]:
    """Workshops with their teams and posts, and any units whose chain does not reach a workshop.

    The loose ones are rows from before the rules or from imports; they are shown, not hidden.
    """
    units = list(GridUnit.objects.filter(enterprise=firm).select_related("zone").order_by("name", "pk"))
    nodes = {u.pk: GridNode(u, []) for u in units}
    roots: list[GridNode] = []
    for unit in units:
        node = nodes[unit.pk]
        if unit.parent_id is None and unit.level == GridLevel.WORKSHOP:
            roots.append(node)
        elif unit.parent_id in nodes:
            nodes[unit.parent_id].children.append(node)
    placed: set[int] = set()

    def walk(node: GridNode) -> None:
        placed.add(node.unit.pk)
        for child in node.children:
            walk(child)

    for root in roots:
        walk(root)
    return roots, [u for u in units if u.pk not in placed]


# ---------------------------------------------------------------------------------------------------
# 宿舍


def _dorm_rules(room: DormRoom, firm: Enterprise, problems: Problems) -> None:
    _at_least_one(room, problems, "capacity")
    if room.area_m2 is not None and room.area_m2 <= 0:
        problems.add("area_m2", gettext("必须大于 0，当前为 %(value)s。") % {"value": room.area_m2})
    _unique_in_firm(
        room,
        firm,
        problems,
        "number",
        gettext("本企业“%(building)s”已有房间“%(number)s”。")
        % {"building": room.building, "number": room.number},
        building=room.building,
    )


# ---------------------------------------------------------------------------------------------------
# 就餐批次


def _fmt(value: time) -> str:
    return value.strftime("%H:%M")


def _canteen_rules(sitting: CanteenSitting, firm: Enterprise, problems: Problems) -> None:
    if sitting.starts_at is not None and sitting.ends_at is not None and sitting.ends_at <= sitting.starts_at:
        problems.add(
            "ends_at",
            gettext("必须晚于开始时间 %(start)s，当前为 %(end)s。")
            % {"start": _fmt(sitting.starts_at), "end": _fmt(sitting.ends_at)},
        )
    _at_least_one(sitting, problems, "seats")
    _unique_in_firm(
        sitting,
        firm,
        problems,
        "name",
        gettext("“%(canteen)s”已有名为“%(name)s”的批次。")
        % {"canteen": sitting.canteen, "name": sitting.name},
        canteen=sitting.canteen,
    )


def _canteen_warnings(sitting: CanteenSitting, firm: Enterprise) -> list[str]:
    """Staggered meals (错峰就餐) mean sittings of one canteen should not overlap; legal, but flagged."""
    overlapping = CanteenSitting.objects.filter(
        enterprise=firm, canteen=sitting.canteen, starts_at__lt=sitting.ends_at, ends_at__gt=sitting.starts_at
    ).exclude(pk=sitting.pk)
    return [
        gettext("与“%(canteen)s”的“%(name)s”（%(start)s–%(end)s）时间重叠；错峰就餐要求同一食堂各批次错开。")
        % {
            "canteen": other.canteen,
            "name": other.name,
            "start": _fmt(other.starts_at),
            "end": _fmt(other.ends_at),
        }
        for other in overlapping
    ]


# ---------------------------------------------------------------------------------------------------
# 通勤线路

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_L = "A-HJ-NP-Z"  # plate letters never use I or O, which read as 1 and 0
_PLATE = re.compile(
    rf"^[{PROVINCES}][{_L}]"
    rf"(?:[{_L}0-9]{{4}}[{_L}0-9挂学警]"  # ordinary: 5 characters, e.g. 浙D12345
    rf"|[DF][{_L}0-9]\d{{4}}"  # new-energy car: D/F then 5, e.g. 浙DD12345
    rf"|\d{{5}}[DF])$",  # new-energy bus or truck: 5 digits then D/F, e.g. 浙D12345D
    re.ASCII,  # \d means 0-9 only; the province characters are matched literally
)


def normalise_plate(value: str) -> str:
    """People type 浙D·12345, 浙d 12345 or full-width letters on a phone; keep one spelling."""
    value = unicodedata.normalize("NFKC", value or "").upper()
    return re.sub(r"[\s·•.\-]", "", value)


def _shuttle_rules(route: ShuttleRoute, firm: Enterprise, problems: Problems) -> None:
    if route.vehicle_plate:
        route.vehicle_plate = normalise_plate(route.vehicle_plate)
        if not _PLATE.match(route.vehicle_plate):
            problems.add(
                "vehicle_plate",
                gettext(
                    "“%(value)s”格式不正确：应为省份简称＋发牌机关字母＋5 位号码（如 浙D12345），"
                    "新能源车为 8 位（如 浙DD12345）；字母不含 I 和 O。"
                )
                % {"value": route.vehicle_plate},
            )
    _at_least_one(route, problems, "seats")
    _check_phone(route, problems, "driver_phone")
    _unique_in_firm(
        route, firm, problems, "name", gettext("本企业已有名为“%(name)s”的线路。") % {"name": route.name}
    )


# ---------------------------------------------------------------------------------------------------
# 隔离室 / 观察点, 门岗


def _isolation_rules(room: IsolationRoom, firm: Enterprise, problems: Problems) -> None:
    _at_least_one(room, problems, "capacity")
    _unique_in_firm(
        room, firm, problems, "name", gettext("本企业已有名为“%(name)s”的隔离场所。") % {"name": room.name}
    )


def isolation_notices(firm: Enterprise) -> list[str]:
    """Where the policy in force requires an observation point before hard-hit-area returners are
    taken back (``observation_point_required_for_hard_hit_returners``) and the firm has none, say so,
    citing the rule; then the policy's own words for this page, if it has any."""
    policy = _policy_today(firm)
    if policy is None:
        return []
    notices = []
    required = policy.parameters.observation_point_required_for_hard_hit_returners
    if required and not IsolationRoom.objects.filter(enterprise=firm).exists():
        notices.append(
            gettext("%(source)s：接收疫情较重地区返岗人员前须先设置隔离室或固定观察点，本企业尚未设置。")
            % {"source": policy.cite("observation_point_required_for_hard_hit_returners")}
        )
    text = policy.parameters.page_notice("isolation_rooms")
    if text:
        notices.append(f"{policy.cite('page_notices')}：{text}")
    return notices


def _gate_rules(gate: GatePoint, firm: Enterprise, problems: Problems) -> None:
    _unique_in_firm(
        gate, firm, problems, "name", gettext("本企业已有名为“%(name)s”的门岗。") % {"name": gate.name}
    )


# ---------------------------------------------------------------------------------------------------
# The kinds, in the order the pages show them

PART_KINDS: dict[str, PartKind] = {
    kind.slug: kind
    for kind in (
        PartKind(
            "prevention-team",
            PreventionTeamMember,
            ("name", "team_role", "position", "phone", "duties"),
            _("防疫工作小组"),
            _team_rules,
            warnings=_leader_warning,
        ),
        PartKind(
            "zones",
            Zone,
            ("kind", "name", "description"),
            _("厂区分区"),
            _zone_rules,
            delete_rules=_zone_delete_rules,
        ),
        PartKind(
            "grid-units",
            GridUnit,
            ("level", "parent", "name", "leader", "zone"),
            _("网格单元"),
            _grid_rules,
            delete_rules=_grid_delete_rules,
            related=("parent", "zone"),
        ),
        PartKind(
            "dorm-rooms", DormRoom, ("building", "number", "capacity", "area_m2"), _("宿舍"), _dorm_rules
        ),
        PartKind(
            "canteen-sittings",
            CanteenSitting,
            ("canteen", "name", "starts_at", "ends_at", "seats"),
            _("就餐批次"),
            _canteen_rules,
            warnings=_canteen_warnings,
        ),
        PartKind(
            "shuttle-routes",
            ShuttleRoute,
            ("name", "vehicle_plate", "driver_name", "driver_phone", "supervisor_name", "seats", "route"),
            _("通勤线路"),
            _shuttle_rules,
        ),
        PartKind(
            "isolation-rooms",
            IsolationRoom,
            ("kind", "name", "location", "capacity"),
            _("隔离室/观察点"),
            _isolation_rules,
        ),
        PartKind("gates", GatePoint, ("name", "location"), _("门岗"), _gate_rules),
    )
}

NOTICES: dict[str, Callable[[Enterprise], list[str]]] = {
    "prevention-team": team_notices,
    "zones": zone_notices,
    "isolation-rooms": isolation_notices,
}


def get_kind(kind: "str | PartKind") -> PartKind:
    if isinstance(kind, PartKind):
        return kind
    try:
        return PART_KINDS[kind]
    except KeyError:
        raise Http404 from None


# ---------------------------------------------------------------------------------------------------
# Reading


def parts_of(kind: "str | PartKind", firm: Enterprise) -> models.QuerySet:
    kind = get_kind(kind)
    return kind.model.objects.filter(enterprise=firm).select_related(*kind.related)


def part_counts(firm: Enterprise) -> dict[str, int]:
    return {slug: kind.model.objects.filter(enterprise=firm).count() for slug, kind in PART_KINDS.items()}


def notices_for(kind: "str | PartKind", firm: Enterprise) -> list[str]:
    kind = get_kind(kind)
    return NOTICES[kind.slug](firm) if kind.slug in NOTICES else []


def can_edit(user, firm: Enterprise) -> bool:
    return can(user, EDIT_CAPABILITY) and Enterprise.objects.visible_to(user).filter(pk=firm.pk).exists()


# ---------------------------------------------------------------------------------------------------
# Writing


def _authorize(user, firm: Enterprise) -> None:
    if not can(user, EDIT_CAPABILITY):
        raise PermissionDenied(gettext("您没有维护企业内部设置的权限。"))
    # A firm outside the user's scope is answered like a missing one.
    if not Enterprise.objects.visible_to(user).filter(pk=firm.pk).exists():
        raise Http404


def _lock(firm: Enterprise) -> Enterprise:
    return Enterprise.objects.select_for_update().get(pk=firm.pk)


def _apply(kind: PartKind, obj: models.Model, data: dict) -> None:
    unknown = set(data) - set(kind.fields)
    if unknown:
        raise ValueError(f"{kind.slug}: fields not editable here: {sorted(unknown)}")
    for name, value in data.items():
        if isinstance(value, str):
            value = value.strip()
        model_field = kind.model._meta.get_field(name)
        if isinstance(model_field, models.DecimalField) and value not in (None, ""):
            value = _quantize(value, model_field.decimal_places)
        setattr(obj, name, value)


def _quantize(value, places: int):
    """12.5 and 12.50 are the same area; without this an unchanged form would log a change."""
    try:
        return Decimal(str(value)).quantize(Decimal(1).scaleb(-places))
    except (InvalidOperation, ValueError):
        return value  # full_clean reports it with the field's own message


def _validate(kind: PartKind, obj: models.Model, firm: Enterprise) -> None:
    problems = Problems(kind.model)
    kind.rules(obj, firm, problems)
    try:
        # The model's own checks (required, lengths, choices) for the fields the rules left alone.
        obj.full_clean(exclude=[name for name in problems.errors if name != NON_FIELD_ERRORS])
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            for message in messages:
                if name == NON_FIELD_ERRORS:
                    problems.add_general(message)
                else:
                    problems.add(name, message)
    problems.raise_if_any()


def _save(obj: models.Model) -> None:
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:
        raise ValidationError(gettext("与已有记录冲突，请刷新后重试。")) from exc


def _repr(firm: Enterprise, kind: PartKind, obj) -> str:
    return f"{firm.name} · {kind.verbose_name} · {obj}"[:200]


def _action(kind: PartKind, verb: str) -> str:
    return f"enterprise.{kind.audit_name}.{verb}"


def create_part(user, kind: "str | PartKind", firm: Enterprise, data: dict) -> Saved:
    kind = get_kind(kind)
    _authorize(user, firm)
    with transaction.atomic():
        firm = _lock(firm)
        obj = kind.model(enterprise=firm)
        _apply(kind, obj, data)
        _validate(kind, obj, firm)
        _save(obj)
        record(user, _action(kind, "create"), obj, after=snapshot(obj), object_repr=_repr(firm, kind, obj))
    return Saved(obj, kind.warnings(obj, firm) if kind.warnings else [])


def _visible_part(user, kind: PartKind, part: models.Model) -> models.Model:
    if not isinstance(part, kind.model):
        raise ValueError(f"{kind.slug} expects a {kind.model.__name__}")
    _authorize(user, part.enterprise)
    if not kind.model.objects.visible_to(user).filter(pk=part.pk).exists():
        raise Http404
    return part


def update_part(user, kind: "str | PartKind", part: models.Model, data: dict) -> Saved:
    """Change the given fields only (a PATCH passes some, a form all); the firm never changes."""
    kind = get_kind(kind)
    part = _visible_part(user, kind, part)
    with transaction.atomic():
        firm = _lock(part.enterprise)
        obj = kind.model.objects.select_for_update().get(pk=part.pk)
        before = snapshot(obj)
        _apply(kind, obj, data)
        _validate(kind, obj, firm)
        after = snapshot(obj)
        if after != before:
            _save(obj)
            old, new = diff(before, after)
            record(
                user, _action(kind, "update"), obj, before=old, after=new, object_repr=_repr(firm, kind, obj)
            )
    return Saved(obj, kind.warnings(obj, firm) if kind.warnings else [])


def delete_part(user, kind: "str | PartKind", part: models.Model) -> None:
    kind = get_kind(kind)
    part = _visible_part(user, kind, part)
    with transaction.atomic():
        firm = _lock(part.enterprise)
        obj = kind.model.objects.select_for_update().get(pk=part.pk)
        if kind.delete_rules:
            problems = Problems(kind.model)
            kind.delete_rules(obj, problems)
            problems.raise_if_any()
        before = snapshot(obj)
        pk = obj.pk
        repr_ = _repr(firm, kind, obj)
        obj.delete()
        record(user, _action(kind, "delete"), obj, before=before, object_id=str(pk), object_repr=repr_)
