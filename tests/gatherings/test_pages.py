"""The gathering pages: the firm's list and form, the town's queue and decisions, read-only elsewhere."""

import pytest
from django.urls import reverse

from fugong.gatherings.models import Gathering, GatheringStatus
from tests.gatherings.conftest import pdf, record

pytestmark = pytest.mark.django_db
INDEX = reverse("gatherings:index")


def _post(client, **data):
    body = {
        "kind": "training",
        "title": "复工培训",
        "place": "二楼培训室",
        "starts_at": "2031-03-01T09:00",
        "ends_at": "2031-03-01T11:00",
        "headcount": "20",
        "organiser": "李科长",
        "client_key": "page-key-0001",
    } | data
    return client.post(INDEX, body)


def test_firm_sees_its_list_and_the_form_with_the_rule(client, world, n3):
    record(world, title="本厂例会")
    record(world, who="ent_c", firm="firm_c", title="外县例会")
    client.force_login(world.users["ent_a"])
    page = client.get(INDEX).content.decode()
    assert "本厂例会" in page and "外县例会" not in page
    assert 'data-testid="gathering-form"' in page
    assert 'data-threshold="50"' in page and 'data-meal-max="10"' in page
    assert "50人及以上须上传防控方案并经镇街审批" in page


def test_firm_records_a_gathering(client, world, n3):
    client.force_login(world.users["ent_a"])
    response = _post(client)
    g = Gathering.objects.get()
    assert response.status_code == 302 and response.url == reverse("gatherings:detail", args=[g.pk])
    assert g.status == GatheringStatus.RECORDED


def test_every_error_at_once(client, world, n3):
    client.force_login(world.users["ent_a"])
    response = _post(client, title="", place="", headcount="0", ends_at="2031-03-01T08:00")
    assert response.status_code == 400
    page = response.content.decode()
    assert "有4处需要修改" in page
    for text in ("名称：必须填写", "地点：必须填写", "人数：至少为1人", "结束时间：应晚于开始时间"):
        assert text in page
    assert not Gathering.objects.exists()


def test_a_big_one_without_plan_is_refused_on_the_page(client, world, n3):
    client.force_login(world.users["ent_a"])
    response = _post(client, headcount="50")
    assert response.status_code == 400
    assert "防控方案：" in response.content.decode()
    # With other mistakes, the missing plan is reported at the same time.
    page = _post(client, headcount="50", title="").content.decode()
    assert "有2处需要修改" in page and "名称：必须填写" in page and "应当制定疫情防控方案" in page
    response = _post(client, headcount="50", plan=pdf())
    g = Gathering.objects.get()
    assert g.status == GatheringStatus.PENDING and g.plan_name == "防控方案.pdf"


def test_town_queue_and_approval_on_the_page(client, world, n3):
    pending = record(world, headcount=60, plan=pdf(), title="全员大会")
    record(world, title="小会")
    client.force_login(world.users["town_a"])
    page = client.get(INDEX).content.decode()
    assert f'data-testid="queue-{pending.pk}"' in page
    assert 'data-testid="gathering-form"' not in page
    detail = client.get(reverse("gatherings:detail", args=[pending.pk])).content.decode()
    assert 'data-testid="approve"' in detail
    response = client.post(reverse("gatherings:approve", args=[pending.pk]), {"note": "同意", "version": 1})
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == GatheringStatus.APPROVED
    # A second, stale decision is refused with the conflict message; nothing changes.
    response = client.post(
        reverse("gatherings:reject", args=[pending.pk]), {"note": "不同意", "version": 1}, follow=True
    )
    assert "已被他人修改" in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == GatheringStatus.APPROVED


def test_reject_without_note_shows_the_error(client, world, n3):
    pending = record(world, headcount=60, plan=pdf())
    client.force_login(world.users["town_a"])
    response = client.post(reverse("gatherings:reject", args=[pending.pk]), {"note": "", "version": 1})
    assert response.status_code == 400
    assert "不批准时必须写明理由" in response.content.decode()


@pytest.mark.parametrize("who", ["ent_a", "task_force", "inspector"])
def test_others_cannot_decide(client, world, n3, who):
    pending = record(world, headcount=60, plan=pdf())
    client.force_login(world.users[who])
    response = client.post(reverse("gatherings:approve", args=[pending.pk]), {"version": 1})
    assert response.status_code == 403
    pending.refresh_from_db()
    assert pending.status == GatheringStatus.PENDING


@pytest.mark.parametrize("who", ["town_b", "outsider", "ent_c"])
def test_outside_scope_is_404(client, world, n3, who):
    pending = record(world, headcount=60, plan=pdf())
    client.force_login(world.users[who])
    for name in ("gatherings:detail", "gatherings:plan"):
        assert client.get(reverse(name, args=[pending.pk])).status_code == 404
    if who != "ent_c":
        response = client.post(reverse("gatherings:approve", args=[pending.pk]), {"version": 1})
        assert response.status_code == 404


@pytest.mark.parametrize(
    "who,status",
    [
        ("ent_a", 200),
        ("town_a", 200),
        ("inspector", 200),
        ("grid_a", 200),
        ("town_b", 404),
        ("outsider", 404),
        ("gate_a", 403),
    ],
)
def test_plan_download_is_scoped(client, world, n3, who, status):
    pending = record(world, headcount=60, plan=pdf())
    client.force_login(world.users[who])
    response = client.get(reverse("gatherings:plan", args=[pending.pk]))
    assert response.status_code == status
    if status == 200:
        assert b"".join(response.streaming_content).startswith(b"%PDF")
        assert "attachment" in response["Content-Disposition"]


def test_read_only_for_other_officers(client, world, n3):
    record(world, title="本厂例会")
    client.force_login(world.users["inspector"])
    page = client.get(INDEX).content.decode()
    assert "本厂例会" in page and 'data-testid="gathering-form"' not in page
    assert _post(client).status_code == 403


def test_firm_edits_and_cancels(client, world, n3):
    g = record(world, headcount=20)
    client.force_login(world.users["ent_a"])
    edit = reverse("gatherings:edit", args=[g.pk])
    assert client.get(edit).status_code == 200
    body = {
        "kind": "meeting",
        "title": g.title,
        "place": g.place,
        "starts_at": "2031-03-01T09:00",
        "ends_at": "2031-03-01T10:00",
        "headcount": "70",
        "organiser": g.organiser,
        "version": "1",
    }
    assert client.post(edit, body).status_code == 400  # a plan is now needed
    assert client.post(edit, body | {"plan": pdf()}).status_code == 302
    g.refresh_from_db()
    assert g.status == GatheringStatus.PENDING
    assert client.post(reverse("gatherings:cancel", args=[g.pk])).status_code == 302
    g.refresh_from_db()
    assert g.status == GatheringStatus.CANCELLED


def test_upcoming_first(client, world, n3):
    import datetime as dt

    from django.utils import timezone

    now = timezone.now()
    past = record(
        world,
        title="上月会议",
        starts_at=now - dt.timedelta(days=30),
        ends_at=now - dt.timedelta(days=30, hours=-1),
    )
    later = record(
        world,
        title="下周会议",
        starts_at=now + dt.timedelta(days=7),
        ends_at=now + dt.timedelta(days=7, hours=1),
    )
    soon = record(world, title="明天会议")
    client.force_login(world.users["ent_a"])
    rows = list(client.get(INDEX).context["table"].page)
    assert [r.pk for r in rows] == [soon.pk, later.pk, past.pk]


@pytest.mark.parametrize("who,queries", [("town_a", 7), ("ent_a", 9)])
def test_index_query_count_is_pinned(client, world, n3, django_assert_num_queries, who, queries):
    for i in range(12):
        record(world, title=f"例会{i}")
    record(world, headcount=60, plan=pdf())
    client.force_login(world.users[who])
    client.get(INDEX)
    with django_assert_num_queries(queries):
        client.get(INDEX)
