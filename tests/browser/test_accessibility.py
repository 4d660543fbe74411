"""axe-core in Chromium (issue 10): no serious or critical violation on any page.

``severe_violations`` runs axe on the page at hand; test_page_text.py calls it on every page of every demo
role's crawl at 1366×768 and 390×844. Here: the pages a person meets before signing in (login, certificate
check, a personal check-in link, an error page), at both sizes.
"""

from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[2] / "src" / "fugong" / "static" / "vendor" / "axe.min.js"
LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
SEVERE = {"serious", "critical"}
# Swagger UI (drf-spectacular's page) is third-party markup and styling we do not write or theme; its own
# colour contrast, missing lang and nested buttons are upstream issues, so that one page is not scanned.
THIRD_PARTY = {"/api/docs/"}
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.map(n => n.target.join(' ')),
  }));
}"""
# Before signing in: the login page, the public certificate check (with an unknown code), a personal
# check-in link that is not (or no longer) valid, and a page that does not exist.
PUBLIC_PAGES = [
    "/login/",
    "/verify/",
    "/verify/no-such-code/",
    "/monitoring/c/no-such-link/",
    "/no-such-page/",
]


def severe_violations(page) -> list[dict]:
    assert AXE.exists(), "run `node scripts/build_static.mjs` to copy axe-core into the static vendor folder"
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    return [v for v in page.evaluate(RUN_AXE) if v["impact"] in SEVERE]


def describe(violation: dict) -> str:
    first = violation["targets"][0] if violation["targets"] else "?"
    return f"[{violation['impact']}] {violation['id']} ({len(violation['targets'])}×): {first} — {violation['help']}"


def test_public_pages_have_no_serious_axe_violations(page, live_server):
    problems = []
    for path in PUBLIC_PAGES:
        for size, name in ((LAPTOP, "1366"), (PHONE, "390")):
            page.set_viewport_size(size)
            response = page.goto(f"{live_server.url}{path}")
            assert response is not None and response.status < 500, (path, response and response.status)
            problems += [f"{path} at {name}: {describe(v)}" for v in severe_violations(page)]
    assert not problems, "\n".join(problems)
