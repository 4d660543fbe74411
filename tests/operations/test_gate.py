"""The gate: entries, visitors and vehicles recorded, refusals kept with the reason (citing the policy
value applied) and the policy version, scoped."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from fugong.audit.models import AuditEntry
from fugong.audit.services import record
from fugong.operations import services
from fugong.operations.models import EmployeeEntry, VehicleEntry, Visitor
from fugong.policy.services import apply_preset
from tests.workforce.conftest import make_employee, valid_id

pytestmark = pytest.mark.django_db

FEVER_TEXT = "体温37.5℃，达到发热标准（≥37.3℃），不得进入"


def fever_reason(world) -> str:
    """The refusal as stored: the citation of the threshold in force, then the reading."""
    from fugong.policy.selectors import policy_for

    return f"{policy_for(world.town_a).cite('fever_threshold_c')}：{FEVER_TEXT}"


@pytest.fixture
def n0(world):
    apply_preset(world.county, "N0", effective_from=dt.date(2020, 1, 1))
    return world


def visitor_data(**extra):
    data = {
        "name": "王访客",
        "id_number": valid_id(),
        "phone": "13800001111",
        "company": "绍兴物流",
        "host": "李主任",
        "purpose": "送货洽谈",
        "temperature": "36.6",
        "health_code": "green",
    }
    return data | extra


def vehicle_data(**extra):
    data = {
        "plate": "浙D 12345",
        "driver_name": "赵师傅",
        "driver_phone": "13800002222",
        "origin": "杭州",
        "cargo": "纱线",
        "disinfected": True,
        "pass_number": "TX-001",
    }
    return data | extra


def test_gate_keeper_records_a_visitor_and_a_vehicle(n0):
    gate = n0.users["gate_a"]
    visitor = services.record_visitor(gate, n0.firm_a, **visitor_data())
    assert visitor.allowed and visitor.refusal_reason == ""
    assert visitor.id_number_masked.count("*") == 10
    vehicle = services.record_vehicle(gate, n0.firm_a, **vehicle_data())
    assert vehicle.allowed and vehicle.plate == "浙D12345"
    left = services.visitor_leaves(gate, visitor)
    assert left.time_out is not None


def test_feverish_visitor_is_refused_and_the_refusal_recorded(n0):
    visitor = services.record_visitor(n0.users["gate_a"], n0.firm_a, **visitor_data(temperature="37.5"))
    assert not visitor.allowed
    assert visitor.refusal_reason == fever_reason(n0)
    assert Visitor.objects.filter(allowed=False, refusal_reason=fever_reason(n0)).count() == 1


def test_threshold_is_inclusive_and_codes_count(n0):
    gate = n0.users["gate_a"]
    assert not services.record_visitor(gate, n0.firm_a, **visitor_data(temperature="37.3")).allowed
    assert services.record_visitor(gate, n0.firm_a, **visitor_data(temperature="37.2")).allowed
    red = services.record_visitor(gate, n0.firm_a, **visitor_data(health_code="red"))
    assert not red.allowed and "红码" in red.refusal_reason


def test_vehicle_not_disinfected_is_refused(n0):
    vehicle = services.record_vehicle(n0.users["gate_a"], n0.firm_a, **vehicle_data(disinfected=False))
    assert not vehicle.allowed
    assert "消毒" in vehicle.refusal_reason


def test_bad_input_names_field_and_nothing_is_saved(n0):
    with pytest.raises(ValidationError) as exc:
        services.record_visitor(
            n0.users["gate_a"], n0.firm_a, **visitor_data(id_number="123", temperature="abc", host="")
        )
    errors = exc.value.message_dict
    assert errors["id_number"][0].startswith("身份证号")
    assert errors["temperature"][0].startswith("体温")
    assert errors["host"][0].startswith("被访人")
    with pytest.raises(ValidationError) as exc:
        services.record_vehicle(n0.users["gate_a"], n0.firm_a, **vehicle_data(plate="ABC"))
    assert exc.value.message_dict["plate"][0].startswith("车牌号")
    assert not Visitor.objects.exists() and not VehicleEntry.objects.exists()


def test_employee_with_fever_refused_and_alert_raised(n0):
    from fugong.monitoring.models import Alert

    person = make_employee(n0.firm_a, name="发热员工")
    entry = services.record_employee_entry(
        n0.users["gate_a"], person, temperature="37.5", health_code="green"
    )
    assert not entry.allowed
    assert entry.refusal_reason == fever_reason(n0)
    alert = Alert.objects.get(employee=person)
    assert alert.kind == "gate_fever"


def test_employee_normal_allowed_and_isolating_refused(n0):
    from fugong.workforce import episodes

    gate = n0.users["gate_a"]
    person = make_employee(n0.firm_a, name="正常员工")
    assert services.record_employee_entry(gate, person, temperature="36.5", health_code="green").allowed
    isolating = make_employee(n0.firm_a, name="隔离员工")
    episodes.start_episode(None, isolating, "isolation", None, None, "体温异常，隔离观察")
    isolating.refresh_from_db()
    refused = services.record_employee_entry(gate, isolating, temperature="36.5", health_code="green")
    assert not refused.allowed and "隔离观察中" in refused.refusal_reason


def test_retry_with_same_client_key_is_one_row(n0):
    gate = n0.users["gate_a"]
    data = visitor_data(client_key="abcdef123456")
    first = services.record_visitor(gate, n0.firm_a, **data)
    second = services.record_visitor(gate, n0.firm_a, **data)
    assert first.pk == second.pk and getattr(second, "replayed", False)
    assert Visitor.objects.count() == 1
    person = make_employee(n0.firm_a)
    for _ in range(2):
        services.record_employee_entry(
            gate, person, temperature="36.4", health_code="green", client_key="entry-key-1"
        )
    assert EmployeeEntry.objects.count() == 1


def test_gate_keeper_only_records_for_their_firm(n0):
    with pytest.raises(PermissionDenied):
        services.record_visitor(n0.users["gate_a"], n0.firm_b, **visitor_data())
    with pytest.raises(PermissionDenied):
        services.record_vehicle(n0.users["town_a"], n0.firm_a, **vehicle_data())


# -- pages ---------------------------------------------------------------------------------------------


def test_gate_page_records_and_shows_masked_id(n0, client):
    client.force_login(n0.users["gate_a"])
    number = valid_id()
    response = client.post(
        "/gate/",
        {
            "kind": "visitor",
            "client_key": "page-key-0001",
            **visitor_data(id_number=number, temperature="37.6"),
        },
    )
    assert response.status_code == 302
    page = client.get(response["Location"])
    body = page.content.decode()
    assert "已拒绝" in body and "体温37.6℃" in body
    assert number not in body and number[-4:] in body
    # A resend of the same page is the same record.
    client.post(
        "/gate/", {"kind": "visitor", "client_key": "page-key-0001", **visitor_data(id_number=number)}
    )
    assert Visitor.objects.count() == 1


def test_gate_page_errors_are_chinese(n0, client):
    client.force_login(n0.users["gate_a"])
    response = client.post("/gate/", {"kind": "vehicle", "plate": "", "driver_phone": "1"})
    assert response.status_code == 400
    assert "车牌号：必须填写" in response.content.decode()


def test_employee_search_by_last_four(n0, client):
    number = valid_id()
    make_employee(n0.firm_a, name="查找员工", id_number=number)
    client.force_login(n0.users["gate_a"])
    body = client.get("/gate/", {"tab": "employee", "q": number[-4:]}).content.decode()
    assert "查找员工" in body and number not in body


def test_visitor_leave_button(n0, client):
    visitor = services.record_visitor(n0.users["gate_a"], n0.firm_a, **visitor_data())
    client.force_login(n0.users["gate_a"])
    assert client.post(f"/gate/visitors/{visitor.pk}/leave/").status_code == 302
    visitor.refresh_from_db()
    assert visitor.time_out is not None
    client.force_login(n0.users["outsider"])
    assert client.post(f"/gate/visitors/{visitor.pk}/leave/").status_code == 403


def test_records_page_scoped(n0, client):
    services.record_visitor(n0.users["gate_a"], n0.firm_a, **visitor_data(name="记录访客"))
    client.force_login(n0.users["town_a"])
    assert "记录访客" in client.get("/gate/records/", {"enterprise": n0.firm_a.pk}).content.decode()
    client.force_login(n0.users["outsider"])
    assert client.get("/gate/records/", {"enterprise": n0.firm_a.pk}).status_code == 404
    client.force_login(n0.users["employee_a"])
    assert client.get("/gate/records/").status_code == 403


# -- API -----------------------------------------------------------------------------------------------


def test_api_create_idempotent_and_masked(n0, api_client):
    api_client.force_authenticate(n0.users["gate_a"])
    number = valid_id()
    data = visitor_data(id_number=number)
    first = api_client.post(
        "/api/v1/gate-visitors/", data, format="json", HTTP_IDEMPOTENCY_KEY="api-key-0001"
    )
    assert first.status_code == 201, first.content
    again = api_client.post(
        "/api/v1/gate-visitors/", data, format="json", HTTP_IDEMPOTENCY_KEY="api-key-0001"
    )
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert number not in first.content.decode()
    leave = api_client.post(f"/api/v1/gate-visitors/{first.json()['id']}/leave/")
    assert leave.status_code == 200 and leave.json()["time_out"]

    vehicle = api_client.post("/api/v1/gate-vehicles/", vehicle_data(disinfected=False), format="json")
    assert vehicle.status_code == 201 and vehicle.json()["allowed"] is False

    person = make_employee(n0.firm_a)
    entry = api_client.post(
        "/api/v1/gate-entries/",
        {"employee": person.pk, "temperature": "36.5", "health_code": "green"},
        format="json",
    )
    assert entry.status_code == 201 and entry.json()["allowed"] is True


def test_api_scope(n0, api_client):
    visitor = services.record_visitor(n0.users["gate_a"], n0.firm_a, **visitor_data())
    api_client.force_authenticate(n0.users["outsider"])
    assert api_client.get(f"/api/v1/gate-visitors/{visitor.pk}/").status_code == 404
    assert api_client.get("/api/v1/gate-visitors/").json()["results"] == []
    assert api_client.post("/api/v1/gate-visitors/", visitor_data(), format="json").status_code == 403
    api_client.force_authenticate(n0.users["town_a"])
    assert api_client.get(f"/api/v1/gate-visitors/{visitor.pk}/").status_code == 200
    api_client.force_authenticate(n0.users["gate_a"])
    bad = api_client.post("/api/v1/gate-visitors/", visitor_data(enterprise=n0.firm_b.pk), format="json")
    assert bad.status_code == 400


# -- the policy decides, and every decision records its version ---------------------------------------------


def _policy(world):
    from fugong.policy.models import Policy

    return Policy.objects.get(region=world.county)


def test_codes_follow_the_policy_outcomes_and_cite_them(n0):
    from fugong.policy.selectors import policy_for
    from tests.monitoring.conftest import new_version

    gate = n0.users["gate_a"]
    cite = policy_for(n0.town_a).cite("health_code_outcomes")
    red = services.record_visitor(gate, n0.firm_a, **visitor_data(health_code="red"))
    assert red.refusal_reason == f"{cite}：健康码为红码（暂不得返岗），不得进入"
    yellow = services.record_visitor(gate, n0.firm_a, **visitor_data(health_code="yellow"))
    assert not yellow.allowed and "黄码（隔离观察）" in yellow.refusal_reason
    # A city whose policy lets yellow in and sends red to the buffer zone.
    new_version(_policy(n0), health_code_outcomes={"red": "buffer", "yellow": "none"})
    assert services.record_visitor(gate, n0.firm_a, **visitor_data(health_code="yellow")).allowed
    red = services.record_visitor(gate, n0.firm_a, **visitor_data(health_code="red"))
    assert not red.allowed and "红码（入缓冲区，核酸阴性后返岗）" in red.refusal_reason
    assert red.refusal_reason.startswith(policy_for(n0.town_a).cite("health_code_outcomes"))
    # No outcomes at all: the colour refuses nobody.
    new_version(_policy(n0), drop=("health_code_outcomes",))
    person = make_employee(n0.firm_a, name="红码员工")
    assert services.record_employee_entry(gate, person, temperature="36.5", health_code="red").allowed


def test_no_threshold_means_no_fever_refusal(n0):
    from fugong.monitoring.models import Alert
    from tests.monitoring.conftest import new_version

    version = new_version(_policy(n0), drop=("fever_threshold_c",))
    gate = n0.users["gate_a"]
    visitor = services.record_visitor(gate, n0.firm_a, **visitor_data(temperature="38.5"))
    assert visitor.allowed and visitor.refusal_reason == ""
    person = make_employee(n0.firm_a, name="高温员工")
    entry = services.record_employee_entry(gate, person, temperature="38.5", health_code="green")
    assert entry.allowed and not Alert.objects.filter(employee=person).exists()
    assert entry.policy_version_id == visitor.policy_version_id == version.pk


def test_gate_decisions_and_their_alert_record_the_policy_version(n0):
    from fugong.monitoring.models import Alert
    from fugong.policy.selectors import policy_for
    from tests.monitoring.conftest import new_version

    gate = n0.users["gate_a"]
    first = policy_for(n0.town_a).version_id
    person = make_employee(n0.firm_a, name="发热员工")
    entry = services.record_employee_entry(gate, person, temperature="37.5", health_code="green")
    visitor = services.record_visitor(gate, n0.firm_a, **visitor_data())
    vehicle = services.record_vehicle(gate, n0.firm_a, **vehicle_data(disinfected=False))
    assert entry.policy_version_id == visitor.policy_version_id == vehicle.policy_version_id == first
    assert Alert.objects.get(employee=person).policy_version_id == first
    # The threshold raised by a later version: the same reading now passes, under that version.
    version = new_version(_policy(n0), fever_threshold_c="37.6")
    again = services.record_employee_entry(
        gate, make_employee(n0.firm_a, name="复测员工"), temperature="37.5", health_code="green"
    )
    assert again.allowed and again.policy_version_id == version.pk != first


def test_without_a_policy_no_health_rule_refuses(world):
    gate = world.users["gate_a"]
    visitor = services.record_visitor(
        gate, world.firm_a, **visitor_data(temperature="38.0", health_code="red")
    )
    assert visitor.allowed and visitor.policy_version_id is None


def test_a_refusal_at_2204_utc_reads_0604_on_the_page_and_in_the_audit_label(n0, client):
    """Times are Asia/Shanghai everywhere: a refusal at 22:04 UTC on 4 December happened at 06:04 on
    5 December — on the gate records page, in the record's own label and in the audit log's."""
    person = make_employee(n0.firm_a, name="段霞艳")
    entry = services.record_employee_entry(
        n0.users["gate_a"], person, temperature="37.5", health_code="green"
    )
    assert not entry.allowed
    at = dt.datetime(2026, 12, 4, 22, 4, tzinfo=dt.UTC)
    EmployeeEntry.objects.filter(pk=entry.pk).update(at=at)
    entry.refresh_from_db()
    assert str(entry) == "段霞艳 2026年12月5日 06:04"
    client.force_login(n0.users["task_force"])
    page = client.get(reverse("operations:records"), {"enterprise": n0.firm_a.pk, "date": "2026-12-05"})
    html = page.content.decode()
    assert page.status_code == 200
    refusals = html[html.index('data-testid="refusals"') :]
    refusals = refusals[: refusals.index("</ul>")]
    assert "06:04" in refusals and "段霞艳" in refusals and "22:04" not in html
    # the day before (UTC's date) lists nothing of it
    before = client.get(reverse("operations:records"), {"enterprise": n0.firm_a.pk, "date": "2026-12-04"})
    assert "段霞艳" not in before.content.decode()
    logged = record(n0.users["task_force"], "operations.entry.refuse", entry)
    assert logged.object_repr == "段霞艳 2026年12月5日 06:04"
    assert AuditEntry.objects.filter(object_repr="段霞艳 2026年12月5日 06:04").exists()
