"""责任倒查: opened by the task force or an inspector in scope, only on the finding that the confirmed
case was found outside isolation; concluded once, on the version read; audited; firm and town told."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from fugong.audit.models import AuditEntry
from fugong.incidents import reviews
from fugong.incidents.models import ReviewStatus
from fugong.resumption.models import Notification
from tests.incidents.furnish_notices import incident_with_contacts

pytestmark = pytest.mark.django_db

GROUNDS = "该员工核酸阳性时未在居家或集中隔离中，系在车间上班时发现"


def _open(world, who="task_force", **overrides):
    incident, _ = incident_with_contacts(world, world.firm_a, names=())
    args = {
        "subjects": "企业防疫专员、车间主任",
        "grounds": GROUNDS,
        "found_outside_isolation": True,
    } | overrides
    return reviews.open_review(world.users[who], incident, **args)


@pytest.mark.django_db(transaction=True)
def test_open_is_audited_and_tells_firm_and_town(world):
    review = _open(world)
    assert review.status == ReviewStatus.OPEN and review.opened_by == world.users["task_force"]
    assert AuditEntry.objects.filter(action="incidents.review.open", object_id=str(review.pk)).exists()
    told = set(
        Notification.objects.filter(event="incidents.review.open").values_list(
            "recipient__username", flat=True
        )
    )
    assert {"ent_a", "town_a"} <= told and "town_b" not in told and "ent_c" not in told


@pytest.mark.parametrize("who", ["town_a", "ent_a", "dept_health", "grid_a", "employee_a"])
def test_only_the_task_force_and_inspectors_open(world, who):
    with pytest.raises(PermissionDenied):
        _open(world, who)


def test_inspector_opens_and_outsider_cannot(world):
    assert _open(world, "inspector").pk
    with pytest.raises(PermissionDenied):
        _open(world, "task_force_outside")


def test_a_review_needs_the_finding_and_every_field(world):
    with pytest.raises(ValidationError) as exc:
        _open(world, found_outside_isolation=False, subjects="  ", grounds="")
    assert set(exc.value.message_dict) == {"found_outside_isolation", "subjects", "grounds"}
    assert "隔离以外" in exc.value.message_dict["found_outside_isolation"][0]


def test_conclude_once_on_the_version_read(world):
    review = _open(world)
    tf = world.users["task_force"]
    with pytest.raises(ValidationError) as exc:
        reviews.conclude(tf, review, findings="", outcome="", expected_version=review.version)
    assert set(exc.value.message_dict) == {"findings", "outcome"}
    with pytest.raises(reviews.ReviewConflict):
        reviews.conclude(tf, review, findings="查明", outcome="约谈", expected_version=review.version + 1)
    done = reviews.conclude(
        world.users["inspector"],
        review,
        findings="未落实返岗隔离",
        outcome="约谈企业负责人",
        expected_version=1,
    )
    assert done.status == ReviewStatus.CONCLUDED and done.version == 2 and done.concluded_at
    assert AuditEntry.objects.filter(action="incidents.review.conclude").count() == 1
    with pytest.raises(reviews.ReviewConflict):
        reviews.conclude(tf, review, findings="再次", outcome="再次", expected_version=2)
    with pytest.raises(PermissionDenied):
        reviews.conclude(
            world.users["task_force_outside"], review, findings="x", outcome="y", expected_version=2
        )


def test_pages_open_and_conclude(world, client):
    incident, _ = incident_with_contacts(world, world.firm_a, names=())
    client.force_login(world.users["task_force"])
    response = client.post(
        reverse("incidents:reviews"),
        {"incident": incident.pk, "subjects": "车间主任", "grounds": GROUNDS},
    )
    assert response.status_code == 400 and "隔离以外" in response.content.decode()
    response = client.post(
        reverse("incidents:reviews"),
        {
            "incident": incident.pk,
            "subjects": "车间主任",
            "grounds": GROUNDS,
            "found_outside_isolation": "on",
        },
    )
    assert response.status_code == 302
    review = incident.reviews.get()
    url = reverse("incidents:review", args=[review.pk])
    assert "车间主任" in client.get(url).content.decode()
    stale = client.post(url, {"findings": "f", "outcome": "o", "version": 9})
    assert stale.status_code == 302 and incident.reviews.get().status == ReviewStatus.OPEN
    assert client.post(url, {"findings": "查明情况", "outcome": "通报批评", "version": 1}).status_code == 302
    assert "通报批评" in client.get(url).content.decode()
    assert "车间主任" in client.get(reverse("incidents:reviews")).content.decode()


@pytest.mark.parametrize(
    "who,expected", [("town_a", 200), ("ent_a", 200), ("outsider", 404), ("ent_c", 404), ("town_b", 404)]
)
def test_review_page_scope(world, client, who, expected):
    review = _open(world)
    client.force_login(world.users[who])
    assert client.get(reverse("incidents:review", args=[review.pk])).status_code == expected
    listing = client.get(reverse("incidents:reviews")).content.decode()
    assert (review.subjects in listing) == (expected == 200)


def test_readers_cannot_conclude_by_post(world, client):
    review = _open(world)
    client.force_login(world.users["town_a"])
    url = reverse("incidents:review", args=[review.pk])
    assert client.post(url, {"findings": "f", "outcome": "o", "version": 1}).status_code == 403
    client.force_login(world.users["employee_a"])
    assert client.get(url).status_code == 403


def test_api_open_conclude_and_stale(world, api_client):
    incident, _ = incident_with_contacts(world, world.firm_a, names=())
    api_client.force_authenticate(world.users["task_force"])
    body = {
        "incident": incident.pk,
        "subjects": "防疫专员",
        "grounds": GROUNDS,
        "found_outside_isolation": True,
    }
    created = api_client.post("/api/v1/responsibility-reviews/", body, format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    stale = api_client.post(
        f"/api/v1/responsibility-reviews/{pk}/conclude/",
        {"findings": "a", "outcome": "b", "version": 5},
        format="json",
    )
    assert stale.status_code == 409
    ok = api_client.post(
        f"/api/v1/responsibility-reviews/{pk}/conclude/",
        {"findings": "a", "outcome": "b", "version": 1},
        format="json",
    )
    assert ok.status_code == 200 and ok.json()["status"] == "concluded"
    api_client.force_authenticate(world.users["town_a"])
    assert api_client.post("/api/v1/responsibility-reviews/", body, format="json").status_code == 403
    api_client.force_authenticate(world.users["task_force_outside"])
    assert api_client.get(f"/api/v1/responsibility-reviews/{pk}/").status_code == 404
    assert api_client.post("/api/v1/responsibility-reviews/", body, format="json").status_code == 404
    api_client.force_authenticate(world.users["outsider"])
    assert api_client.get(f"/api/v1/responsibility-reviews/{pk}/").status_code == 404
