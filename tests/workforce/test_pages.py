"""The employee-file pages: roster, import, health card and its actions, isolation board, phone page."""

import datetime as dt
import html as htmlmod
import re

import pytest
from django.urls import reverse

from fugong.audit.models import AuditEntry
from fugong.audit.services import VIEW_PERSONAL_DATA
from fugong.workforce import episodes, services
from fugong.workforce.models import Employee, EmployeeStatus, EpisodeKind
from tests.workforce.conftest import days_ago, make_employee, returner, risk_area, valid_id
from tests.workforce.test_roster import make_id, person, xlsx

pytestmark = pytest.mark.django_db


def login(client, world, key):
    client.force_login(world.users[key])
    return client


def page(response, status=200):
    assert response.status_code == status, response.status_code
    return htmlmod.unescape(response.content.decode())


def table(text, testid):
    match = re.search(rf'<table[^>]*data-testid="{testid}">(.*?)</table>', text, re.S)
    assert match, testid
    return match.group(1)


@pytest.fixture
def people(world, n0):
    return {
        "a": make_employee(world.firm_a, name="王甲", residence_region=world.town_a.code),
        "b": make_employee(world.firm_b, name="李乙", residence_region=world.town_b.code),
        "c": make_employee(world.firm_c, name="赵丙"),
    }


def test_roster_is_scoped(client, world, people):
    rows = table(page(login(client, world, "ent_a").get(reverse("workforce:roster"))), "roster")
    assert "王甲" in rows and "李乙" not in rows and "赵丙" not in rows
    # A town sees its own firms' people only, with the firm filter, read-only.
    text = page(login(client, world, "town_b").get(reverse("workforce:roster")))
    rows = table(text, "roster")
    assert "李乙" in rows and "王甲" not in rows
    assert reverse("workforce:roster_import") not in text
    assert page(client.get(reverse("workforce:employee", args=[people["a"].pk])), 404)
    # The task force filters by firm.
    rows = table(
        page(login(client, world, "task_force").get(reverse("workforce:roster"), {"firm": world.firm_b.pk})),
        "roster",
    )
    assert "李乙" in rows and "王甲" not in rows
    # An outsider sees none of them, and their cards are 404.
    rows = table(page(login(client, world, "outsider").get(reverse("workforce:roster"))), "roster")
    assert "王甲" not in rows and "李乙" not in rows
    assert client.get(reverse("workforce:employee", args=[people["a"].pk])).status_code == 404
    # Filters: status, decision, local, name.
    client.force_login(world.users["ent_a"])
    make_employee(world.firm_a, name="钱丁")
    rows = table(page(client.get(reverse("workforce:roster"), {"q": "钱"})), "roster")
    assert "钱丁" in rows and "王甲" not in rows
    rows = table(page(client.get(reverse("workforce:roster"), {"status": "at_work"})), "roster")
    assert "王甲" not in rows
    rows = table(page(client.get(reverse("workforce:roster"), {"local": "yes"})), "roster")
    assert "王甲" in rows


def test_roster_downloads(client, world, people):
    login(client, world, "ent_a")
    for name in ("roster_template", "roster_export", "roster_statistics"):
        response = client.get(reverse(f"workforce:{name}"))
        assert response.status_code == 200, name
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    login(client, world, "town_a")
    assert client.get(reverse("workforce:roster_template")).status_code == 403
    assert client.get(reverse("workforce:roster_export")).status_code == 200


def upload(rows):
    buffer = xlsx(rows)
    buffer.name = "名册.xlsx"
    return buffer


def test_import_with_bad_rows_shows_errors_and_saves_nothing(client, world, n0):
    login(client, world, "ent_a")
    bad = [person(1), person(2, 身份证号="330681199003070000"), person(3, 电话="12345"), person(1)]
    response = client.post(reverse("workforce:roster_import"), {"file": upload(bad)})
    text = page(response, 400)
    assert 'data-testid="import-errors"' in text
    assert "未保存任何数据" in text and "身份证号" in text and "电话" in text and "重复" in text
    assert Employee.objects.filter(enterprise=world.firm_a).count() == 0

    good = [person(1), person(2), person(3)]
    text = page(client.post(reverse("workforce:roster_import"), {"file": upload(good)}))
    assert "新增 3 人" in text
    assert Employee.objects.filter(enterprise=world.firm_a).count() == 3
    # Again: nothing changes.
    text = page(client.post(reverse("workforce:roster_import"), {"file": upload(good)}))
    assert "未变 3 人" in text
    assert Employee.objects.filter(enterprise=world.firm_a).count() == 3


def test_big_import_runs_as_a_job_shown_only_to_its_owner(client, world, n0, monkeypatch):
    monkeypatch.setattr("fugong.workforce.views.ASYNC_IMPORT_BYTES", 10)
    login(client, world, "ent_a")
    response = client.post(reverse("workforce:roster_import"), {"file": upload([person(7)])})
    assert response.status_code == 302 and "?job=" in response["Location"]
    job_id = response["Location"].split("?job=")[1]
    text = page(client.get(response["Location"]))
    assert "新增 1 人" in text
    assert client.get(reverse("workforce:roster_import_progress", args=[job_id])).status_code == 200
    assert Employee.objects.filter(enterprise=world.firm_a).count() == 1
    # Another officer of the same role cannot watch it.
    login(client, world, "ent_c")
    assert client.get(reverse("workforce:roster_import_progress", args=[job_id])).status_code == 404


def test_import_refuses_a_file_that_is_not_excel(client, world, n0):
    login(client, world, "ent_a")
    from io import BytesIO

    junk = BytesIO(b"not a workbook")
    junk.name = "名册.xlsx"
    text = page(client.post(reverse("workforce:roster_import"), {"file": junk}), 400)
    assert "无法读取该文件" in text


def test_card_shows_masked_id_and_reveal_is_audited(client, world, n0):
    number = make_id(42)
    employee = make_employee(world.firm_a, name="孙戊", id_number=number)
    login(client, world, "ent_a")
    text = page(client.get(reverse("workforce:employee", args=[employee.pk])))
    assert employee.id_number_masked in text and number not in text
    assert "查看完整身份证号" in text
    text = page(client.post(reverse("workforce:employee_reveal", args=[employee.pk])))
    assert number in text
    assert AuditEntry.objects.filter(
        action=VIEW_PERSONAL_DATA, actor=world.users["ent_a"], object_id=str(employee.pk)
    ).exists()
    # The next load is masked again.
    assert number not in page(client.get(reverse("workforce:employee", args=[employee.pk])))
    # The industry bureau reads the card but may not reveal.
    login(client, world, "dept_industry")
    text = page(client.get(reverse("workforce:employee", args=[employee.pk])))
    assert "查看完整身份证号" not in text
    assert client.post(reverse("workforce:employee_reveal", args=[employee.pk])).status_code == 403


def test_create_and_edit_with_service_errors_as_field_errors(client, world, n0):
    login(client, world, "ent_a")
    url = reverse("workforce:employee_create")
    text = page(client.post(url, {"name": "周己", "id_number": "330681199003070000", "phone": "123"}), 400)
    assert "身份证号" in text and Employee.objects.count() == 0
    number = valid_id()
    response = client.post(url, {"name": "周己", "id_number": number, "phone": "13912345678"})
    assert response.status_code == 302
    employee = Employee.objects.get(name="周己")
    edit = reverse("workforce:employee_edit", args=[employee.pk])
    text = page(client.get(edit))
    assert number not in text
    response = client.post(
        edit,
        {"name": "周己", "phone": "13912345679", "version": employee.version, "residence_control": "none"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    employee.refresh_from_db()
    assert employee.phone == "13912345679" and employee.version == 2
    # A stale version is a conflict, shown on the form.
    text = page(client.post(edit, {"name": "周己", "phone": "13900000001", "version": 1}), 400)
    assert "已被他人修改" in text


def test_at_work_is_refused_before_release_with_the_reason(client, world, n0):
    risk_area(n0, "3303", "温州市", "high")
    employee = returner(world.firm_a, "3303", "温州市", back_days_ago=2)
    employee = services.change_status(world.users["ent_a"], employee, EmployeeStatus.ARRIVED, "到厂")
    assert employee.status == EmployeeStatus.ISOLATING
    login(client, world, "ent_a")
    card = page(client.get(reverse("workforce:employee", args=[employee.pk])))
    assert "须厂内隔离观察" in card and 'data-testid="blockers"' in card
    response = client.post(
        reverse("workforce:employee_status", args=[employee.pk]), {"status": "at_work", "reason": "上岗"}
    )
    release = days_ago(2) + dt.timedelta(days=14)
    text = page(response, 400)
    assert f"须于{release.year}年{release.month}月{release.day}日解除隔离后方可上岗" in text
    employee.refresh_from_db()
    assert employee.status == EmployeeStatus.ISOLATING
    # Early release by the firm is refused with the rule; the board lists the person.
    episode = employee.episodes.get()
    board = page(client.get(reverse("workforce:isolation")))
    assert employee.name in table(board, "isolation-board")
    text = page(client.post(reverse("workforce:episode_release", args=[episode.pk]), {"next": "board"}), 400)
    assert "提前解除须由卫生健康部门决定" in text
    # The re-evaluate button works.
    response = client.post(reverse("workforce:employee_reevaluate", args=[employee.pk]))
    assert response.status_code == 302


def test_buffer_release_needs_the_nucleic_time(client, world, n0):
    employee = make_employee(world.firm_a, name="吴庚", residence_region=world.town_a.code)
    login(client, world, "ent_a")
    response = client.post(
        reverse("workforce:episode_start", args=[employee.pk]), {"kind": EpisodeKind.BUFFER, "reason": "待检"}
    )
    assert response.status_code == 302
    episode = employee.episodes.get()
    url = reverse("workforce:episode_release", args=[episode.pk])
    assert "核酸阴性时间" in page(client.post(url, {}), 400)
    response = client.post(url, {"nucleic_negative_at": f"{days_ago(0):%Y-%m-%d} 00:00"})
    assert response.status_code == 302
    employee.refresh_from_db()
    assert employee.status == EmployeeStatus.AT_WORK


def test_town_board_spans_its_firms_only(client, world, n0):
    a = make_employee(world.firm_a, name="郑辛", residence_region=world.town_a.code)
    b = make_employee(world.firm_b, name="冯壬", residence_region=world.town_b.code)
    for person_, actor in ((a, "ent_a"), (b, "town_b")):
        episodes.start_episode(world.users[actor], person_, EpisodeKind.ISOLATION, None, None, "体温异常")
    rows = table(page(login(client, world, "town_b").get(reverse("workforce:isolation"))), "isolation-board")
    assert "冯壬" in rows and "郑辛" not in rows
    rows = table(page(login(client, world, "ent_a").get(reverse("workforce:isolation"))), "isolation-board")
    assert "郑辛" in rows and "冯壬" not in rows


def test_employee_phone_page_shows_own_data_only(client, world, n0):
    risk_area(n0, "3303", "温州市", "high")
    me = returner(world.firm_a, "3303", "温州市", back_days_ago=2, name="陈癸")
    other = make_employee(world.firm_a, name="别人")
    services.link_account(world.users["ent_a"], me, world.users["employee_a"])
    services.change_status(world.users["ent_a"], me, EmployeeStatus.ARRIVED, "到厂")
    login(client, world, "employee_a")
    text = page(client.get(reverse("workforce:me")))
    assert "陈癸" in text and "别人" not in text
    assert "隔离观察中" in text and 'data-testid="days-left">12<' in text
    assert "须厂内隔离观察" in text
    # The staff pages are not theirs.
    assert client.get(reverse("workforce:roster")).status_code == 302
    assert client.get(reverse("workforce:employee", args=[other.pk])).status_code == 403
    assert client.get(reverse("workforce:isolation")).status_code == 403
    # Without a linked file, a plain message.
    me.user = None
    me.save()
    assert "尚未关联员工档案" in page(client.get(reverse("workforce:me")))
    login(client, world, "ent_a")
    assert client.get(reverse("workforce:me")).status_code == 403


def test_gate_keeper_is_refused_on_edit_pages(client, world, people):
    login(client, world, "gate_a")
    pk = people["a"].pk
    assert client.get(reverse("workforce:employee_create")).status_code == 403
    assert client.get(reverse("workforce:employee_edit", args=[pk])).status_code == 403
    assert client.get(reverse("workforce:roster_import")).status_code == 403
    assert client.post(reverse("workforce:employee_status", args=[pk]), {}).status_code == 403
    assert client.post(reverse("workforce:employee_reveal", args=[pk])).status_code == 403
    assert client.post(reverse("workforce:episode_start", args=[pk]), {}).status_code == 403
    assert client.get(reverse("workforce:isolation")).status_code == 403


def test_navigation_entries(client, world, n0):
    text = page(login(client, world, "ent_a").get(reverse("workforce:roster")))
    assert f'href="{reverse("workforce:roster")}"' in text
    text = page(login(client, world, "employee_a").get(reverse("workforce:me")))
    assert "我的健康" in text and f'href="{reverse("workforce:roster")}"' not in text
