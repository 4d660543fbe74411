"""Daily monitoring at city scale, through a real server and a real HTTP load client (issue 5, item 7).

On PostgreSQL, in a scratch database it creates and migrates (kept between runs; ``--fresh`` rebuilds
it), with the demo city at 2,000 firms and 100 employees each (200,000 people, encrypted ID numbers),
it starts gunicorn (sync workers, 2 × cores + 1 by default), lets every worker serve a request first
(a cold worker's first request pays for imports and the translation catalogues), and measures in the
same run:

(a) single check-ins per second, ``POST /api/v1/checkins/`` with a firm officer's token, every request a
    new reading (a distinct employee and round of yesterday: today's are the seeded day's), against ``GET /api/v1/ping/`` — the same
    middleware, authentication and permission check answering a constant. Load from ``wrk``
    (``benchmarks/monitoring_checkin.lua`` / ``monitoring_ping.lua``), alternating the two runs; the
    ids of the rows named by the 2xx answers are checked against the table.
(b) batch ingest, ``POST /api/v1/checkins/batch/`` with 5,000 new readings a request (100 people ×
    2 rounds × 25 past days of one firm, one firm per request, one connection), in records per second,
    against PostgreSQL's own ``COPY`` (psycopg 3) of the same rows into the same table, each 5,000
    committed as the API commits them, then deleted. COPY runs before and after the API; the faster
    one is the reference.
(c) ``fugong.reports.services.build_summaries`` for one seeded day (today: only a live day is built) of
    the whole city (two rounds of
    check-ins for most people, some missing, a few abnormal with their alerts, tests, gate entries,
    visitors, vehicles, refusals — seeded with set-based SQL, not the services): the first build, then
    the refresh.
(d) ``fugong.compliance.services.build_compliance`` for the same day and the same city right after (c):
    every checklist item of the policy in force for every firm, the risk signals and the score, set-based
    (the first build, then the refresh), printed next to (c) in firms per second.

    make bench-monitoring
    .venv/bin/python benchmarks/monitoring_http.py --skip a,b   # only the builds (c) and (d)
    .venv/bin/python benchmarks/monitoring_http.py [--fresh] [--duration 15] [--connections 16]

BENCH_DATABASE_URL may name another scratch database (by default
postgres://postgres@127.0.0.1:5432/fugong_bench); DATABASE_URL is ignored, so that ``--fresh`` never drops
the database a shell happens to point at.
Needs ``wrk`` (installed with apt-get when missing and the script runs as root).
"""

import argparse
import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "src"))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/fugong_bench"
PORT = 8765
BASE = f"http://127.0.0.1:{PORT}"
BATCH_DAYS = 25
CHECKIN_COLUMNS = (
    "employee_id",
    "enterprise_id",
    "day",
    "round",
    "measured_at",
    "temperature",
    "symptoms",
    "health_code",
    "source",
    "recorded_by_id",
    "device_id",
    "client_key",
    "policy_version_id",
    "abnormal",
    "created_at",
)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())} UTC] {message}", flush=True)


# -- the database -------------------------------------------------------------------------------------------
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


def id_number(i: int) -> str:
    """The i-th synthetic person's valid resident ID number: (birth date, sequence) is unique per i."""
    from stdnum.cn import ric

    born = dt.date(1965, 1, 1) + dt.timedelta(days=(i // 1000) * 53 % 13000)
    body = f"330681{born:%Y%m%d}{i % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def seed_city(firms: int, per_firm: int) -> tuple[list[int], float]:
    """The demo city at ``firms`` firms, each with ``per_firm`` people at work. Answers the city's firm
    ids (by id) and the seconds spent (0 when the scratch database already had them)."""
    from django.utils import timezone

    from fugong.core import crypto
    from fugong.demo.city import CITY_CODE, build_city, person_name, phone
    from fugong.enterprises.models import Enterprise
    from fugong.regions.models import Region
    from fugong.workforce.models import Employee, EmployeeStatus, Gender
    from fugong.workforce.validation import mask_id_number

    started = time.perf_counter()
    city = Region.objects.filter(code=CITY_CODE).first()
    if city is None or Enterprise.objects.filter(town__path__startswith=city.path).count() < firms:
        log(f"building the demo city at {firms} firms")
        build_city(size=firms, with_parts=False, with_applications=False, with_rosters=False)
        city = Region.objects.get(code=CITY_CODE)
    firm_ids = list(
        Enterprise.objects.filter(town__path__startswith=city.path)
        .order_by("pk")
        .values_list("pk", flat=True)
    )[:firms]
    staffed = set(
        Employee.objects.filter(enterprise_id__in=firm_ids).values_list("enterprise_id", flat=True).distinct()
    )
    missing = [f for f in firm_ids if f not in staffed]
    if not missing:
        return firm_ids, 0.0
    log(f"creating {len(missing) * per_firm:,} employees (bulk_create, encrypted ID numbers)")
    import random

    rng = random.Random(5)
    now = timezone.now()
    batch: list[Employee] = []
    for position, firm_id in enumerate(firm_ids):
        if firm_id not in missing:
            continue
        for n in range(per_firm):
            i = position * per_firm + n
            number = id_number(i)
            batch.append(
                Employee(
                    enterprise_id=firm_id,
                    employee_no=f"E{n + 1:04d}",
                    name=person_name(rng),
                    id_number_encrypted=crypto.encrypt(number),
                    id_number_index=crypto.blind_index(number),
                    id_number_masked=mask_id_number(number),
                    birth_date=dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14])),
                    gender=Gender.MALE if int(number[16]) % 2 else Gender.FEMALE,
                    phone=phone(rng),
                    is_local=True,
                    department_name=rng.choice(["生产部", "质检部", "仓储部", "行政部"]),
                    job=rng.choice(["操作工", "质检员", "仓管员", "机修工"]),
                    status=EmployeeStatus.AT_WORK,
                    status_changed_at=now,
                )
            )
            if len(batch) >= 5000:
                Employee.objects.bulk_create(batch, batch_size=5000)
                batch = []
    if batch:
        Employee.objects.bulk_create(batch, batch_size=5000)
    return firm_ids, time.perf_counter() - started


def officer_tokens(firm_ids: list[int]) -> dict[int, tuple[int, str]]:
    """Per firm, an enterprise officer and their API token: {firm id: (user id, token)}."""
    from rest_framework.authtoken.models import Token

    from fugong.accounts.models import User
    from fugong.accounts.roles import Role

    names = {f: f"bench_ent_{f}" for f in firm_ids}
    have = set(User.objects.filter(username__in=names.values()).values_list("username", flat=True))
    User.objects.bulk_create(
        [
            User(username=name, role=Role.ENTERPRISE, enterprise_id=firm, password="!", full_name="基准测试")
            for firm, name in names.items()
            if name not in have
        ]
    )
    users = dict(User.objects.filter(username__in=names.values()).values_list("username", "pk"))
    tokens = dict(Token.objects.filter(user_id__in=users.values()).values_list("user_id", "key"))
    new = [Token(user_id=uid, key=Token.generate_key()) for uid in users.values() if uid not in tokens]
    Token.objects.bulk_create(new)
    tokens.update({t.user_id: t.key for t in new})
    return {f: (users[names[f]], tokens[users[names[f]]]) for f in firm_ids}


def people_of(firm_ids: list[int]) -> dict[int, list[int]]:
    from fugong.workforce.models import Employee

    out: dict[int, list[int]] = {f: [] for f in firm_ids}
    for pk, firm in (
        Employee.objects.filter(enterprise_id__in=firm_ids).order_by("pk").values_list("pk", "enterprise_id")
    ):
        out[firm].append(pk)
    return out


def execute(sql: str, params=None) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def scalar(sql: str, params=None):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def vacuum(table: str) -> None:
    from django.db import connection

    # VACUUM cannot run inside a transaction; Django's connection is in autocommit here.
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {table}")


# -- the server and the load client ---------------------------------------------------------------------------
def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    log("installing wrk (apt-get install -y wrk)")
    subprocess.run(["apt-get", "install", "-y", "wrk"], check=True, stdout=subprocess.DEVNULL)
    return shutil.which("wrk") or sys.exit("wrk is not installed and apt-get could not install it")


class Server:
    def __init__(self, url: str, workers: int, logfile: Path, token: str):
        self.url, self.workers, self.logfile, self.token = url, workers, logfile, token
        self.proc: subprocess.Popen | None = None

    def __enter__(self):
        env = os.environ | {
            "DATABASE_URL": self.url,
            "DJANGO_SETTINGS_MODULE": "fugong.settings",
            "DEBUG": "0",
            "PYTHONPATH": str(ROOT / "src"),
        }
        self.out = open(self.logfile, "w")  # noqa: SIM115 - closed in __exit__
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "fugong.wsgi:application",
                "--workers",
                str(self.workers),
                "--bind",
                f"127.0.0.1:{PORT}",
                "--timeout",
                "300",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            probe = urllib.request.Request(
                BASE + "/api/v1/ping/", headers={"Authorization": f"Token {self.token}"}
            )
            try:
                urllib.request.urlopen(probe, timeout=2)
                return self
            except urllib.error.HTTPError as exc:
                sys.exit(f"gunicorn answers {exc.code} to the ping; see {self.logfile}")
            except OSError:
                if self.proc.poll() is not None:
                    sys.exit(f"gunicorn exited; see {self.logfile}")
                time.sleep(0.3)
        sys.exit(f"gunicorn did not answer within 60 s; see {self.logfile}")

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.out.close()


def wrk(
    script: str, args: list[str], *, threads: int, connections: int, seconds: float, env=None, until=None
):
    """Run wrk and answer the figures of the script's RESULT line. With ``until`` (a path the script
    creates when it is finished), wrk is stopped by SIGINT as soon as that file appears."""
    cmd = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{int(seconds)}s",
        "--timeout",
        "120s",
        "-s",
        str(HERE / script),
        BASE,
        "--",
        *args,
    ]
    env = os.environ | (env or {})
    if until is not None:
        Path(until).unlink(missing_ok=True)
        env["BENCH_DONE_FILE"] = str(until)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    if until is not None:
        deadline = time.time() + seconds
        while proc.poll() is None and not Path(until).exists() and time.time() < deadline:
            time.sleep(0.05)
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate()
    if stderr.strip():
        print(stderr.strip()[:2000], file=sys.stderr)
    line = next((ln for ln in stdout.splitlines() if ln.startswith("RESULT ")), None)
    if line is None:
        sys.exit(f"wrk gave no result:\n{stdout}\n{stderr}")
    return {k: int(v) for k, v in (item.split("=") for item in line.split()[1:])}


def warm_up(firm: int, token: str, employee: int, workers: int) -> None:
    """Let every worker serve the batch path once before anything is timed: a cold worker's first
    request imports the URL configuration and the API modules, and its first Chinese message loads the
    translation catalogues (~0.5 s). The batches carry one unreadable reading each, so nothing is stored."""
    from concurrent.futures import ThreadPoolExecutor

    body = json.dumps({"enterprise": firm, "records": [{"employee": employee, "temperature": "warm-up"}]})

    def post(_n):
        request = urllib.request.Request(
            BASE + "/api/v1/checkins/batch/",
            data=body.encode(),
            headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as answer:
            assert json.loads(answer.read())["errors"] == 1

    with ThreadPoolExecutor(max_workers=2 * workers) as pool:
        list(pool.map(post, range(8 * workers)))


# -- (a) single check-ins against ping ------------------------------------------------------------------------
def bench_single(firm_ids, tokens, people, args, workdir: Path, run_id: str) -> dict:
    from django.utils import timezone

    # Yesterday's rounds: today's are taken by the day seeded for (c). The phone sends the moment it
    # measured; a reading from yesterday takes the same path as one from a minute ago.
    # 19:00 yesterday: past both preset rounds' windows, so a reading named for either round is
    # taken (a round is refused only before its window opens), whatever time the benchmark runs.
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    measured = timezone.make_aware(dt.datetime.combine(yesterday, dt.time(19, 0)))
    day = measured.date()
    at = measured.isoformat(timespec="seconds")
    execute("DELETE FROM monitoring_healthcheckin WHERE client_key LIKE 'bench-a-%%'")
    ping_token = tokens[firm_ids[0]][1]
    wrk("monitoring_ping.lua", [ping_token], threads=2, connections=args.connections, seconds=3)  # warm up
    per_run = len(firm_ids) // args.repeat
    runs = []
    for rep in range(args.repeat):
        ping = wrk(
            "monitoring_ping.lua",
            [ping_token],
            threads=2,
            connections=args.connections,
            seconds=args.duration,
        )
        # Round 1 of everyone in this run's firms, then round 2: no request repeats another.
        firms = firm_ids[rep * per_run : (rep + 1) * per_run]
        data = workdir / f"checkins_{rep}.txt"
        with open(data, "w") as out:
            k = 0
            for rnd in (1, 2):
                for n in range(max(len(people[f]) for f in firms)):
                    for f in firms:
                        if n < len(people[f]):
                            out.write(
                                f"{tokens[f][1]} {people[f][n]} {rnd} bench-a-{run_id}-{rep}-{k} {at}\n"
                            )
                            k += 1
        ids_file = workdir / f"ids_{rep}.txt"
        single = wrk(
            "monitoring_checkin.lua",
            [str(data), "2"],
            threads=2,
            connections=args.connections,
            seconds=args.duration,
            env={"BENCH_IDS_FILE": str(ids_file)},
        )
        time.sleep(1)  # requests cut off by wrk's stop finish on the server
        ids = [int(x) for x in ids_file.read_text().split()]
        prefix = f"bench-a-{run_id}-{rep}-%%"
        stored = scalar("SELECT count(*) FROM monitoring_healthcheckin WHERE client_key LIKE %s", [prefix])
        named = (
            scalar(
                "SELECT count(*) FROM monitoring_healthcheckin WHERE client_key LIKE %s AND id = ANY(%s)",
                [prefix, ids],
            )
            if ids
            else 0
        )
        on_day = scalar(
            "SELECT count(*) FROM monitoring_healthcheckin WHERE client_key LIKE %s AND day = %s",
            [prefix, day],
        )
        runs.append(
            {
                "ping_rps": ping["ok"] / (ping["duration_us"] / 1e6),
                "ping_bad": ping["bad"],
                "ping_p50_ms": ping["p50_us"] / 1000,
                "checkin_rps": single["created"] / (single["duration_us"] / 1e6),
                "checkin_p50_ms": single["p50_us"] / 1000,
                "checkin_p99_ms": single["p99_us"] / 1000,
                "created": single["created"],
                "repeated": single["repeated"],
                "bad": single["bad"],
                "stored": stored,
                "named_found": named,
                "distinct_ids": len(set(ids)),
                "on_day": on_day,
            }
        )
        log(
            f"(a) run {rep + 1}: ping {runs[-1]['ping_rps']:.0f}/s, check-in {runs[-1]['checkin_rps']:.0f}/s; "
            f"201 answers {single['created']}, rows stored {stored}, answered ids found {named}, "
            f"200 repeats {single['repeated']}, errors {single['bad']}"
        )
    execute("DELETE FROM monitoring_healthcheckin WHERE client_key LIKE 'bench-a-%%'")
    return {"runs": runs}


# -- (b) batch ingest against COPY ----------------------------------------------------------------------------
def batch_rows(firm_ids, tokens, people, first_day: dt.date, run_id: str):
    """Per firm, the records of its batch (API form) and the same rows as COPY writes them."""
    from decimal import Decimal

    from django.utils import timezone

    from fugong.enterprises.models import Enterprise
    from fugong.policy.selectors import PolicyResolver

    resolver = PolicyResolver()
    towns = dict(Enterprise.objects.filter(pk__in=firm_ids).values_list("pk", "town_id"))
    from fugong.regions.models import Region

    town_objs = {t.pk: t for t in Region.objects.filter(pk__in=set(towns.values()))}
    tz = timezone.get_current_timezone()
    out = []
    for f in firm_ids:
        user_id, token = tokens[f]
        records, rows = [], []
        for d in range(BATCH_DAYS):
            day = first_day - dt.timedelta(days=d)
            policy = resolver.find(town_objs[towns[f]], day)
            version = policy.version_id if policy else None
            for rnd in (1, 2):
                for n, emp in enumerate(people[f]):
                    moment = dt.datetime.combine(day, dt.time(7 + 6 * rnd, n % 60), tzinfo=tz)
                    temp = f"36.{(n + rnd + d) % 8}"
                    key = f"bench-b-{run_id}-{emp}-{day:%y%m%d}-{rnd}"
                    records.append(
                        {
                            "employee": emp,
                            "round": rnd,
                            "measured_at": moment.isoformat(),
                            "temperature": temp,
                            "client_key": key,
                        }
                    )
                    rows.append(
                        (
                            emp,
                            f,
                            day,
                            rnd,
                            moment,
                            Decimal(temp),
                            "[]",
                            "",
                            "bulk",
                            user_id,
                            None,
                            key,
                            version,
                            False,
                            None,
                        )
                    )
        out.append((f, token, records, rows))
    return out


def copy_reference(url: str, batches) -> float:
    """Seconds for PostgreSQL to take the same rows by COPY, one committed COPY per batch; deleted after."""
    import psycopg
    from django.utils import timezone

    columns = ", ".join(CHECKIN_COLUMNS)
    total = 0.0
    with psycopg.connect(url) as conn:
        for _f, _token, _records, rows in batches:
            now = timezone.now()
            stamped = [row[:-1] + (now,) for row in rows]
            t0 = time.perf_counter()
            with (
                conn.cursor() as cur,
                cur.copy(f"COPY monitoring_healthcheckin ({columns}) FROM STDIN") as copy,
            ):
                for row in stamped:
                    copy.write_row(row)
            conn.commit()
            total += time.perf_counter() - t0
        conn.execute("DELETE FROM monitoring_healthcheckin WHERE client_key LIKE 'bench-b-%%'")
        conn.commit()
    vacuum("monitoring_healthcheckin")
    return total


def bench_batch(url, firm_ids, tokens, people, args, workdir: Path, run_id: str) -> dict:
    from django.utils import timezone

    execute("DELETE FROM monitoring_healthcheckin WHERE client_key LIKE 'bench-b-%%'")
    vacuum("monitoring_healthcheckin")
    first_day = timezone.localdate() - dt.timedelta(days=3)
    batches = batch_rows(firm_ids, tokens, people, first_day, run_id)
    records = sum(len(b[2]) for b in batches)
    listing = workdir / "batches.txt"
    with open(listing, "w") as out:
        for f, token, recs, _rows in batches:
            body = workdir / f"batch_{f}.json"
            body.write_text(json.dumps({"enterprise": f, "source": "bulk", "records": recs}))
            out.write(f"{token} {body}\n")
    copy_before = copy_reference(url, batches)
    log(f"(b) COPY before: {records:,} rows in {copy_before:.2f} s")
    result = wrk(
        "monitoring_batch.lua",
        [str(listing)],
        threads=1,
        connections=1,
        seconds=max(600, len(batches) * 60),
        until=workdir / "done",
    )
    seconds = result["duration_us"] / 1e6
    stored = scalar("SELECT count(*) FROM monitoring_healthcheckin WHERE client_key LIKE 'bench-b-%%'")
    log(f"(b) API: {result['stored']:,} stored in {seconds:.2f} s; rows in the table {stored:,}")
    # A repeat of one batch must store nothing new (answered per record as duplicates).
    again = workdir / "again.txt"
    again.write_text(listing.read_text().splitlines()[0] + "\n")
    repeat = wrk(
        "monitoring_batch.lua", [str(again)], threads=1, connections=1, seconds=120, until=workdir / "done"
    )
    stored_after = scalar("SELECT count(*) FROM monitoring_healthcheckin WHERE client_key LIKE 'bench-b-%%'")
    execute("DELETE FROM monitoring_healthcheckin WHERE client_key LIKE 'bench-b-%%'")
    vacuum("monitoring_healthcheckin")
    copy_after = copy_reference(url, batches)
    log(f"(b) COPY after: {copy_after:.2f} s")
    return {
        "records": records,
        "batches": len(batches),
        "api_seconds": seconds,
        "api_stored": result["stored"],
        "api_errors": result["errors"] + result["bad"],
        "api_requests": result["requests"],
        "table_rows": stored,
        "repeat_stored": repeat["stored"],
        "repeat_duplicates": repeat["duplicates"],
        "repeat_new_rows": stored_after - stored,
        "copy_before": copy_before,
        "copy_after": copy_after,
    }


# -- (c) the daily summaries ---------------------------------------------------------------------------------
SEED_SQL = [
    # Two rounds for most people: 2 % miss round 1, 5 % miss round 2; one in 2,000 has a fever in the
    # afternoon, one in ~5,000 a cough in the morning. Times and temperatures vary by person.
    """
    INSERT INTO monitoring_healthcheckin ({columns})
    SELECT e.id, e.enterprise_id, %(day)s, r.n,
           (%(day)s::date + make_interval(hours => 2 + 6 * r.n, mins => (e.id %% 50)::int))
               AT TIME ZONE 'Asia/Shanghai',
           CASE WHEN (e.id * 7919) %% 2000 = 0 AND r.n = 2 THEN 37.6
                ELSE 36.0 + ((e.id + r.n) %% 10) / 10.0 END,
           CASE WHEN (e.id * 7919) %% 5003 = 1 AND r.n = 1 THEN '["cough"]'::jsonb ELSE '[]'::jsonb END,
           'green',
           (ARRAY['self', 'gate', 'device'])[1 + e.id %% 3],
           NULL, NULL, NULL, %(version)s,
           ((e.id * 7919) %% 2000 = 0 AND r.n = 2) OR ((e.id * 7919) %% 5003 = 1 AND r.n = 1),
           now()
    FROM workforce_employee e CROSS JOIN (VALUES (1), (2)) AS r(n)
    WHERE e.enterprise_id = ANY(%(firms)s)
      AND (e.id * 2654435761) %% 100 >= CASE r.n WHEN 1 THEN 2 ELSE 5 END
    """,
    # Their alerts, and the people moved into isolation.
    """
    INSERT INTO monitoring_alert (employee_id, enterprise_id, town_id, kind, checkin_id, test_id, value,
        raised_at, raised_by_id, status, isolation_note, acknowledged_by_id, acknowledged_at, closed_at, note)
    SELECT c.employee_id, c.enterprise_id, f.town_id,
           CASE WHEN c.temperature >= 37.3 THEN 'fever' ELSE 'symptom' END, c.id, NULL,
           c.temperature || '℃', c.measured_at, NULL, 'open', '已转入厂内隔离观察', NULL, NULL, NULL, ''
    FROM monitoring_healthcheckin c JOIN enterprises_enterprise f ON f.id = c.enterprise_id
    WHERE c.day = %(day)s AND c.abnormal AND c.client_key IS NULL AND c.enterprise_id = ANY(%(firms)s)
    """,
    """
    UPDATE workforce_employee SET status = 'isolating'
    WHERE id IN (SELECT employee_id FROM monitoring_alert WHERE raised_at::date BETWEEN %(day)s - 1 AND %(day)s + 1
                 AND enterprise_id = ANY(%(firms)s))
    """,
    # Antigen for 60 % of people; nucleic for a third (every third day each); two positives.
    """
    INSERT INTO monitoring_testresult (employee_id, enterprise_id, kind, sampled_at, sample_day, result, lab,
        reported_at, source, recorded_by_id, device_id, client_key, policy_version_id, created_at)
    SELECT e.id, e.enterprise_id, k.kind,
           (%(day)s::date + make_interval(hours => 7, mins => (e.id %% 60)::int)) AT TIME ZONE 'Asia/Shanghai',
           %(day)s,
           CASE WHEN k.kind = 'nucleic' AND (e.id * 7919) %% 100003 = 7 THEN 'positive' ELSE 'negative' END,
           CASE k.kind WHEN 'nucleic' THEN '诸暨市人民医院检验科' ELSE '' END,
           (%(day)s::date + interval '18 hours') AT TIME ZONE 'Asia/Shanghai',
           CASE k.kind WHEN 'nucleic' THEN 'upload' ELSE 'self' END,
           NULL, NULL, NULL, %(version)s, now()
    FROM workforce_employee e CROSS JOIN (VALUES ('antigen'), ('nucleic')) AS k(kind)
    WHERE e.enterprise_id = ANY(%(firms)s)
      AND CASE k.kind WHEN 'antigen' THEN (e.id * 2654435761) %% 10 < 6
                      ELSE e.id %% 3 = %(third)s END
    """,
    # Gate: an entry for everyone who did round 1; one in 1,000 refused.
    """
    INSERT INTO operations_employeeentry (enterprise_id, gate_id, allowed, refusal_reason, recorded_by_id,
        client_key, employee_id, at, temperature, health_code)
    SELECT c.enterprise_id, NULL, (c.employee_id * 31) %% 1000 <> 999,
           CASE WHEN (c.employee_id * 31) %% 1000 = 999 THEN '健康码异常' ELSE '' END, NULL, NULL,
           c.employee_id, c.measured_at - interval '5 minutes', c.temperature, 'green'
    FROM monitoring_healthcheckin c
    WHERE c.day = %(day)s AND c.round = 1 AND c.client_key IS NULL AND c.enterprise_id = ANY(%(firms)s)
    """,
    # Two visitors a firm, every 40th firm refuses one with a fever.
    """
    INSERT INTO operations_visitor (enterprise_id, gate_id, allowed, refusal_reason, recorded_by_id, client_key,
        name, id_number_encrypted, id_number_index, id_number_masked, phone, company, host, purpose,
        temperature, health_code, time_in, time_out)
    SELECT f, NULL, NOT (g = 2 AND f %% 40 = 0),
           CASE WHEN g = 2 AND f %% 40 = 0 THEN '体温37.8℃，超过37.3℃' ELSE '' END, NULL, NULL,
           '访客' || g, %(enc)s, %(idx)s, %(masked)s, '13800000000', '供应商', '王经理', '送货',
           CASE WHEN g = 2 AND f %% 40 = 0 THEN 37.8 ELSE 36.4 END, 'green',
           (%(day)s::date + make_interval(hours => 9 + g)) AT TIME ZONE 'Asia/Shanghai',
           (%(day)s::date + make_interval(hours => 10 + g)) AT TIME ZONE 'Asia/Shanghai'
    FROM unnest(%(firms)s::bigint[]) AS f CROSS JOIN generate_series(1, 2) AS g
    """,
    """
    INSERT INTO operations_vehicleentry (enterprise_id, gate_id, allowed, refusal_reason, recorded_by_id,
        client_key, plate, driver_name, driver_phone, origin, cargo, disinfected, pass_number, at)
    SELECT f, NULL, true, '', NULL, NULL, '浙D' || lpad((f %% 100000)::text, 5, '0'), '李师傅', '13900000000',
           '绍兴市柯桥区', '原材料', true, 'TX' || f,
           (%(day)s::date + interval '10 hours') AT TIME ZONE 'Asia/Shanghai'
    FROM unnest(%(firms)s::bigint[]) AS f
    """,
]


CLEAR_SQL = [
    "DELETE FROM monitoring_alert WHERE checkin_id IN (SELECT id FROM monitoring_healthcheckin"
    " WHERE client_key IS NULL AND day <> %(day)s)",
    "DELETE FROM monitoring_healthcheckin WHERE client_key IS NULL AND day <> %(day)s",
    "DELETE FROM monitoring_testresult WHERE client_key IS NULL AND sample_day <> %(day)s",
    "DELETE FROM operations_employeeentry WHERE client_key IS NULL"
    " AND (at AT TIME ZONE 'Asia/Shanghai')::date <> %(day)s",
    "DELETE FROM operations_visitor WHERE client_key IS NULL"
    " AND (time_in AT TIME ZONE 'Asia/Shanghai')::date <> %(day)s",
    "DELETE FROM operations_vehicleentry WHERE client_key IS NULL"
    " AND (at AT TIME ZONE 'Asia/Shanghai')::date <> %(day)s",
]


def clear_seeded_days(other_than: dt.date) -> None:
    """A scratch database kept from an earlier day holds that day's seeded records (the rows without a
    client key); (a) writes yesterday's rounds, so they go."""
    from django.db import transaction

    if not scalar(
        "SELECT count(*) FROM monitoring_healthcheckin WHERE client_key IS NULL AND day <> %s", [other_than]
    ):
        return
    log("clearing the records seeded for an earlier day")
    with transaction.atomic():
        for sql in CLEAR_SQL:
            execute(sql, {"day": other_than})


def seed_day(day: dt.date, firm_ids: list[int]) -> float:
    """One day of the city's records, unless the scratch database has it already. Answers the seconds."""
    from django.db import transaction

    from fugong.core import crypto
    from fugong.policy.selectors import PolicyResolver
    from fugong.regions.models import Region
    from fugong.workforce.validation import mask_id_number

    clear_seeded_days(other_than=day)
    if scalar("SELECT count(*) FROM monitoring_healthcheckin WHERE day = %s AND client_key IS NULL", [day]):
        return 0.0
    log(f"seeding {day}: check-ins, alerts, tests, gate entries, visitors, vehicles")
    started = time.perf_counter()
    policy = PolicyResolver().find(Region.objects.get(code="330681"), day)
    visitor_id = id_number(999_999)
    params = {
        "day": day,
        "firms": firm_ids,
        "version": policy.version_id if policy else None,
        "third": day.toordinal() % 3,
        "enc": crypto.encrypt(visitor_id),
        "idx": crypto.blind_index(visitor_id),
        "masked": mask_id_number(visitor_id),
    }
    with transaction.atomic():
        for sql in SEED_SQL:
            execute(sql.format(columns=", ".join(CHECKIN_COLUMNS)), params)
    execute("ANALYZE")
    return time.perf_counter() - started


def bench_summaries(day: dt.date, firm_ids: list[int]) -> dict:
    try:
        from fugong.reports.services import build_summaries
    except ImportError as exc:
        log(f"(c) skipped: {exc}")
        return {}
    from fugong.reports.models import FIGURE_NAMES, DailySummary

    DailySummary.objects.filter(day=day).delete()
    out = {}
    for name in ("first", "refresh"):
        t0 = time.perf_counter()
        built = build_summaries(day)
        out[f"{name}_seconds"] = time.perf_counter() - t0
        out[f"{name}_count"] = built
        log(f"(c) {name} build: {built} summaries in {out[f'{name}_seconds']:.2f} s")
    out["rows"] = DailySummary.objects.filter(day=day).count()
    totals = {
        name: scalar(f"SELECT coalesce(sum({name}), 0) FROM reports_dailysummary WHERE day = %s", [day])
        for name in FIGURE_NAMES
    }
    out["totals"] = totals
    return out


def bench_compliance(day: dt.date) -> dict:
    """(d): the compliance pictures of the seeded day for the whole city, first build then refresh."""
    try:
        from fugong.compliance.models import ComplianceDay
        from fugong.compliance.services import build_compliance
    except ImportError as exc:
        log(f"(d) skipped: {exc}")
        return {}
    from django.db.models import Sum

    ComplianceDay.objects.filter(day=day).delete()
    out = {}
    for name in ("first", "refresh"):
        t0 = time.perf_counter()
        built = build_compliance(day)
        out[f"{name}_seconds"] = time.perf_counter() - t0
        out[f"{name}_count"] = built
        log(f"(d) {name} build: {built} compliance days in {out[f'{name}_seconds']:.2f} s")
    rows = ComplianceDay.objects.filter(day=day)
    out["rows"] = rows.count()
    out["totals"] = rows.aggregate(met=Sum("met"), not_met=Sum("not_met"), unknown=Sum("unknown"))
    out["risky"] = rows.filter(risk_score__gt=0).count()
    return out


def print_builds(summaries: dict, compliance: dict) -> None:
    """The lines of (c) and (d), side by side: seconds and firms per second of each build."""
    for letter, title, result in (
        ("c", "daily summaries", summaries),
        ("d", "compliance pictures", compliance),
    ):
        if not result:
            print(f"({letter}) {title}: not run")
            continue
        for name in ("first", "refresh"):
            s = result[f"{name}_seconds"]
            label = f"({letter}) {title}, {name} build ({result[f'{name}_count']:,} firms)"
            print(f"{label:<62}{s:>11.2f}s{result[f'{name}_count'] / s:>14,.0f} firms/s{'':>8}{'':>8}  —")


# -- report ------------------------------------------------------------------------------------------------
def report(
    single: dict, batch: dict, summaries: dict, args, firms: int, people: int, compliance: dict
) -> None:
    runs = single["runs"]
    ping = sum(r["ping_rps"] for r in runs) / len(runs)
    checkin = sum(r["checkin_rps"] for r in runs) / len(runs)
    copy_s = min(batch["copy_before"], batch["copy_after"])
    copy_rate = batch["records"] / copy_s
    api_rate = batch["api_stored"] / batch["api_seconds"]
    rows = [
        (
            "(a) single check-ins /s (POST /api/v1/checkins/)",
            f"{checkin:,.0f}",
            f"{ping:,.0f} ping/s",
            checkin / ping,
            0.5,
        ),
        (
            f"(b) batch ingest records/s ({batch['batches']} × 5,000, 1 connection)",
            f"{api_rate:,.0f}",
            f"{copy_rate:,.0f} COPY/s",
            api_rate / copy_rate,
            0.3,
        ),
    ]
    print()
    print(
        f"PostgreSQL, gunicorn {args.workers} sync workers, wrk {args.connections} connections × "
        f"{args.duration} s ×{len(runs)}, {os.cpu_count()} cores, {firms:,} firms, {people:,} employees"
    )
    header = f"{'measure':<62}{'ours':>12}{'reference':>20}{'ratio':>8}{'target':>8}  met?"
    print(header)
    print("-" * len(header))
    for name, ours, ref, ratio, target in rows:
        print(
            f"{name:<62}{ours:>12}{ref:>20}{ratio:>8.2f}{'≥ ' + str(target):>8}  {'yes' if ratio >= target else 'NO'}"
        )
    print_builds(summaries, compliance)
    print()
    for i, r in enumerate(runs, 1):
        print(
            f"(a) run {i}: ping {r['ping_rps']:,.0f}/s (p50 {r['ping_p50_ms']:.1f} ms, errors {r['ping_bad']}); "
            f"check-ins {r['checkin_rps']:,.0f}/s (p50 {r['checkin_p50_ms']:.1f} ms, p99 "
            f"{r['checkin_p99_ms']:.1f} ms); 201 answers {r['created']:,}, distinct ids {r['distinct_ids']:,}, "
            f"found in the table {r['named_found']:,}; rows with the run's keys {r['stored']:,} "
            f"(all on the day sent: {r['on_day'] == r['stored']}); 200 repeats {r['repeated']}, errors {r['bad']}"
        )
    print(
        f"(b) {batch['records']:,} records: API {batch['api_seconds']:.2f} s, stored {batch['api_stored']:,} "
        f"(rows counted in the table {batch['table_rows']:,}), errors {batch['api_errors']}; COPY "
        f"{batch['copy_before']:.2f} s before / {batch['copy_after']:.2f} s after (faster taken); the first "
        f"batch sent again: stored {batch['repeat_stored']}, duplicates {batch['repeat_duplicates']:,}, "
        f"new rows {batch['repeat_new_rows']}"
    )
    if summaries:
        print(f"(c) {summaries['rows']:,} summary rows; city totals {summaries['totals']}")
    if compliance:
        print(
            f"(d) {compliance['rows']:,} compliance days; items {compliance['totals']}; "
            f"{compliance['risky']:,} firms with a risk score above 0"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fresh", action="store_true", help="drop and rebuild the scratch database")
    parser.add_argument("--firms", type=int, default=2000)
    parser.add_argument("--per-firm", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=int, default=15, help="seconds of each wrk run in (a)")
    parser.add_argument("--repeat", type=int, default=3, help="alternating ping / check-in runs in (a)")
    parser.add_argument("--batches", type=int, default=20, help="5,000-record batches in (b)")
    parser.add_argument("--skip", default="", help="comma-separated parts to skip: a,b,c,d")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))

    url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_URL
    if not url.startswith("postgres"):
        sys.exit("BENCH_DATABASE_URL must name a PostgreSQL database")
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "fugong.settings"
    os.environ["DEBUG"] = "0"
    # Development keys and plain HTTP: a measurement, not a deployment (DEBUG stays as set).
    os.environ.setdefault("FUGONG_DEV", "1")
    ensure_wrk()
    ensure_database(url, args.fresh)
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    firm_ids, seeded = seed_city(args.firms, args.per_firm)
    if seeded:
        log(f"city seeded in {seeded:.0f} s")
        execute("ANALYZE")
    # build_summaries computes a live day only (today, and yesterday until 00:30): the seeded day is today.
    day = timezone.localdate()
    seed_seconds = seed_day(day, firm_ids)
    if seed_seconds:
        log(f"day seeded in {seed_seconds:.1f} s")
    single_firms = firm_ids[: 100 * args.repeat]
    batch_firms = firm_ids[-args.batches :]
    tokens = officer_tokens(single_firms + batch_firms)
    people = people_of(single_firms + batch_firms)
    people_total = scalar("SELECT count(*) FROM workforce_employee WHERE enterprise_id = ANY(%s)", [firm_ids])
    run_id = f"{int(time.time()) % 1_000_000:06d}"
    from django.db import connection

    single, batch = {"runs": []}, {}
    # (c) and (d) run in this process: the server is started only for (a) and (b).
    if not {"a", "b"} <= skip:
        connection.close()  # the server's workers take the connections from here
        with (
            tempfile.TemporaryDirectory() as tmp,
            Server(url, args.workers, Path(tmp) / "gunicorn.log", tokens[firm_ids[0]][1]),
        ):
            workdir = Path(tmp)
            warm_up(firm_ids[0], tokens[firm_ids[0]][1], people[firm_ids[0]][0], args.workers)
            if "a" not in skip:
                single = bench_single(single_firms, tokens, people, args, workdir, run_id)
            if "b" not in skip:
                batch = bench_batch(url, batch_firms, tokens, people, args, workdir, run_id)
            log_text = (workdir / "gunicorn.log").read_text()
            if log_text.strip():
                print("gunicorn said:\n" + log_text[-3000:], file=sys.stderr)
    summaries = {} if "c" in skip else bench_summaries(day, firm_ids)
    compliance = {} if "d" in skip else bench_compliance(day)
    if single["runs"] and batch:
        report(single, batch, summaries, args, len(firm_ids), people_total, compliance)
    else:
        print(json.dumps({"single": single, "batch": batch, "summaries": summaries, "compliance": compliance},
                         default=str, indent=1))  # fmt: skip
        print(f"{len(firm_ids):,} firms, {people_total:,} employees")
        print_builds(summaries, compliance)


if __name__ == "__main__":
    main()
