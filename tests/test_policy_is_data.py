"""No rule outside the policy (issue 9): the notices live in the preset files, never in code.

Templates and services never name a notice by its code, a city the presets come from, or a notice's
words; they cite the policy in force, which knows where each value came from."""

import re
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "fugong"
# The demo builds a real city's towns and firms as sample data; it names places, never rules.
ALLOWED = ("policy/presets/", "/migrations/", "/locale/", "/static/vendor/", "/demo/")
FORBIDDEN = re.compile(r"(?<![A-Za-z0-9_])N[0-4](?![0-9])|诸暨|绍兴|绍外|长春|净月|包头|衡水|湖北|武汉")
# Words only a notice says, which code would have copied instead of citing the policy.
QUOTES = ("一律不得返还", "四必须", "六个一律", "六个必消", "五有一网格", "双控双测", "居厂隔离观察")


def _files():
    for path in SRC.rglob("*"):
        rel = path.relative_to(SRC).as_posix()
        if path.suffix in {".py", ".html", ".txt", ".js", ".css"} and not any(
            a in f"/{rel}" for a in ALLOWED
        ):
            yield rel, path


def test_no_notice_codes_city_names_or_quotations_in_code():
    hits = []
    for rel, path in _files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if FORBIDDEN.search(line) or any(q in line for q in QUOTES):
                hits.append(f"{rel}:{number}: {line.strip()[:120]}")
    assert not hits, "notices belong in policy/presets/*.yaml:\n" + "\n".join(hits)


def test_no_fallback_constants_for_policy_values():
    pattern = re.compile(r"DEFAULT_(ISOLATION|LOOKBACK|FEVER|CHECKS)|\bor 48\b|or DEFAULT_")
    hits = [
        f"{rel}:{n}"
        for rel, path in _files()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if pattern.search(line)
    ]
    assert not hits, hits
