import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from fugong.audit.models import AuditEntry
from fugong.supplies import demands, services
from fugong.supplies.models import DemandStatus, Stock, StockMovement

pytestmark = pytest.mark.django_db


def _login(client, world, who):
    client.force_login(world.users[who])
    return client


def test_firm_page_shows_stock_cover_and_shortage(client, world, ent_a, n1_policy, stocked):
    html = _login(client, world, "ent_a").get(reverse("supplies:index")).content.decode()
    assert "N95口罩" in html and "100个" in html
    assert "防护服" in html and "不足" in html and "八、（二）" in html
    assert reverse("supplies:issue") in html and reverse("supplies:receive") in html
    # Names, never codes, on the page.
    assert ">receipt<" not in html and ">n95<" not in html and "protective_suit<" not in html


def test_issue_in_a_few_taps(client, world, ent_a, stocked):
    c = _login(client, world, "ent_a")
    page = c.get(reverse("supplies:issue")).content.decode()
    assert "N95口罩（现有100个）" in page
    r = c.post(
        reverse("supplies:issue"),
        {"item": "n95", "quantity": "20", "counterparty": "一车间", "client_key": "page-key-0001"},
    )
    assert r.status_code == 302
    assert Stock.objects.get(enterprise=world.firm_a, item="n95").quantity == 80
    # A resend of the same page books nothing twice.
    c.post(
        reverse("supplies:issue"),
        {"item": "n95", "quantity": "20", "counterparty": "一车间", "client_key": "page-key-0001"},
    )
    assert Stock.objects.get(enterprise=world.firm_a, item="n95").quantity == 80


def test_issue_errors_all_at_once_and_shortage_message(client, world, ent_a, stocked):
    c = _login(client, world, "ent_a")
    r = c.post(reverse("supplies:issue"), {"item": "", "quantity": "abc", "counterparty": ""})
    html = r.content.decode()
    assert r.status_code == 200 and "有3处需要修改" in html
    assert "应为大于0的整数" in html and "必须选择" in html and "必须填写" in html
    r = c.post(reverse("supplies:issue"), {"item": "n95", "quantity": "500", "counterparty": "一车间"})
    assert "库存不足：N95口罩现有100个，申领500个" in r.content.decode()
    assert StockMovement.objects.count() == 1


def test_receive_and_adjust_pages(client, world, ent_a):
    c = _login(client, world, "ent_a")
    assert (
        c.post(
            reverse("supplies:receive"), {"item": "mask", "quantity": "30", "counterparty": "捐赠"}
        ).status_code
        == 302
    )
    assert (
        c.post(
            reverse("supplies:adjust"), {"item": "mask", "counted_quantity": "28", "note": "盘点"}
        ).status_code
        == 302
    )
    assert Stock.objects.get(enterprise=world.firm_a, item="mask").quantity == 28


def test_history_filters_and_export(client, world, ent_a, stocked):
    services.receive(ent_a, world.firm_a, "mask", 7)
    c = _login(client, world, "ent_a")
    html = c.get(reverse("supplies:index"), {"item": "mask"}).content.decode()
    assert "+7个" in html and "+100个" not in html
    r = c.get(reverse("supplies:export"), {"item": "mask"})
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxml")
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(r.content)).active
    assert sheet.max_row == 2 and sheet.cell(2, 3).value == "医用口罩"
    assert AuditEntry.objects.filter(action="supplies.export").count() == 1


def test_officers_list_sorted_by_shortage(client, world, n1_policy, stocked, django_assert_num_queries):
    from tests.factories import EnterpriseFactory

    c = _login(client, world, "town_a")
    c.get(reverse("supplies:index"))  # warm the session and caches
    with django_assert_num_queries(14):
        c.get(reverse("supplies:index"))
    # The same statements for many more firms.
    EnterpriseFactory.create_batch(12, town=world.town_a)
    with django_assert_num_queries(14):
        r = c.get(reverse("supplies:index"))
    html = r.content.decode()
    assert world.firm_a.name in html and world.firm_b.name not in html
    assert "防护服" in html
    tf = (
        _login(client, world, "task_force")
        .get(reverse("supplies:index"), {"sort": "-short"})
        .content.decode()
    )
    assert world.firm_a.name in tf and world.firm_b.name in tf and world.firm_c.name not in tf
    assert (
        _login(client, world, "task_force").get(reverse("supplies:index"), {"q": "不存在的"}).status_code
        == 200
    )


def test_officer_sees_one_firm_read_only(client, world, stocked):
    c = _login(client, world, "town_a")
    html = c.get(reverse("supplies:index"), {"enterprise": world.firm_a.pk}).content.decode()
    assert "100个" in html and reverse("supplies:issue") not in html
    assert c.get(reverse("supplies:index"), {"enterprise": world.firm_c.pk}).status_code == 404
    assert c.get(reverse("supplies:issue")).status_code == 403


@pytest.mark.parametrize("who", ["employee_a", "gate_a"])
def test_roles_without_the_capability_refused(client, world, who):
    c = _login(client, world, who)
    for name in ("supplies:index", "supplies:demands", "supplies:issue", "supplies:demand_new"):
        assert c.get(reverse(name)).status_code == 403, name


def test_outsider_sees_only_its_own_county(client, world, ent_a, stocked):
    req = demands.request_supplies(ent_a, world.firm_a, "mask", 10, timezone.localdate(), "断货")
    c = _login(client, world, "outsider")
    html = c.get(reverse("supplies:index")).content.decode()
    assert world.firm_c.name in html and world.firm_a.name not in html
    assert c.get(reverse("supplies:index"), {"enterprise": world.firm_a.pk}).status_code == 404
    assert world.firm_a.name not in c.get(reverse("supplies:demands"), {"status": "all"}).content.decode()
    assert c.get(reverse("supplies:demand", args=[req.pk])).status_code == 404
    r = c.post(
        reverse("supplies:demand_act", args=[req.pk, "answer"]),
        {"fulfilled": "no", "answer": "x", "version": "1"},
    )
    assert r.status_code == 404
    assert c.get(reverse("supplies:export"), {"enterprise": world.firm_a.pk}).status_code == 404


def test_demand_pages(client, world, ent_a):
    c = _login(client, world, "ent_a")
    r = c.post(reverse("supplies:demand_new"), {"item": "", "quantity": "", "needed_by": "", "reason": ""})
    assert "有4处需要修改" in r.content.decode()
    later = (timezone.localdate() + dt.timedelta(days=4)).isoformat()
    r = c.post(
        reverse("supplies:demand_new"),
        {
            "item": "n95",
            "quantity": "300",
            "needed_by": later,
            "reason": "断货",
            "client_key": "dpage-key-01",
        },
    )
    assert r.status_code == 302
    from fugong.supplies.models import DemandRequest

    req = DemandRequest.objects.get()
    town = _login(client, world, "town_a")
    queue = town.get(reverse("supplies:demands")).content.decode()
    assert world.firm_a.name in queue and "待镇街协调" in queue
    detail = town.get(reverse("supplies:demand", args=[req.pk])).content.decode()
    assert "上报专班" in detail and "答复企业" in detail
    r = town.post(
        reverse("supplies:demand_act", args=[req.pk, "escalate"]), {"note": "", "due_on": "", "version": "1"}
    )
    assert r.status_code == 400 and "有2处需要修改" in r.content.decode()
    r = town.post(
        reverse("supplies:demand_act", args=[req.pk, "escalate"]),
        {"note": "镇内无货", "due_on": later, "version": "1"},
    )
    assert r.status_code == 302
    tf = _login(client, world, "task_force")
    assert world.firm_a.name in tf.get(reverse("supplies:demands")).content.decode()
    r = tf.post(
        reverse("supplies:demand_act", args=[req.pk, "answer"]),
        {"fulfilled": "yes", "answer": "调拨", "version": "1"},
    )
    assert r.status_code == 400 and "已被他人处理" in r.content.decode()
    r = tf.post(
        reverse("supplies:demand_act", args=[req.pk, "answer"]),
        {"fulfilled": "yes", "answer": "调拨", "version": "2"},
    )
    assert r.status_code == 302
    req.refresh_from_db()
    assert req.status == DemandStatus.FULFILLED
    assert _login(client, world, "town_b").get(reverse("supplies:demand", args=[req.pk])).status_code == 404
    assert _login(client, world, "outsider").get(reverse("supplies:demand", args=[req.pk])).status_code in (
        403,
        404,
    )


def test_overdue_marked(client, world, ent_a):
    from fugong.supplies.models import DemandRequest

    req = demands.request_supplies(ent_a, world.firm_a, "mask", 10, timezone.localdate(), "断货")
    DemandRequest.objects.filter(pk=req.pk).update(due_on=timezone.localdate() - dt.timedelta(days=1))
    html = _login(client, world, "town_a").get(reverse("supplies:demands")).content.decode()
    assert "已逾期" in html
