"""Self-assessment and verification: who may do what, the history kept, the evidence served in scope;
the pages (query counts pinned) and the API."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from fugong.compliance import services
from fugong.compliance.models import ChecklistAnswer, ComplianceDay
from tests.compliance.conftest import PNG, checkin, item, person, photo, resume, today
from tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db


def test_a_new_answer_supersedes_and_the_latest_counts(world, policy, pinned_clock):
    resume(world.firm_a)
    first = services.self_assess(world.users["ent_a"], item("T-SELF"), True, "", photo())
    second = services.self_assess(world.users["ent_a"], item("T-SELF").pk, "0", "培训尚未开展")
    first.refresh_from_db()
    assert first.superseded_at is not None and second.superseded_at is None
    row = ComplianceDay.objects.get(enterprise=world.firm_a, day=today())
    self_item = next(i for i in row.items if i["code"] == "T-SELF")
    assert self_item["status"] == "not_met" and "培训尚未开展" in self_item["reason"]
    assert ChecklistAnswer.objects.filter(enterprise=world.firm_a).count() == 2


def test_bad_answers_are_refused_with_every_field_named(world, policy, pinned_clock):
    resume(world.firm_a)
    with pytest.raises(ValidationError) as exc:
        services.self_assess(world.users["ent_a"], item("T-ISO"), "maybe", "x" * 501)
    assert {"item", "met", "note"} <= set(exc.value.message_dict)
    with pytest.raises(ValidationError) as exc:
        services.self_assess(world.users["ent_a"], item("T-SELF"), True)
    assert "佐证材料" in exc.value.message_dict["evidence"][0]
    fake = photo("假照片.png", b"MZ\x90\x00not a png")
    with pytest.raises(ValidationError) as exc:
        services.self_assess(world.users["ent_a"], item("T-SELF"), True, "", fake)
    assert "内容与扩展名" in exc.value.message_dict["evidence"][0]
    with pytest.raises(ValidationError):
        services.self_assess(world.users["ent_a"], item("T-SELF"), True, "", photo("x.exe", PNG))
    assert not ChecklistAnswer.objects.exists()


def test_a_retry_with_the_same_key_is_one_answer(world, policy, pinned_clock):
    resume(world.firm_a)
    one = services.self_assess(world.users["ent_a"], item("T-SELF"), False, "缺", client_key="retry-12345")
    two = services.self_assess(world.users["ent_a"], item("T-SELF"), False, "缺", client_key="retry-12345")
    assert one.pk == two.pk and ChecklistAnswer.objects.count() == 1


def test_only_inspector_and_town_verify_in_scope(world, policy, pinned_clock):
    resume(world.firm_a)
    answer = services.self_assess(world.users["ent_a"], item("T-SELF"), True, "", photo())
    for who in ("ent_a", "task_force", "grid_a"):
        with pytest.raises(PermissionDenied):
            services.verify(world.users[who], answer, "confirmed")
    with pytest.raises(PermissionDenied):
        services.verify(world.users["outsider"], answer, "confirmed")
    with pytest.raises(ValidationError) as exc:
        services.verify(world.users["town_a"], answer, "overturned", "")
    assert "核查说明" in exc.value.message_dict["note"][0]
    services.verify(world.users["town_a"], answer, "confirmed")
    with pytest.raises(ValidationError):
        services.verify(world.users["inspector"], answer, "overturned", "再查")
    answer.refresh_from_db()
    assert answer.verdict == "confirmed" and answer.verified_by == world.users["town_a"]
    row = ComplianceDay.objects.get(enterprise=world.firm_a, day=today())
    assert "已核查属实" in next(i for i in row.items if i["code"] == "T-SELF")["reason"]
    # Inspection items are answered by officers only, and only inspection items.
    with pytest.raises(PermissionDenied):
        services.inspect(world.users["ent_a"], world.firm_a, item("T-INSP"), True)
    with pytest.raises(ValidationError):
        services.inspect(world.users["inspector"], world.firm_a, item("T-SELF"), True)
    with pytest.raises(PermissionDenied):
        services.inspect(world.users["outsider"], world.firm_a, item("T-INSP"), True)


def test_pages_verify_and_evidence_stay_in_scope(world, policy, pinned_clock, client):
    resume(world.firm_a)
    client.force_login(world.users["ent_a"])
    response = client.post(
        reverse("compliance:self_assess"),
        {"item": item("T-SELF").pk, "met": "1", "note": "", "evidence": photo()},
    )
    assert response.status_code == 302
    answer = ChecklistAnswer.objects.get()
    page = client.get(reverse("compliance:index")).content.decode()
    assert 'data-testid="status-T-SELF">达标<' in page and "现场照片.png" in page
    assert client.get(reverse("compliance:evidence", args=[answer.pk])).status_code == 200
    assert (
        client.post(reverse("compliance:verify", args=[answer.pk]), {"verdict": "confirmed"}).status_code
        == 403
    )

    client.force_login(world.users["outsider"])
    assert client.get(reverse("compliance:evidence", args=[answer.pk])).status_code == 404
    assert client.get(reverse("compliance:index"), {"enterprise": world.firm_a.pk}).status_code == 404
    assert (
        client.post(reverse("compliance:verify", args=[answer.pk]), {"verdict": "confirmed"}).status_code
        == 404
    )
    client.force_login(world.users["employee_a"])
    assert client.get(reverse("compliance:index")).status_code == 403

    client.force_login(world.users["inspector"])
    page = client.get(reverse("compliance:index"), {"enterprise": world.firm_a.pk}).content.decode()
    assert 'data-testid="verify-T-SELF"' in page and 'data-testid="inspect-T-INSP"' in page
    client.post(
        reverse("compliance:verify", args=[answer.pk]), {"verdict": "overturned", "note": "照片非本厂"}
    )
    answer.refresh_from_db()
    assert answer.verdict == "overturned"
    client.post(
        reverse("compliance:inspect", args=[world.firm_a.pk]),
        {"item": item("T-INSP").pk, "met": "0", "note": "未设专人"},
    )
    row = ComplianceDay.objects.get(enterprise=world.firm_a, day=today())
    by_code = {i["code"]: i for i in row.items}
    assert by_code["T-SELF"]["status"] == "not_met" and "照片非本厂" in by_code["T-SELF"]["reason"]
    assert by_code["T-INSP"]["status"] == "not_met" and "未设专人" in by_code["T-INSP"]["reason"]


def _firms(world, n):
    resume(world.firm_a, world.firm_b)
    for k in range(n):
        firm = EnterpriseFactory(town=world.town_a, status="resumed")
        checkin(person(firm, f"员工{k}"), today(), 1, "38.0", abnormal=True)
    services.build_compliance(today())


@pytest.mark.parametrize("name", ["compliance:index", "compliance:risk"])
def test_officer_pages_have_a_fixed_number_of_queries(
    world, policy, pinned_clock, client, django_assert_num_queries, name
):
    _firms(world, 3)
    client.force_login(world.users["task_force"])
    client.get(reverse(name))  # warm caches (session, translations)
    with django_assert_num_queries(9) as few:
        small = client.get(reverse(name), {"q": "", "sort": "-risk"})
    _firms(world, 12)
    with django_assert_num_queries(len(few.captured_queries)):
        big = client.get(reverse(name))
    assert small.status_code == big.status_code == 200
    assert world.firm_c.name not in big.content.decode()


def test_risk_page_filters_by_town_and_search(world, policy, pinned_clock, client):
    _firms(world, 1)
    client.force_login(world.users["task_force"])
    html = client.get(reverse("compliance:risk"), {"town": world.town_b.pk}).content.decode()
    assert world.firm_b.name in html and world.firm_a.name not in html
    html = client.get(reverse("compliance:risk"), {"q": "暨阳"}).content.decode()
    assert world.firm_a.name in html and world.firm_b.name not in html
    assert client.get(reverse("compliance:risk"), {"town": world.other_town.pk}).status_code == 404
    client.force_login(world.users["ent_a"])
    assert client.get(reverse("compliance:risk")).status_code == 403


def test_api(world, policy, pinned_clock, api_client):
    resume(world.firm_a, world.firm_b)
    api_client.force_authenticate(world.users["ent_a"])
    created = api_client.post(
        "/api/v1/checklist-answers/",
        {"item": item("T-SELF").pk, "met": "1", "evidence": photo()},
        format="multipart",
    )
    assert created.status_code == 201, created.content
    bad = api_client.post(
        "/api/v1/checklist-answers/", {"item": item("T-SELF").pk, "met": "1"}, format="multipart"
    )
    assert bad.status_code == 400 and "evidence" in bad.json()["error"]["fields"]
    pk = created.json()["id"]
    assert (
        api_client.post(f"/api/v1/checklist-answers/{pk}/verify/", {"verdict": "confirmed"}).status_code
        == 403
    )
    assert api_client.get(f"/api/v1/checklist-answers/{pk}/evidence/").status_code == 200
    api_client.force_authenticate(world.users["outsider"])
    assert (
        api_client.post(f"/api/v1/checklist-answers/{pk}/verify/", {"verdict": "confirmed"}).status_code
        == 404
    )
    api_client.force_authenticate(world.users["inspector"])
    done = api_client.post(
        f"/api/v1/checklist-answers/{pk}/verify/", {"verdict": "overturned", "note": "不符"}
    )
    assert done.status_code == 200 and done.json()["verdict"] == "overturned"
    inspected = api_client.post(
        "/api/v1/checklist-answers/inspection/",
        {"enterprise": world.firm_b.pk, "item": item("T-INSP").pk, "met": "0", "note": "未落实"},
    )
    assert inspected.status_code == 201, inspected.content
    services.build_compliance(today())
    api_client.force_authenticate(world.users["town_a"])
    rows = api_client.get(
        "/api/v1/compliance-days/", {"day": today().isoformat(), "ordering": "-risk_score"}
    ).json()
    assert [r["enterprise"] for r in rows["results"]] == [world.firm_a.pk]
    api_client.force_authenticate(world.users["task_force"])
    rows = api_client.get("/api/v1/compliance-days/", {"ordering": "-risk_score"}).json()["results"]
    assert {r["enterprise"] for r in rows} == {world.firm_a.pk, world.firm_b.pk}
    assert [r["risk_score"] for r in rows] == sorted((r["risk_score"] for r in rows), key=float, reverse=True)
