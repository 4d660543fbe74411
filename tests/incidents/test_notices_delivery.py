"""Delivery of the notices (printed / sent by link): audited, the first delivery counts, and the
NOTIFY_CONTACTS step is done once every confirmed contact is notified. The public verify page."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from fugong.audit.models import AuditEntry
from fugong.incidents.models import Contact, ContactStatus, IncidentStep, StepKind
from fugong.incidents.notices import services as notices
from tests.incidents.furnish_notices import incident_with_contacts

pytestmark = pytest.mark.django_db


def _step(incident):
    return IncidentStep.objects.get(incident=incident, kind=StepKind.NOTIFY_CONTACTS)


def test_the_step_is_done_only_when_every_confirmed_contact_is_notified(world):
    incident, (first, second) = incident_with_contacts(world, world.firm_a)
    town = world.users["town_a"]
    notices.record_delivery(town, [first], notices.DeliveryMethod.PRINTED)
    first.refresh_from_db()
    assert first.notified_at is not None and first.notice_delivery == "printed" and first.notice_token
    assert _step(incident).done_at is None
    notices.record_delivery(town, [second], notices.DeliveryMethod.LINK)
    step = _step(incident)
    assert step.done_at is not None and step.done_by == town
    assert AuditEntry.objects.filter(action="incidents.notice.deliver").count() == 2


def test_a_resend_keeps_the_first_delivery(world):
    _incident, (first, _second) = incident_with_contacts(world, world.firm_a)
    notices.record_delivery(world.users["ent_a"], [first], "printed")
    first.refresh_from_db()
    at = first.notified_at
    notices.record_delivery(world.users["ent_a"], [first], "link")
    first.refresh_from_db()
    assert (first.notified_at, first.notice_delivery) == (at, "printed")
    assert AuditEntry.objects.filter(action="incidents.notice.deliver").count() == 1


def test_delivery_is_refused_outside_scope_for_unconfirmed_and_bad_method(world):
    incident, (first, _second) = incident_with_contacts(world, world.firm_a)
    with pytest.raises(ValidationError) as bad:
        notices.record_delivery(world.users["town_a"], [first], "fax")
    assert "送达方式" in str(bad.value)
    with pytest.raises(ValidationError):
        notices.record_delivery(world.users["outsider"], [first], "printed")
    with pytest.raises(PermissionDenied):
        notices.record_delivery(world.users["inspector"], [first], "printed")
    with pytest.raises(PermissionDenied):  # a department other than health does not handle incidents
        notices.record_delivery(world.users["dept_industry"], [first], "printed")
    Contact.objects.filter(pk=first.pk).update(status=ContactStatus.DISMISSED)
    with pytest.raises(ValidationError) as unconfirmed:
        notices.record_delivery(world.users["town_a"], [first], "printed")
    assert "已确认" in str(unconfirmed.value)
    assert not Contact.objects.filter(notified_at__isnull=False).exists()
    assert _step(incident).done_at is None


def test_notices_page_lists_and_records_delivery(world, client):
    incident, contacts = incident_with_contacts(world, world.firm_a)
    client.force_login(world.users["town_a"])
    url = reverse("incidents:notices", args=[incident.pk])
    page = client.get(url).content.decode()
    assert page.count('data-testid="notice-row"') == 2 and "赵一" in page
    response = client.post(
        reverse("incidents:notices_deliver", args=[incident.pk]),
        {"contact": [c.pk for c in contacts], "method": "printed"},
    )
    assert response.status_code == 302
    assert _step(incident).done_at is not None
    assert "打印送达" in client.get(url).content.decode()


@pytest.mark.parametrize("who", ["outsider", "town_b", "ent_c"])
def test_notices_page_is_404_outside_scope(world, client, who):
    incident, _ = incident_with_contacts(world, world.firm_a)
    client.force_login(world.users[who])
    assert client.get(reverse("incidents:notices", args=[incident.pk])).status_code == 404
    assert client.get(reverse("incidents:notices_pdf", args=[incident.pk])).status_code == 404


def test_api_lists_and_delivers(world, api_client):
    incident, contacts = incident_with_contacts(world, world.firm_a)
    api_client.force_authenticate(world.users["town_a"])
    rows = api_client.get("/api/v1/contact-notices/", {"incident": incident.pk}).json()
    rows = rows.get("results", rows)
    assert {r["id"] for r in rows} == {c.pk for c in contacts}
    answer = api_client.post(
        "/api/v1/contact-notices/deliver/",
        {"contacts": [c.pk for c in contacts], "method": "link"},
        format="json",
    )
    assert answer.status_code == 200, answer.content
    assert _step(incident).done_at is not None
    api_client.force_authenticate(world.users["outsider"])
    answer = api_client.post(
        "/api/v1/contact-notices/deliver/", {"contacts": [contacts[0].pk], "method": "link"}, format="json"
    )
    assert answer.status_code == 404


# -- the public verify page ------------------------------------------------------------------------------


def _issued(contact):
    notices.issue_tokens([contact])
    return reverse("incidents:notice_verify", args=[contact.notice_token])


def test_verify_is_public_and_shows_only_masked_name_status_and_period(world, client):
    _incident, (first, _second) = incident_with_contacts(world, world.firm_a)
    response = client.get(_issued(first))  # not logged in
    assert response.status_code == 200
    page = response.content.decode()
    assert "赵*" in page and "赵一" not in page
    assert "观察中" in page
    start = first.episode.started_on
    assert f"{start.year}年{start.month}月{start.day}日" in page
    for secret in (world.firm_a.name, first.employee.id_number_masked, "同宿舍", first.employee.phone):
        assert secret not in page
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_verify_follows_release_withdrawal_and_end(world, client):
    _incident, (first, _second) = incident_with_contacts(world, world.firm_a)
    url = _issued(first)
    episode = first.episode
    episode.planned_end = timezone.localdate() - dt.timedelta(days=1)
    episode.save(update_fields=["planned_end"])
    assert "观察期满" in client.get(url).content.decode()
    episode.released_at = timezone.now()
    episode.save(update_fields=["released_at"])
    assert "已解除" in client.get(url).content.decode()
    Contact.objects.filter(pk=first.pk).update(status=ContactStatus.DISMISSED)
    assert "已撤销" in client.get(url).content.decode()


def test_verify_unknown_token_is_404(world, client):
    assert client.get(reverse("incidents:notice_verify", args=["x" * 32])).status_code == 404
    assert client.get(reverse("incidents:notice_verify", args=["bad"])).status_code == 404


NOTICES_QUERIES = 7


def test_the_notices_page_reads_in_a_fixed_number_of_statements(world, client, django_assert_num_queries):
    incident, _contacts = incident_with_contacts(world, world.firm_a)
    client.force_login(world.users["town_a"])
    url = reverse("incidents:notices", args=[incident.pk])
    client.get(url)
    with django_assert_num_queries(NOTICES_QUERIES):
        client.get(url)
    # Three times the contacts: the same statements.
    _other, more = incident_with_contacts(world, world.firm_a, names=("吴五", "郑六", "王七", "冯八"))
    Contact.objects.filter(pk__in=[c.pk for c in more]).update(incident=incident)
    with django_assert_num_queries(NOTICES_QUERIES):
        page = client.get(url).content.decode()
    assert page.count('data-testid="notice-row"') == 6
