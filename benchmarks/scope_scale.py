"""How the scoped reads grow with the size of the city.

Builds the demo city at two sizes (default 2,000 and 20,000 firms — the design size of SPEC §11) in
fresh databases and times the reads every page makes through ``visible_to``: the first page of the
enterprise list, the status counts and a search, for a town officer, a department officer and the task
force. Prints the median of repeated runs and the large/small ratio; a ratio near 1 means the read
does not grow with the city, near 10 means it grows linearly.

    .venv/bin/python benchmarks/scope_scale.py [--small 2000] [--large 20000] [--repeat 15]

Uses a temporary SQLite file unless DATABASE_URL names a PostgreSQL server (then it creates and drops
its own databases on it).
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def configure(size: int, workdir: Path) -> None:
    base = os.environ.get("DATABASE_URL", "")
    if base.startswith("postgres"):
        os.environ["DATABASE_URL"] = base.rsplit("/", 1)[0] + f"/fugong_bench_{size}"
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir / f'bench_{size}.sqlite3'}"


def measure(size: int, repeat: int) -> dict[str, float]:
    from django.core.management import call_command
    from django.db import connection

    from fugong.accounts.models import User
    from fugong.demo.city import build_city
    from fugong.enterprises import selectors
    from fugong.enterprises.models import Enterprise

    if connection.vendor == "postgresql":
        from django.test.utils import setup_databases

        setup_databases(verbosity=0, interactive=False)
    else:
        call_command("migrate", verbosity=0)
    started = time.perf_counter()
    build_city(size=size, with_parts=False)
    build_seconds = time.perf_counter() - started
    if connection.vendor == "postgresql":
        # Fresh bulk loads leave the planner without statistics; production autovacuum would have them.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    users = {name: User.objects.get(username=name) for name in ("diankou", "jingxin", "zhuanban")}
    reads = {
        "list page": lambda u: list(
            Enterprise.objects.visible_to(u).select_related("town", "department").order_by("town__code", "name")[:50]
        ),
        "status counts": lambda u: selectors.status_counts(Enterprise.objects.visible_to(u)),
        "search": lambda u: list(Enterprise.objects.visible_to(u).filter(name__contains="五金")[:50]),
    }
    results = {"build (s)": build_seconds}
    for user_name, user in users.items():
        for read_name, read in reads.items():
            read(user)  # warm caches once
            times = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                read(user)
                times.append(time.perf_counter() - t0)
            results[f"{read_name} as {user_name} (ms)"] = statistics.median(times) * 1000
    results["firms"] = Enterprise.objects.count()
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=int, default=2000)
    parser.add_argument("--large", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)  # internal: measure one size
    args = parser.parse_args()

    if args.size:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fugong.settings")
        # Development keys and plain HTTP: a measurement, not a deployment (DEBUG stays as set).
        os.environ.setdefault("FUGONG_DEV", "1")
        import django

        django.setup()
        for key, value in measure(args.size, args.repeat).items():
            print(f"{key}\t{value}")
        return

    import subprocess

    with tempfile.TemporaryDirectory() as tmp:
        runs = {}
        for size in (args.small, args.large):
            env = dict(os.environ)
            configure(size, Path(tmp))
            env["DATABASE_URL"] = os.environ["DATABASE_URL"]
            out = subprocess.run(
                [sys.executable, __file__, "--size", str(size), "--repeat", str(args.repeat)],
                env=env, check=True, capture_output=True, text=True,
            ).stdout
            runs[size] = {k: float(v) for k, v in (line.split("\t") for line in out.strip().splitlines())}
    small, large = runs[args.small], runs[args.large]
    print(f"{'measure':<38}{args.small:>12}{args.large:>12}{'ratio':>8}")
    for key in small:
        ratio = large[key] / small[key] if small[key] else float("nan")
        print(f"{key:<38}{small[key]:>12.2f}{large[key]:>12.2f}{ratio:>8.2f}")


if __name__ == "__main__":
    main()
