"""The seal pages and the API: the town and the task force seal and lift, the firm and other officers read,
the outsider finds nothing."""

import pytest
from django.urls import reverse
from django.utils import timezone

from fugong.enterprises.models import EnterpriseStatus
from fugong.incidents.models import Seal
from fugong.incidents.seals import services as seals
from fugong.resumption.models import ApplicationKind, ApplicationStatus, ResumptionApplication
from tests.enterprises_parts.factories import GridUnitFactory
from tests.incidents.test_seals_flow import plant  # noqa: F401  (fixture)


def _application(firm, user, status):
    return ResumptionApplication.objects.create(
        enterprise=firm,
        kind=ApplicationKind.REOPENING_AFTER_INCIDENT,
        status=status,
        created_by=user,
        decided_at=timezone.now() if status == ApplicationStatus.APPROVED else None,
    )


@pytest.fixture
def sealed(world, plant):  # noqa: F811
    return seals.seal(
        world.users["town_a"],
        plant["firm"],
        kind="seal",
        scope_kind="grid_unit",
        grid_unit=plant["w1"],
        reason="疑似病例",
    )


def test_list_for_town_firm_and_outsider(client, world, sealed, django_assert_num_queries):
    url = reverse("incidents:seals")
    client.force_login(world.users["town_a"])
    body = client.get(url).content.decode()
    assert "车间/班组「一车间」" in body and "疑似病例" in body and reverse("incidents:seal_new") in body
    assert "疑似病例" not in client.get(url + "?state=lifted").content.decode()
    assert "疑似病例" in client.get(url + "?q=暨阳&sort=-scope").content.decode()
    # One query for the rows whatever their number (the page shell's own queries are fixed).
    for i in range(3):
        Seal.objects.create(enterprise=world.firm_a, kind="suspend", scope_kind="firm", reason=f"r{i}")
    expected = _count(client, url)
    Seal.objects.create(enterprise=world.firm_a, kind="suspend", scope_kind="firm", reason="more")
    with django_assert_num_queries(expected):
        client.get(url)

    client.force_login(world.users["ent_a"])
    body = client.get(url).content.decode()
    assert "疑似病例" in body and reverse("incidents:seal_new") not in body
    client.force_login(world.users["outsider"])
    assert "疑似病例" not in client.get(url).content.decode()
    client.force_login(world.users["gate_a"])
    assert client.get(url).status_code == 403


def _count(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    return len(ctx.captured_queries)


def test_new_seal_picks_the_firm_then_its_parts(client, world, plant):  # noqa: F811
    foreign = GridUnitFactory(enterprise=world.firm_b, level="workshop", name="外厂车间")
    url = reverse("incidents:seal_new")
    client.force_login(world.users["ent_a"])
    assert client.get(url).status_code == 403
    client.force_login(world.users["outsider"])
    assert client.get(url + f"?enterprise={world.firm_a.pk}").status_code == 404
    client.force_login(world.users["town_a"])
    assert 'data-testid="seal-pick-firm"' in client.get(url).content.decode()
    body = client.get(url + f"?enterprise={world.firm_a.pk}").content.decode()
    assert "一车间" in body and "外厂车间" not in body and "1号楼" in body
    bad = client.post(
        url, {"enterprise": world.firm_a.pk, "kind": "seal", "scope_kind": "grid_unit", "reason": ""}
    )
    assert bad.status_code == 400
    text = bad.content.decode()
    assert "请选择要停工或封闭的车间/班组" in text and 'data-testid="form-errors"' in text
    assert (
        client.post(
            url,
            {
                "enterprise": world.firm_a.pk,
                "kind": "seal",
                "scope_kind": "grid_unit",
                "grid_unit": foreign.pk,
                "reason": "r",
            },
        ).status_code
        == 400
    )
    done = client.post(
        url,
        {
            "enterprise": world.firm_a.pk,
            "kind": "seal",
            "scope_kind": "grid_unit",
            "grid_unit": plant["w1"].pk,
            "reason": "r",
        },
    )
    row = Seal.objects.get()
    assert done.status_code == 302 and done["Location"] == reverse("incidents:seal_lift", args=[row.pk])
    assert row.grid_unit == plant["w1"] and row.started_by == world.users["town_a"]


def test_lift_page_explains_and_lifts_only_with_the_approved_permit(client, world, sealed):
    url = reverse("incidents:seal_lift", args=[sealed.pk])
    client.force_login(world.users["outsider"])
    assert client.get(url).status_code == 404
    client.force_login(world.users["ent_a"])
    body = client.get(url).content.decode()
    assert (
        "涉疫停工后启封复工" in body
        and reverse("resumption:create") in body
        and 'data-testid="lift-form"' not in body
    )
    assert client.post(url, {"application": "1"}).status_code == 403

    client.force_login(world.users["town_a"])
    draft = _application(world.firm_a, world.users["ent_a"], ApplicationStatus.IN_REVIEW)
    body = client.get(url).content.decode()
    assert 'data-testid="lift-none"' in body and reverse("resumption:detail", args=[draft.pk]) in body
    refused = client.post(url, {"application": draft.pk})
    assert refused.status_code == 400 and "须经审核批准后方可启封" in refused.content.decode()
    draft.status = ApplicationStatus.REJECTED
    draft.save()
    permit = _application(world.firm_a, world.users["ent_a"], ApplicationStatus.APPROVED)
    assert 'data-testid="lift-form"' in client.get(url).content.decode()
    assert client.post(url, {"application": permit.pk}).status_code == 302
    sealed.refresh_from_db()
    assert sealed.lifted_at is not None and sealed.reopening == permit
    assert "已于" in client.get(url).content.decode()


API = "/api/v1/incident-seals/"


def test_api_create_list_and_lift(api_client, world, plant):  # noqa: F811
    body = {
        "enterprise": world.firm_a.pk,
        "kind": "seal",
        "scope_kind": "grid_unit",
        "grid_unit": plant["w1"].pk,
        "reason": "r",
    }
    api_client.force_authenticate(world.users["ent_a"])
    assert api_client.post(API, body, format="json").status_code == 403
    api_client.force_authenticate(world.users["outsider"])
    assert api_client.post(API, body, format="json").status_code == 400  # the firm is not found for them
    api_client.force_authenticate(world.users["town_a"])
    bad = api_client.post(API, {**body, "grid_unit": None}, format="json")
    assert bad.status_code == 400 and "车间/班组" in str(bad.json())
    created = api_client.post(API, body, format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["part"] == "车间/班组「一车间」" and created.json()["active"] is True
    listed = api_client.get(API + "?active=true").json()
    assert [r["id"] for r in listed.get("results", listed)] == [pk]

    draft = _application(world.firm_a, world.users["ent_a"], ApplicationStatus.DRAFT)
    refused = api_client.post(f"{API}{pk}/lift/", {"application": draft.pk}, format="json")
    assert refused.status_code == 400 and "须经审核批准后方可启封" in str(refused.json())
    api_client.force_authenticate(world.users["outsider"])
    assert api_client.get(f"{API}{pk}/").status_code == 404
    assert api_client.post(f"{API}{pk}/lift/", {"application": draft.pk}, format="json").status_code == 404
    api_client.force_authenticate(world.users["ent_a"])
    assert api_client.get(f"{API}{pk}/").status_code == 200
    assert api_client.post(f"{API}{pk}/lift/", {"application": draft.pk}, format="json").status_code == 403

    api_client.force_authenticate(world.users["task_force"])
    draft.status, draft.decided_at = ApplicationStatus.APPROVED, timezone.now()
    draft.save()
    lifted = api_client.post(f"{API}{pk}/lift/", {"application": draft.pk}, format="json")
    assert lifted.status_code == 200 and lifted.json()["active"] is False


def test_api_firm_wide_seal_moves_the_status(api_client, world, plant):  # noqa: F811
    api_client.force_authenticate(world.users["task_force"])
    created = api_client.post(
        API,
        {"enterprise": world.firm_a.pk, "kind": "suspend", "scope_kind": "firm", "reason": "停工整改"},
        format="json",
    )
    assert created.status_code == 201
    world.firm_a.refresh_from_db()
    assert world.firm_a.status == EnterpriseStatus.SUSPENDED


def test_the_firm_is_notified_when_sealed(world, plant, django_capture_on_commit_callbacks):  # noqa: F811
    from fugong.resumption.models import Notification

    with django_capture_on_commit_callbacks(execute=True):
        seals.seal(
            world.users["town_a"],
            plant["firm"],
            kind="seal",
            scope_kind="grid_unit",
            grid_unit=plant["w1"],
            reason="r",
        )
    messages = list(
        Notification.objects.filter(recipient=world.users["ent_a"]).values_list("message", flat=True)
    )
    assert any("一车间" in m for m in messages)
