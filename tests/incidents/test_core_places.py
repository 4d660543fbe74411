"""The places to seal and disinfect for an incident: where the index person was assigned inside the
look-back window (dated assignments), whether a seal covers each, and the policy's disinfection areas
with the rounds recorded since the incident was opened."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from fugong.disinfection.models import AreaExemption, DisinfectionRecord
from fugong.incidents.contacts.services import policy_of
from fugong.incidents.models import SealKind, SealScope
from fugong.incidents.places import places_used, summary
from fugong.incidents.seals import services as seals
from tests.incidents.furnish import incident_policy
from tests.incidents.furnish_contacts import CONTACT_POLICY, incident_for, scene

pytestmark = pytest.mark.django_db


def data_room(incident):
    from fugong.arrangements.models import Assignment

    index = incident.index_people.get().employee
    return Assignment.objects.get(employee=index, kind="dorm").dorm_room


AREAS = [{"key": "workshop", "name": "车间工作区"}, {"key": "dormitory", "name": "宿舍区"}]
ROUNDS = [{"key": "before_work", "name": "上班前"}]


@pytest.fixture
def incident(world, pinned_clock):
    incident_policy(world, disinfection_areas=AREAS, disinfection_rounds=ROUNDS, **CONTACT_POLICY)
    data = scene(world.firm_a)
    return incident_for(world, world.firm_a, data.index)


def test_the_places_come_from_the_dated_assignments_inside_the_window(world, incident):
    found = places_used(incident, policy_of(incident))
    # One place of each kind: the second sitting was left 4 days ago, before the window (2 days
    # before yesterday's onset), and room 102 was never the index person's.
    assert sorted(p.kind for p in found["places"]) == ["canteen", "carpool", "dorm", "grid", "shuttle"]
    assert {p.name for p in found["places"] if p.kind == "dorm"} == {str(data_room(incident))}
    assert all("主病例" in p.people for p in found["places"])
    assert found["since"] == timezone.localdate(incident.reference_at) - dt.timedelta(days=2)
    by_kind = {p.kind: p for p in found["places"]}
    assert by_kind["canteen"].seal_scope is None and by_kind["carpool"].seal_scope is None
    assert by_kind["dorm"].seal_scope == SealScope.DORM_BUILDING
    assert all(p.sealed_by is None for p in found["places"])
    assert [(a.key, a.last_done_at, a.exempt) for a in found["areas"]] == [
        ("workshop", None, ""),
        ("dormitory", None, ""),
    ]


def test_a_seal_and_a_disinfection_round_show_against_their_places(world, incident):
    from fugong.enterprises import services as enterprise_services
    from fugong.enterprises.models import EnterpriseStatus

    enterprise_services.change_status(None, world.firm_a, EnterpriseStatus.RESUMED, "复工", workflow="test")
    dorm = next(p for p in places_used(incident, policy_of(incident))["places"] if p.kind == "dorm")
    seal = seals.seal(
        world.users["town_a"],
        world.firm_a,
        kind=SealKind.SEAL,
        scope_kind=SealScope.DORM_BUILDING,
        dorm_building=dorm.seal_target,
        reason="病例居住楼栋",
        incident=incident,
    )
    # The model's default took the real clock; the test's clock is pinned earlier.
    type(seal).objects.filter(pk=seal.pk).update(started_at=timezone.now())
    DisinfectionRecord.objects.create(
        enterprise=world.firm_a,
        day=timezone.localdate(),
        area="workshop",
        area_name="车间工作区",
        round="r",
        round_name="上班前",
        agent="含氯消毒剂",
        concentration="500mg/L",
        operator="赵六",
        done_at=timezone.now(),
    )
    # A round before the incident was opened does not count.
    DisinfectionRecord.objects.create(
        enterprise=world.firm_a,
        day=timezone.localdate() - dt.timedelta(days=1),
        area="dormitory",
        area_name="宿舍区",
        round="r",
        round_name="上班前",
        agent="含氯消毒剂",
        concentration="500mg/L",
        operator="赵六",
        done_at=incident.opened_at - dt.timedelta(hours=3),
    )
    found = places_used(incident, policy_of(incident))
    by_kind = {p.kind: p for p in found["places"]}
    assert by_kind["dorm"].sealed_by == seal and by_kind["grid"].sealed_by is None
    areas = {a.key: a for a in found["areas"]}
    assert areas["workshop"].last_done_at is not None and areas["dormitory"].last_done_at is None
    assert summary(found) == "场所 1/3 处已封闭，消杀区域 1/2 个已消杀"
    AreaExemption.objects.create(enterprise=world.firm_a, area="dormitory", reason="无宿舍")
    assert summary(places_used(incident, policy_of(incident))) == "场所 1/3 处已封闭，消杀区域 1/1 个已消杀"


def test_the_incident_page_lists_the_places_with_a_prefilled_seal_link(world, incident, client):
    client.force_login(world.users["town_a"])
    page = client.get(reverse("incidents:detail", args=[incident.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="places"' in html
    assert "封闭此处" in html and "scope_kind=dorm_building" in html
    assert "仅消毒" in html  # the canteen sitting and the car pool
    # The firm's officer sees the list but no seal link (sealing is the town's).
    client.force_login(world.users["ent_a"])
    html = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert 'data-testid="places"' in html and "封闭此处" not in html


def test_the_seal_form_comes_prefilled_from_the_link(world, incident, client):
    client.force_login(world.users["town_a"])
    url = reverse("incidents:seal_new")
    page = client.get(
        url,
        {
            "enterprise": world.firm_a.pk,
            "incident": incident.pk,
            "kind": "seal",
            "scope_kind": "dorm_building",
            "dorm_building": "宿舍楼",
        },
    )
    form = page.context["form"]
    assert form.initial["scope_kind"] == "dorm_building" and form.initial["incident"] == str(incident.pk)


DETAIL_QUERIES = 14


def test_the_incident_page_reads_in_a_fixed_number_of_statements(
    world, incident, client, django_assert_num_queries
):
    from fugong.incidents.models import IndexPerson
    from tests.arrangements.conftest import grid, place, room, staff

    client.force_login(world.users["town_a"])
    url = reverse("incidents:detail", args=[incident.pk])
    client.get(url)  # warm the session and caches
    with django_assert_num_queries(DETAIL_QUERIES):
        client.get(url)
    # Another index person with more places (another room, another workshop): the same statements.
    (second,) = staff(world.firm_a, 1, prefix="第二病例")
    IndexPerson.objects.create(incident=incident, employee=second)
    place([second], room(world.firm_a, "305"), starts_on=timezone.localdate())
    place([second], grid(world.firm_a, "二车间"), starts_on=timezone.localdate())
    with django_assert_num_queries(DETAIL_QUERIES):
        html = client.get(url).content.decode()
    assert "305" in html and "二车间" in html
