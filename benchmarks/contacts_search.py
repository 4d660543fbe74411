"""The contact search at city scale (issue 13, item 2 and its benchmark).

On PostgreSQL, in a scratch database it creates and migrates (kept between runs; ``--fresh`` rebuilds
it), with 2,000 firms × 500 employees (1,000,000 people) and 14 days of dated assignments (dorm rooms —
a tenth of the residents move room half-way —, grid teams, canteen sittings, shuttle routes, car pools)
and gate entries (one a person a day at one of two gates between 07:00 and 08:30, 14,000,000 rows),
visitors at the gates and declared contacts — all generated with set-based SQL (INSERT … SELECT
generate_series), not the services — it picks 100 random index people and times, in the same run and
alternating:

* ``fugong.incidents.contacts.find_contacts`` over the whole 14-day window (gate window 5 minutes),
* one hand-written SQL statement answering the same set (employee or visitor, reason kind, count),

checks that both answer the same set for every case, and prints p50/p95 of each, the ratio, whether
p95 < 1 s, and EXPLAIN (ANALYZE, BUFFERS) of the search's main statements for one case.

    .venv/bin/python benchmarks/contacts_search.py [--fresh] [--firms 2000] [--per-firm 500] [--cases 100]

BENCH_DATABASE_URL may name another scratch database (by default
postgres://postgres@127.0.0.1:5432/fugong_contacts_bench); DATABASE_URL is ignored, so that ``--fresh``
never drops the database a shell happens to point at. Not part of CI.
"""

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/fugong_contacts_bench"
DAYS = 14
GATE_MINUTES = 5
# Per firm: people per room, teams, sittings, shuttle routes, cars, gates.
PER_ROOM, TEAMS, SITTINGS, ROUTES, CARS, GATES = 4, 25, 4, 8, 25, 2


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())} UTC] {message}", flush=True)


def ensure_database(url: str, fresh: bool) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists and fresh:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def execute(sql: str, params=None) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def scalar(sql: str, params=None):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return row[0] if row else None


def rows(sql: str, params=None) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def constants(model, **overrides) -> tuple[list[str], list[str], list]:
    """(columns, SQL expressions, params) for INSERT … SELECT into ``model``: every column's default
    as a constant, except the ``overrides`` (column → SQL expression over the generating SELECT)."""
    from django.db import connection

    obj = model()
    columns, exprs, params = [], [], []
    for f in model._meta.concrete_fields:
        if f.primary_key:
            continue
        columns.append(f.column)
        if f.column in overrides:
            exprs.append(overrides[f.column])
            continue
        value = f.get_db_prep_save(f.pre_save(obj, add=True), connection)
        if value is None and not f.null:
            raise SystemExit(f"{model.__name__}.{f.name}: needs a value")
        exprs.append("%s")
        params.append(value)
    return columns, exprs, params


def insert_select(model, from_sql: str, from_params=(), **overrides) -> int:
    columns, exprs, params = constants(model, **overrides)
    sql = f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) SELECT {', '.join(exprs)} {from_sql}"
    return execute(sql, [*params, *from_params])


def seed(firms: int, per_firm: int, base: dt.date) -> None:
    """The city: one town, ``firms`` firms of ``per_firm`` people, their rooms, teams, sittings, routes,
    cars and gates, 14 days from ``base`` of assignments and gate entries, visitors and declarations."""
    from fugong.accounts.models import Department
    from fugong.arrangements.models import Assignment, Carpool
    from fugong.enterprises.models import (
        CanteenSitting,
        DormRoom,
        Enterprise,
        GatePoint,
        GridUnit,
        ShuttleRoute,
    )
    from fugong.operations.models import EmployeeEntry, Visitor
    from fugong.regions.models import Region, RegionLevel
    from fugong.workforce.models import CloseContact, Employee

    town = Region.objects.create(code="990001001", name="基准测试镇", level=RegionLevel.TOWN)
    department = Department.objects.order_by("pk").first()
    started = time.perf_counter()
    insert_select(
        Enterprise,
        "FROM generate_series(1, %s) f",
        [firms],
        name="'基准企业' || f",
        uscc="'BENCH' || lpad(f::text, 13, '0')",
        town_id=str(town.pk),
        department_id=str(department.pk),
        normal_headcount=str(per_firm),
    )
    firm0 = scalar("SELECT min(id) FROM enterprises_enterprise WHERE town_id = %s", [town.pk])
    # Firm f (1-based) has id firm0 + f - 1: identity columns count up within one INSERT.
    fid = f"({firm0} + f - 1)"
    series = "FROM generate_series(1, %s) f, generate_series(1, %s) k"
    rooms = -(-per_firm // PER_ROOM)
    insert_select(
        DormRoom,
        series,
        [firms, rooms],
        enterprise_id=fid,
        building="'1号楼'",
        number="k::text",
        capacity=str(PER_ROOM),
        area_m2="24",
    )
    insert_select(GridUnit, series, [firms, TEAMS], enterprise_id=fid, level="'team'", name="'班组' || k")
    insert_select(
        CanteenSitting,
        series,
        [firms, SITTINGS],
        enterprise_id=fid,
        canteen="'一食堂'",
        name="'第' || k || '批'",
        starts_at="time '11:00' + k * interval '20 minutes'",
        ends_at="time '11:15' + k * interval '20 minutes'",
        seats="200",
    )
    insert_select(
        ShuttleRoute,
        series,
        [firms, ROUTES],
        enterprise_id=fid,
        name="'线路' || k",
        vehicle_plate="'浙D' || k",
        driver_name="'司机'",
        seats="40",
    )
    insert_select(
        Carpool, series, [firms, CARS], enterprise_id=fid, plate="'浙D' || f || '-' || k", seats="5"
    )
    insert_select(GatePoint, series, [firms, GATES], enterprise_id=fid, name="'门岗' || k")
    log(f"firms and their places: {time.perf_counter() - started:.0f} s")

    started = time.perf_counter()
    # Person k of firm f: "工{k}号" — the closing 号 keeps one name from being a prefix of another.
    insert_select(
        Employee,
        series,
        [firms, per_firm],
        enterprise_id=fid,
        employee_no="'E' || k",
        name="'工' || k || '号'",
        id_number_encrypted="'x'",
        id_number_index="'B' || f || '-' || k",
        id_number_masked="'3306**********' || lpad(k::text, 4, '0')",
        status="'at_work'",
    )
    execute("ANALYZE")
    log(f"{firms * per_firm:,} employees: {time.perf_counter() - started:.0f} s")

    # One row per person with its firm and number, for the assignment INSERTs to join on.
    execute(
        """CREATE UNLOGGED TABLE bench_people AS
           SELECT e.id, e.enterprise_id, substring(e.employee_no from 2)::int AS k
           FROM workforce_employee e JOIN enterprises_enterprise x ON x.id = e.enterprise_id
           WHERE x.town_id = %s""",
        [town.pk],
    )
    execute("CREATE INDEX ON bench_people (enterprise_id, k)")
    d0 = base
    mid = base + dt.timedelta(days=DAYS // 2)
    started = time.perf_counter()

    def assign(kind, column, join_table, join_on, where, starts, ends, extra_params=()):
        return insert_select(
            Assignment,
            f"FROM bench_people p JOIN {join_table} t ON t.enterprise_id = p.enterprise_id AND {join_on} WHERE {where}",
            list(extra_params),
            enterprise_id="p.enterprise_id",
            employee_id="p.id",
            kind=f"'{kind}'",
            **{column: "t.id"},
            starts_on=starts,
            ends_on=ends,
        )

    # Four in five live in the dorms; a tenth of them move room half-way through the fortnight.
    n = assign(
        "dorm",
        "dorm_room_id",
        "enterprises_dormroom",
        f"t.number = ((p.k - 1) / {PER_ROOM} + 1)::text",
        "mod(p.k, 5) <> 0 AND mod(p.k, 10) <> 1",
        f"date '{d0}' - 30",
        "NULL",
    )
    n += assign(
        "dorm",
        "dorm_room_id",
        "enterprises_dormroom",
        f"t.number = ((p.k - 1) / {PER_ROOM} + 1)::text",
        "mod(p.k, 10) = 1",
        f"date '{d0}' - 30",
        f"date '{mid}' - 1",
    )
    n += assign(
        "dorm",
        "dorm_room_id",
        "enterprises_dormroom",
        f"t.number = (mod(p.k + 37, {rooms}) + 1)::text",
        "mod(p.k, 10) = 1",
        f"date '{mid}'",
        "NULL",
    )
    n += assign(
        "grid",
        "grid_unit_id",
        "enterprises_gridunit",
        f"t.name = '班组' || (mod(p.k, {TEAMS}) + 1)",
        "true",
        f"date '{d0}' - 60",
        "NULL",
    )
    n += assign(
        "canteen",
        "canteen_sitting_id",
        "enterprises_canteensitting",
        f"t.name = '第' || (mod(p.k, {SITTINGS}) + 1) || '批'",
        "true",
        f"date '{d0}' - 60",
        "NULL",
    )
    n += assign(
        "shuttle",
        "shuttle_route_id",
        "enterprises_shuttleroute",
        f"t.name = '线路' || (mod(p.k / 2, {ROUTES}) + 1)",
        "mod(p.k, 2) = 0",
        f"date '{d0}' - 60",
        "NULL",
    )
    n += assign(
        "carpool",
        "carpool_id",
        "arrangements_carpool",
        f"t.plate = '浙D' || (p.enterprise_id - {firm0} + 1) || '-' || (mod(p.k / 5, {CARS}) + 1)",
        "mod(p.k, 5) = 1",
        f"date '{d0}' - 60",
        "NULL",
    )
    log(f"{n:,} assignments: {time.perf_counter() - started:.0f} s")

    started = time.perf_counter()
    n = 0
    for i in range(DAYS):
        day = base + dt.timedelta(days=i)
        # One entry a person a day, at gate k % 2, between 07:00 and 08:30 (a deterministic scatter).
        n += insert_select(
            EmployeeEntry,
            "FROM bench_people p JOIN enterprises_gatepoint g ON g.enterprise_id = p.enterprise_id "
            "AND g.name = '门岗' || (mod(p.k, 2) + 1)",
            [],
            enterprise_id="p.enterprise_id",
            employee_id="p.id",
            gate_id="g.id",
            at=f"(timestamp '{day} 07:00' + mod(p.id * 7919 + {i} * 104729, 5400) * interval '1 second') "
            "AT TIME ZONE 'Asia/Shanghai'",
            temperature="36.5",
            allowed="true",
        )
        log(f"  gate entries of {day}: {n:,} so far, {time.perf_counter() - started:.0f} s")
    # Three visitors a firm a day, at gate 1 in the morning rush.
    n_visitors = insert_select(
        Visitor,
        "FROM enterprises_gatepoint g, generate_series(0, %s) d, generate_series(1, 3) v WHERE g.name = '门岗1' "
        "AND g.enterprise_id BETWEEN %s AND %s",
        [DAYS - 1, firm0, firm0 + firms - 1],
        enterprise_id="g.enterprise_id",
        gate_id="g.id",
        name="'访客' || v",
        id_number_encrypted="'x'",
        id_number_index="'V' || g.id || '-' || d || '-' || v",
        id_number_masked="'3301**********000' || v",
        host="'经理'",
        purpose="'送货'",
        temperature="36.4",
        allowed="true",
        time_in=f"(date '{d0}' + d + time '07:30' + v * interval '17 minutes') AT TIME ZONE 'Asia/Shanghai'",
    )
    # One person in a hundred declared two contacts: a colleague by name and someone outside the firm.
    n_declared = insert_select(
        CloseContact,
        "FROM bench_people p, generate_series(0, 1) j WHERE mod(p.k, 100) = 7",
        [],
        employee_id="p.id",
        contact_date=f"date '{d0}' + (mod(p.k, {DAYS}))",
        description="CASE j WHEN 0 THEN '与工' || (p.k + 1) || '号同桌吃饭' ELSE '与快递员当面交接' END",
        with_case="false",
    )
    execute("DROP TABLE bench_people")
    execute("CREATE TABLE bench_contacts_meta (base date, firms int, per_firm int)")
    execute("INSERT INTO bench_contacts_meta VALUES (%s, %s, %s)", [base, firms, per_firm])
    log(
        f"{n:,} gate entries, {n_visitors:,} visitors, {n_declared:,} declarations: "
        f"{time.perf_counter() - started:.0f} s"
    )


HAND_SQL = """
WITH mine AS (
    SELECT kind, dorm_room_id, grid_unit_id, canteen_sitting_id, shuttle_route_id, carpool_id,
           GREATEST(starts_on, %(d0)s) AS s, LEAST(COALESCE(ends_on, %(d1)s), %(d1)s) AS e
    FROM arrangements_assignment
    WHERE employee_id = %(idx)s AND starts_on <= %(d1)s AND (ends_on IS NULL OR ends_on >= %(d0)s)
), theirs AS (
    SELECT b.employee_id, m.kind, b.starts_on, b.ends_on, m.s, m.e
    FROM mine m JOIN arrangements_assignment b ON m.kind = 'dorm' AND b.dorm_room_id = m.dorm_room_id
    UNION ALL
    SELECT b.employee_id, m.kind, b.starts_on, b.ends_on, m.s, m.e
    FROM mine m JOIN arrangements_assignment b ON m.kind = 'grid' AND b.grid_unit_id = m.grid_unit_id
    UNION ALL
    SELECT b.employee_id, m.kind, b.starts_on, b.ends_on, m.s, m.e
    FROM mine m JOIN arrangements_assignment b
         ON m.kind = 'canteen' AND b.canteen_sitting_id = m.canteen_sitting_id
    UNION ALL
    SELECT b.employee_id, m.kind, b.starts_on, b.ends_on, m.s, m.e
    FROM mine m JOIN arrangements_assignment b ON m.kind = 'shuttle' AND b.shuttle_route_id = m.shuttle_route_id
    UNION ALL
    SELECT b.employee_id, m.kind, b.starts_on, b.ends_on, m.s, m.e
    FROM mine m JOIN arrangements_assignment b ON m.kind = 'carpool' AND b.carpool_id = m.carpool_id
), shared AS (
    SELECT 'e' AS who, employee_id AS id, kind,
           sum(LEAST(COALESCE(ends_on, e), e) - GREATEST(starts_on, s) + 1)::int AS n
    FROM theirs
    WHERE employee_id <> %(idx)s AND starts_on <= e AND (ends_on IS NULL OR ends_on >= s)
    GROUP BY employee_id, kind
), my_entries AS (
    SELECT gate_id, at FROM operations_employeeentry
    WHERE employee_id = %(idx)s AND at BETWEEN %(since)s AND %(until)s AND gate_id IS NOT NULL
), gate AS (
    SELECT 'e' AS who, x.employee_id AS id, 'gate' AS kind, count(DISTINCT x.id)::int AS n
    FROM my_entries m JOIN operations_employeeentry x
         ON x.gate_id = m.gate_id AND x.at BETWEEN m.at - %(w)s AND m.at + %(w)s
    WHERE x.employee_id <> %(idx)s AND x.enterprise_id = %(firm)s AND x.at BETWEEN %(since)s AND %(until)s
    GROUP BY x.employee_id
), guests AS (
    SELECT DISTINCT 'v' AS who, v.id, 'gate' AS kind, 1 AS n
    FROM my_entries m JOIN operations_visitor v
         ON v.gate_id = m.gate_id AND v.time_in BETWEEN m.at - %(w)s AND m.at + %(w)s
    WHERE v.enterprise_id = %(firm)s AND v.time_in BETWEEN %(since)s AND %(until)s
), declared AS (
    SELECT 'e' AS who, p.id, 'declared' AS kind, count(*)::int AS n
    FROM workforce_closecontact c JOIN workforce_employee p
         ON p.enterprise_id = %(firm)s AND p.id <> %(idx)s AND strpos(c.description, p.name) > 0
    WHERE c.employee_id = %(idx)s AND c.contact_date BETWEEN %(d0)s AND %(d1)s
    GROUP BY p.id
)
SELECT * FROM shared WHERE n > 0 UNION ALL SELECT * FROM gate UNION ALL SELECT * FROM guests
UNION ALL SELECT * FROM declared
"""


def hand_written(idx: int, firm: int, since, until) -> set:
    from django.db import connection
    from django.utils import timezone

    params = {
        "idx": idx,
        "firm": firm,
        "since": since,
        "until": until,
        "d0": timezone.localdate(since),
        "d1": timezone.localdate(until),
        "w": dt.timedelta(minutes=GATE_MINUTES),
    }
    with connection.cursor() as cursor:
        cursor.execute(HAND_SQL, params)
        return {(who, pk, kind, n) for who, pk, kind, n in cursor.fetchall()}, params


def as_set(results) -> set:
    out = set()
    for r in results:
        for reason in r["reasons"]:
            if r["employee"] is not None:
                out.add(("e", r["employee"].pk, reason["kind"], reason["count"]))
            elif r["visitor"] is not None:
                out.add(("v", r["visitor"].pk, reason["kind"], reason["count"]))
    return out


def pct(values, p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def explain(sql: str, params) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fresh", action="store_true", help="drop and rebuild the scratch database")
    parser.add_argument("--firms", type=int, default=2000)
    parser.add_argument("--per-firm", type=int, default=500)
    parser.add_argument("--cases", type=int, default=100)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()

    url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_URL
    if not url.startswith("postgres"):
        sys.exit("BENCH_DATABASE_URL must name a PostgreSQL database")
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "fugong.settings"
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("FUGONG_DEV", "1")
    ensure_database(url, args.fresh)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from fugong.incidents.contacts.search import find_contacts

    call_command("migrate", verbosity=0)
    has_meta = scalar("SELECT to_regclass('bench_contacts_meta') IS NOT NULL")
    if has_meta:
        base, firms, per_firm = rows("SELECT * FROM bench_contacts_meta")[0]
        if (firms, per_firm) != (args.firms, args.per_firm):
            sys.exit(f"the database holds {firms} × {per_firm}: run with --fresh to rebuild at another size")
        log(f"using the seeded city ({firms} × {per_firm}, days from {base})")
    else:
        base = timezone.localdate() - dt.timedelta(days=DAYS - 1)
        started = time.perf_counter()
        seed(args.firms, args.per_firm, base)
        execute("VACUUM ANALYZE")
        log(f"seeded in {time.perf_counter() - started:.0f} s")
    counts = {
        t: scalar(f"SELECT count(*) FROM {t}")
        for t in (
            "workforce_employee",
            "arrangements_assignment",
            "operations_employeeentry",
            "operations_visitor",
        )
    }
    print("rows: " + ", ".join(f"{t} {n:,}" for t, n in counts.items()))

    since = timezone.make_aware(dt.datetime.combine(base, dt.time(0, 0)))
    until = timezone.make_aware(dt.datetime.combine(base + dt.timedelta(days=DAYS - 1), dt.time(23, 59)))
    rng = random.Random(args.seed)
    lo, hi = (
        scalar("SELECT min(id) FROM workforce_employee"),
        scalar("SELECT max(id) FROM workforce_employee"),
    )
    ids = rng.sample(range(lo, hi + 1), args.cases + 5)
    firm_of = dict(rows("SELECT id, enterprise_id FROM workforce_employee WHERE id = ANY(%s)", [ids]))
    warm, cases = ids[:5], ids[5:]
    for idx in warm:
        find_contacts([idx], since=since, until=until, gate_window_minutes=GATE_MINUTES)
        hand_written(idx, firm_of[idx], since, until)
    orm_ms, sql_ms, sizes, mismatches = [], [], [], 0
    for i, idx in enumerate(cases):
        # Alternate which runs first, so that neither always meets the other's warm cache.
        order = ("orm", "sql") if i % 2 == 0 else ("sql", "orm")
        for which in order:
            started = time.perf_counter()
            if which == "orm":
                got = as_set(find_contacts([idx], since=since, until=until, gate_window_minutes=GATE_MINUTES))
                orm_ms.append((time.perf_counter() - started) * 1000)
            else:
                want, _params = hand_written(idx, firm_of[idx], since, until)
                sql_ms.append((time.perf_counter() - started) * 1000)
        sizes.append(len({(w, pk) for w, pk, _k, _n in want}))
        if got != want:
            mismatches += 1
            print(
                f"MISMATCH for employee {idx}: only search {sorted(got - want)[:5]}, only SQL {sorted(want - got)[:5]}"
            )

    p50o, p95o, p50s, p95s = pct(orm_ms, 50), pct(orm_ms, 95), pct(sql_ms, 50), pct(sql_ms, 95)
    print(
        f"\nwindow {since:%Y-%m-%d %H:%M} – {until:%Y-%m-%d %H:%M} ({DAYS} days), gate window {GATE_MINUTES} min, "
        f"{len(cases)} random index people, contacts per case: median {statistics.median(sizes):.0f}, "
        f"max {max(sizes)}"
    )
    print(f"find_contacts     p50 {p50o:7.1f} ms   p95 {p95o:7.1f} ms   max {max(orm_ms):7.1f} ms")
    print(f"hand-written SQL  p50 {p50s:7.1f} ms   p95 {p95s:7.1f} ms   max {max(sql_ms):7.1f} ms")
    print(f"ratio (search / SQL): p50 {p50o / p50s:.2f}×, p95 {p95o / p95s:.2f}×")
    print(
        f"p95 < 1 s: {'yes' if p95o < 1000 else 'NO'}; same set as the SQL in {len(cases) - mismatches}/{len(cases)} cases"
    )

    # The plans of one case: the search's statements as Django sends them, then the hand-written one.
    idx = cases[0]
    captured = []

    def capture(execute_, sql, params, many, context):
        captured.append((sql, params))
        return execute_(sql, params, many, context)

    with connection.execute_wrapper(capture):
        find_contacts([idx], since=since, until=until, gate_window_minutes=GATE_MINUTES)
    for title, (sql, params) in [
        (
            "the search: everyone else's assignments on the index person's places",
            next((s, p) for s, p in captured if 'NOT ("arrangements_assignment"."employee_id" IN' in s),
        ),
        (
            "the search: co-entries at the same gate",
            next((s, p) for s, p in captured if 'NOT ("operations_employeeentry"."employee_id" IN' in s),
        ),
    ]:
        print(f"\nEXPLAIN (ANALYZE, BUFFERS) — {title}:\n{explain(sql, params)}")
    _want, params = hand_written(idx, firm_of[idx], since, until)
    print(f"\nEXPLAIN (ANALYZE, BUFFERS) — the hand-written statement:\n{explain(HAND_SQL, params)}")


if __name__ == "__main__":
    main()
