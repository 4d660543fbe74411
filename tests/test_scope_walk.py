"""Walks every API endpoint and every page with every fixture user, inside and outside its scope.

The expectation comes from EXPECTED_FIRMS (SPEC §1), never from the code under test: each object an
endpoint returns is traced back to its firm, and the firm must be one the user may see.
"""

import datetime as dt
import io
import random

import openpyxl
import pytest
from django.urls import reverse

from fugong.core.api_urls import router
from fugong.demo.city import _add_parts
from fugong.enterprises.models import Enterprise
from tests.conftest import EXPECTED_FIRMS
from tests.resumption.factories import approved_application

FIRM_KEYS = ("firm_a", "firm_b", "firm_c")
# Scoped routes whose reads need a capability besides scope (as their pages do): 403 exactly for the users
# without it, whatever firms they see. The daily summaries need reports.view (no gate keeper, grid worker
# or employee). A tuple names capabilities any one of which is enough: the test results are for their
# readers and for employees (their own rows), not the gate keeper.
READ_CAPABILITY = {
    "daily-summaries": "reports.view",
    "tests": ("monitoring.tests.view", "monitoring.checkin.self"),
}
# Each workplace app furnishes its own rows (``furnish(world)``) and may name its own read capabilities
# (``READ_CAPABILITY``) in ``tests/<app>/furnish.py``; a module not written yet is skipped.
FURNISHERS = [
    "tests.disinfection.furnish",
    "tests.supplies.furnish",
    "tests.arrangements.furnish",
    "tests.gatherings.furnish",
    "tests.compliance.furnish",
    "tests.surveys.furnish",
    "tests.incidents.furnish",
    "tests.incidents.furnish_contacts",
    "tests.incidents.furnish_seals",
    "tests.incidents.furnish_notices",
]


def _furnisher_modules():
    from importlib import import_module

    modules = []
    for name in FURNISHERS:
        try:
            modules.append(import_module(name))
        except ModuleNotFoundError as exc:
            if not name.startswith(exc.name or "-"):
                raise
    return modules


for _module in _furnisher_modules():
    READ_CAPABILITY.update(getattr(_module, "READ_CAPABILITY", {}))

SCOPED_ROUTES = [
    (prefix, viewset)
    for prefix, viewset, _ in router.registry
    if getattr(viewset, "queryset", None) is not None and hasattr(viewset.queryset.model, "scope")
]


@pytest.fixture
def furnished(world, pinned_clock):
    rng = random.Random(1)
    for key in FIRM_KEYS:
        _add_parts(rng, getattr(world, key))
    approved_application(world.firm_a, world.users["ent_a"])
    approved_application(world.firm_b, world.users["task_force"])
    approved_application(world.firm_c, world.users["ent_c"])
    _isolation(world)
    _returns(world)
    _monitoring(world)
    _tests(world)
    _gate(world)
    _devices(world)
    _summaries(world)
    for module in _furnisher_modules():
        module.furnish(world)
    return world


def _devices(world):
    """A temperature gate at each firm, so that devices have rows everywhere."""
    from fugong.accounts.models import User
    from fugong.monitoring.devices import issue_device

    for key in FIRM_KEYS:
        firm = getattr(world, key)
        officer = User.objects.filter(role="enterprise", enterprise=firm).first() or _firm_officer(firm)
        issue_device(officer, firm, f"测温门{key}", "gate")


def _gate(world):
    """An employee entry, a visitor and a vehicle at each firm's gate, so that gate-entries,
    gate-visitors and gate-vehicles have rows everywhere."""
    from fugong.operations import services
    from tests.workforce.conftest import make_employee, valid_id

    for key, recorder in (("firm_a", "gate_a"), ("firm_b", None), ("firm_c", "ent_c")):
        firm = getattr(world, key)
        actor = world.users[recorder] if recorder else _firm_officer(firm)
        # Own birth date: other helpers count their own serials over the same numbers.
        person = make_employee(firm, name=f"门岗{key}", id_number=valid_id(birth="19850505"))
        services.record_employee_entry(actor, person, temperature="36.5", health_code="green")
        services.record_visitor(
            actor,
            firm,
            name="访客",
            id_number=valid_id(),
            phone="13800001111",
            company="",
            host="接待人",
            purpose="洽谈",
            temperature="36.5",
            health_code="green",
        )
        services.record_vehicle(
            actor,
            firm,
            plate="浙D12345",
            driver_name="司机",
            driver_phone="13800002222",
            origin="杭州",
            cargo="",
            disinfected=True,
            pass_number="",
        )


def _summaries(world):
    """Today's daily summary of each firm, so that daily-summaries has rows everywhere (every firm has
    someone on site by now: the isolated person of ``_isolation``)."""
    from django.utils import timezone

    from fugong.reports.models import DailySummary
    from fugong.reports.services import build_summaries

    build_summaries(timezone.localdate())
    assert DailySummary.objects.count() == len(FIRM_KEYS)


def _firm_officer(firm):
    from fugong.accounts.roles import Role
    from tests.factories import UserFactory

    return UserFactory(username=f"ent_{firm.pk}_gate", role=Role.ENTERPRISE, enterprise=firm)


def _returns(world):
    """A pre-report and a matched checkpoint arrival for each firm, so that pre-reports and
    checkpoint-arrivals have rows everywhere."""
    import datetime as dt

    from django.utils import timezone

    from fugong.workforce.models import PreReport
    from fugong.workforce.returns.services import record_arrival
    from tests.workforce.returns_support import id_number, make_employee

    day = timezone.localdate() + dt.timedelta(days=3)
    for key, recorder in (("firm_a", "town_a"), ("firm_b", "town_b"), ("firm_c", "outsider")):
        firm, number = getattr(world, key), id_number(birth="19870707")  # apart from other helpers' serials
        person = make_employee(firm, f"返岗{key}", number)
        PreReport.objects.create(
            employee=person, town=firm.town, expected_arrival=day, lead_days=3, on_time=True
        )
        record_arrival(
            world.users[recorder], firm.town, checkpoint="卡口", name=person.name, id_number=number
        )


def _monitoring(world):
    """A check-in and an alert for each firm, so that checkins and alerts have rows everywhere."""
    from fugong.monitoring import services
    from fugong.policy.models import Policy
    from fugong.policy.services import apply_preset
    from tests.workforce.conftest import make_employee, valid_id

    # Check-ins go to the policy's rounds: both counties need a policy that sets them.
    for county in (world.county, world.other_county):
        if not Policy.objects.filter(region=county).exists():
            apply_preset(county, "N0", effective_from=dt.date(2020, 2, 1))
    for key in FIRM_KEYS:
        person = make_employee(getattr(world, key), name=f"打卡{key}", id_number=valid_id(birth="19860606"))
        row, _ = services.record_checkin(None, person, temperature="36.5", source="bulk")
        services.raise_alert(None, person, "fever", "38.0℃", checkin=row)


def _tests(world):
    """A nucleic result for each firm, so that tests has rows everywhere."""
    import datetime as dt

    from django.utils import timezone

    from fugong.monitoring.testing import services as testing
    from tests.workforce.conftest import make_employee, valid_id

    moment = timezone.now() - dt.timedelta(days=1)
    for key in FIRM_KEYS:
        person = make_employee(getattr(world, key), name=f"检测{key}", id_number=valid_id(birth="19880808"))
        testing.record_test(
            None,
            person,
            kind="nucleic",
            sampled_at=moment,
            result="negative",
            lab="疾控",
            source="enterprise",
        )


def _isolation(world):
    """An employee in in-plant isolation in each firm, so that employees and isolation-episodes have rows
    everywhere."""
    from fugong.workforce import episodes
    from tests.workforce.conftest import make_employee

    for key in FIRM_KEYS:
        person = make_employee(getattr(world, key), name=f"隔离{key}")
        episodes.start_episode(None, person, "isolation", None, None, "体温异常，隔离观察")


def firm_of(model, pk) -> int:
    lookup = model.scope.enterprise
    return model.objects.filter(pk=pk).values_list(lookup, flat=True).get()


def all_results(client, url):
    rows, status = [], None
    while url:
        response = client.get(url, {"page_size": 500} if "?" not in url else None)
        status = response.status_code
        if status != 200:
            return status, rows
        body = response.json()
        rows += body["results"] if isinstance(body, dict) and "results" in body else body
        url = body.get("next") if isinstance(body, dict) else None
    return status, rows


def test_every_api_route_is_covered():
    names = {prefix for prefix, _ in SCOPED_ROUTES}
    # A new scoped model must show up here: the walk below is only as good as this list.
    assert {
        "enterprises",
        "prevention-team",
        "enterprise-zones",
        "grid-units",
        "dorm-rooms",
        "canteen-sittings",
        "shuttle-routes",
        "isolation-rooms",
        "gates",
        "resumption-applications",
        "resumption-certificates",
    } <= names


@pytest.mark.parametrize("prefix,viewset", SCOPED_ROUTES, ids=[p for p, _ in SCOPED_ROUTES])
def test_api_lists_and_details_stay_in_scope(furnished, api_client, prefix, viewset):
    # Every user against one route on one furnished world: building the world is most of the time.
    failures = []
    for who in sorted(EXPECTED_FIRMS):
        try:
            _route_stays_in_scope(furnished, api_client, who, prefix, viewset)
        except AssertionError as exc:
            failures.append(f"{who}: {exc}")
    assert not failures, "\n".join(failures)


def _route_stays_in_scope(world, api_client, who, prefix, viewset):
    user = world.users[who]
    api_client.force_authenticate(user)
    model = viewset.queryset.model
    allowed = {getattr(world, key).pk for key in EXPECTED_FIRMS[who]}

    status, rows = all_results(api_client, f"/api/v1/{prefix}/")
    assert status in (200, 403)
    needed = READ_CAPABILITY.get(prefix)
    if needed is not None:
        from fugong.accounts.roles import can

        caps = (needed,) if isinstance(needed, str) else needed
        assert status == (200 if any(can(user, c) for c in caps) else 403), (prefix, who, status)
    if status == 403:
        assert not allowed or user.role == "employee" or needed is not None
        for key in FIRM_KEYS:  # the objects too, inside the scope or not
            obj = model.objects.filter(**{model.scope.enterprise: getattr(world, key).pk}).first()
            if needed is not None and obj is not None:
                assert api_client.get(f"/api/v1/{prefix}/{obj.pk}/").status_code == 403, (key, prefix)
        return
    seen_firms = {firm_of(model, row["id"]) for row in rows}
    assert seen_firms <= allowed
    if model is Enterprise:
        assert seen_firms == allowed

    for key in FIRM_KEYS:
        firm = getattr(world, key)
        obj = model.objects.filter(**{model.scope.enterprise: firm.pk}).order_by("pk").first()
        assert obj is not None
        response = api_client.get(f"/api/v1/{prefix}/{obj.pk}/")
        assert response.status_code == (200 if firm.pk in allowed else 404), (key, response.content[:200])


@pytest.mark.parametrize("who", sorted(EXPECTED_FIRMS))
def test_counts_search_and_exports_stay_in_scope(world, api_client, client, who):
    user = world.users[who]
    allowed = {getattr(world, key) for key in EXPECTED_FIRMS[who]}
    foreign = {getattr(world, key) for key in FIRM_KEYS} - allowed
    api_client.force_authenticate(user)
    client.force_login(user)

    counts = api_client.get("/api/v1/enterprises/counts/")
    if counts.status_code == 200:
        assert counts.json()["total"] == len(allowed)

    for firm in foreign:
        found = api_client.get("/api/v1/enterprises/", {"search": firm.uscc})
        assert found.status_code == 403 or found.json()["count"] == 0
        page = client.get(reverse("enterprises:list"), {"q": firm.uscc})
        # The page's own content; the shell's header names the user's own employer.
        main = page.content.decode().split("<main", 1)[-1]
        assert firm.name not in main

    for url in ("/api/v1/enterprises/export/", reverse("enterprises:export")):
        response = api_client.get(url) if url.startswith("/api") else client.get(url)
        if response.status_code != 200:
            assert response.status_code in (403, 404)
            continue
        body = b"".join(response.streaming_content) if response.streaming else response.content
        book = openpyxl.load_workbook(io.BytesIO(body))
        text = "\n".join(str(c) for row in book.worksheets[0].iter_rows(values_only=True) for c in row if c)
        for firm in allowed:
            assert firm.uscc in text
        for firm in foreign:
            assert firm.uscc not in text and firm.name not in text


@pytest.mark.parametrize("who", sorted(EXPECTED_FIRMS))
def test_pages_stay_in_scope(furnished, client, who):
    world = furnished
    user = world.users[who]
    client.force_login(user)
    allowed = {getattr(world, key) for key in EXPECTED_FIRMS[who]}
    foreign = {getattr(world, key) for key in FIRM_KEYS} - allowed

    listing = client.get(reverse("enterprises:list"))
    assert listing.status_code in (200, 403)
    if listing.status_code == 200:
        html = listing.content.decode()
        assert all(f.name in html for f in allowed)
        assert not any(f.name in html for f in foreign)

    for firm in allowed | foreign:
        for name in ("enterprises:detail", "enterprises:parts"):
            response = client.get(reverse(name, args=[firm.pk]))
            if firm in foreign:
                assert response.status_code in (403, 404)
            elif listing.status_code == 200:
                assert response.status_code == 200

    # An employee may read the name of their own employer, though they cannot open its file.
    unnamed = foreign - {user.enterprise}
    for name in ("home", "regions:tree", "policy:index", "audit:list", "accounts:users", "accounts:profile"):
        response = client.get(reverse(name))
        assert response.status_code in (200, 403)
        html = response.content.decode()
        assert not any(f.name in html or f.uscc in html for f in unnamed), name


def test_outsider_cannot_act_on_a_foreign_firm(world, api_client, client):
    outsider = world.users["outsider"]
    api_client.force_authenticate(outsider)
    firm = world.firm_a
    before = Enterprise.objects.get(pk=firm.pk)
    assert (
        api_client.patch(
            f"/api/v1/enterprises/{firm.pk}/", {"address": "x", "version": firm.version}
        ).status_code
        == 404
    )
    assert (
        api_client.post(
            f"/api/v1/enterprises/{firm.pk}/status/", {"status": "resumed", "reason": "x"}
        ).status_code
        == 404
    )
    client.force_login(outsider)
    assert client.post(reverse("enterprises:edit", args=[firm.pk]), {"address": "x"}).status_code == 404
    after = Enterprise.objects.get(pk=firm.pk)
    assert (after.address, after.status, after.version) == (before.address, before.status, before.version)


@pytest.mark.parametrize("who", sorted(EXPECTED_FIRMS))
def test_no_api_route_answers_with_a_foreign_firm(furnished, api_client, who):
    """Every registered list route, scoped model or not: never an error, never a foreign firm's name."""
    world = furnished
    user = world.users[who]
    api_client.force_authenticate(user)
    foreign = {getattr(world, key) for key in FIRM_KEYS} - {
        getattr(world, key) for key in EXPECTED_FIRMS[who]
    }
    foreign -= {user.enterprise}
    for prefix, _viewset, _basename in router.registry:
        response = api_client.get(f"/api/v1/{prefix}/")
        assert response.status_code in (200, 400, 403, 404), (prefix, response.status_code)
        text = response.content.decode()
        for firm in foreign:
            assert firm.name not in text and firm.uscc not in text, (prefix, firm.name)
