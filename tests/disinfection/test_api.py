"""The API: records listed within scope and created by the firm's officer (idempotent), the gaps of the
visible firms by day."""

import datetime as dt

import pytest
from django.utils import timezone

from fugong.disinfection.models import DisinfectionRecord
from tests.disinfection.conftest import at, do_round

pytestmark = pytest.mark.django_db
RECORDS = "/api/v1/disinfection-records/"
GAPS = "/api/v1/disinfection-gaps/"


def yesterday():
    return timezone.localdate() - dt.timedelta(days=1)


def payload(**extra):
    data = {
        "day": yesterday().isoformat(),
        "area": "workshop",
        "round": "after_work",
        "agent": "84消毒液",
        "concentration": "500mg/L",
        "operator": "王师傅",
        "done_at": at(yesterday(), 18).isoformat(),
    }
    return data | extra


def results(response):
    data = response.json()
    return data["results"] if isinstance(data, dict) and "results" in data else data


def test_create_is_idempotent_on_the_header(api_client, n2, pinned_clock):
    api_client.force_authenticate(n2.users["ent_a"])
    first = api_client.post(RECORDS, payload(), format="json", HTTP_IDEMPOTENCY_KEY="key-00000001")
    assert first.status_code == 201, first.content
    assert first.json()["area_name"] == "车间工作区"
    again = api_client.post(RECORDS, payload(), format="json", HTTP_IDEMPOTENCY_KEY="key-00000001")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert DisinfectionRecord.objects.count() == 1


def test_create_names_bad_fields_in_chinese(api_client, n2, pinned_clock):
    api_client.force_authenticate(n2.users["ent_a"])
    response = api_client.post(RECORDS, payload(area="roof", operator=""), format="json")
    assert response.status_code == 400
    text = response.content.decode()
    assert "区域：不是《" in text and "消杀人员：必须填写" in text


def test_create_for_a_firm_outside_scope_is_refused(api_client, n2, pinned_clock):
    api_client.force_authenticate(n2.users["ent_c"])
    response = api_client.post(RECORDS, payload(enterprise=n2.firm_a.pk), format="json")
    assert response.status_code == 400 and "企业：未找到该企业" in response.content.decode()
    api_client.force_authenticate(n2.users["town_a"])
    assert api_client.post(RECORDS, payload(enterprise=n2.firm_a.pk), format="json").status_code == 403
    assert not DisinfectionRecord.objects.exists()


def test_list_is_scoped_and_filtered(api_client, n2, pinned_clock):
    do_round(n2.users["ent_a"], n2.firm_a, yesterday(), "office", "before_work")
    do_round(n2.users["ent_c"], n2.firm_c, yesterday(), "office", "before_work")
    api_client.force_authenticate(n2.users["town_a"])
    rows = results(api_client.get(RECORDS, {"day": yesterday().isoformat()}))
    assert [r["enterprise"] for r in rows] == [n2.firm_a.pk]
    assert results(api_client.get(RECORDS, {"day": timezone.localdate().isoformat()})) == []
    api_client.force_authenticate(n2.users["outsider"])
    assert [r["enterprise"] for r in results(api_client.get(RECORDS))] == [n2.firm_c.pk]
    rid = DisinfectionRecord.objects.get(enterprise=n2.firm_a).pk
    assert api_client.get(f"{RECORDS}{rid}/").status_code == 404
    api_client.force_authenticate(n2.users["gate_a"])
    assert api_client.get(RECORDS).status_code == 403


def test_gaps_of_the_visible_firms(api_client, n2, pinned_clock):
    do_round(n2.users["ent_a"], n2.firm_a, yesterday(), "office", "before_work")
    api_client.force_authenticate(n2.users["task_force"])
    data = api_client.get(GAPS, {"day": yesterday().isoformat()}).json()
    by_firm = {row["enterprise"]: row for row in data}
    assert set(by_firm) == {n2.firm_a.pk, n2.firm_b.pk}
    assert len(by_firm[n2.firm_a.pk]["gaps"]) == 11
    gap = by_firm[n2.firm_a.pk]["gaps"][0]
    assert gap["overdue"] is True and gap["area_name"] == "车间工作区" and "六个必消" in gap["cite"]

    api_client.force_authenticate(n2.users["outsider"])
    assert [row["enterprise"] for row in api_client.get(GAPS, {"day": yesterday().isoformat()}).json()] == [
        n2.firm_c.pk
    ]
    assert api_client.get(GAPS, {"enterprise": n2.firm_a.pk}).json() == []
    assert api_client.get(GAPS, {"day": "not-a-day"}).status_code == 400
    api_client.force_authenticate(n2.users["employee_a"])
    assert api_client.get(GAPS).status_code == 403


@pytest.mark.parametrize(
    "body",
    [
        [None],
        "x",
        {"enterprise": 10**20, "area": "", "round": "", "agent": "", "concentration": "", "operator": ""},
        payload(day="0001-01-01", done_at=None),
        payload(day="9999-12-31"),
        payload(done_at="0001-01-01T00:00:00+14:00"),
        payload(client_key="x" * 65),
    ],
)
def test_odd_input_is_a_4xx(api_client, n2, pinned_clock, body):
    api_client.force_authenticate(n2.users["ent_a"])
    response = api_client.post(RECORDS, body, format="json")
    assert 400 <= response.status_code < 500
    for query in ({"day": "0001-01-01"}, {"day": "9999-12-31"}, {"enterprise": "9" * 30}):
        assert api_client.get(GAPS, query).status_code in (200, 400)
    assert api_client.get(RECORDS, {"enterprise": "9" * 30}).status_code in (200, 400)
