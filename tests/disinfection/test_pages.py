"""The pages: the firm officer's phone sheet and its two-tap form, the officers' list of firms with
gaps (scoped, searchable, a fixed number of queries), a firm's day read-only, settings, records and the
Excel export (audited)."""

import datetime as dt
import io
import re
from html import unescape

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from fugong.audit.models import AuditEntry
from fugong.disinfection import services
from fugong.disinfection.models import DisinfectionRecord
from fugong.enterprises.models import EnterpriseStatus
from tests.disinfection.conftest import at, do_round
from tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db
INDEX = reverse("disinfection:index")


def yesterday():
    return timezone.localdate() - dt.timedelta(days=1)


def body(response) -> str:
    return unescape(response.content.decode())


def test_firm_sheet_shows_every_tile_done_and_open(client, n2, pinned_clock):
    services.set_schedule(n2.users["ent_a"], n2.firm_a, "before_work", "08:00")
    do_round(n2.users["ent_a"], n2.firm_a, timezone.localdate(), "workshop", "before_work", hour=7)
    client.force_login(n2.users["ent_a"])

    page = body(client.get(INDEX))

    assert page.count('data-testid="tile-') == 12
    assert 'data-testid="tile-workshop-before_work" data-state="done"' in page
    assert "王师傅" in page and "84消毒液 500mg/L" in page and "07:00" in page
    # 09:00, past the 08:00 due time: the other before-work rounds are overdue, after-work still open
    assert 'data-testid="tile-office-before_work" data-state="overdue"' in page
    assert 'data-testid="tile-office-after_work" data-state="open"' in page
    assert "还有11项未完成，其中5项已超时" in page
    assert "六个必消" in page
    visible = re.sub(r"<[^>]+>", " ", page)
    assert "before_work" not in visible and "workshop" not in visible  # names, never keys


def test_past_day_sheet_marks_all_open_rounds_overdue(client, n2, pinned_clock):
    client.force_login(n2.users["ent_a"])
    page = body(client.get(INDEX, {"day": yesterday().isoformat()}))
    assert page.count('data-state="overdue"') == 12
    assert 'data-testid="next-day"' in page


def test_tapping_a_tile_then_confirming_records_the_round(client, n2, pinned_clock):
    do_round(
        n2.users["ent_a"], n2.firm_a, yesterday(), "office", "after_work", agent="过氧乙酸", operator="赵六"
    )
    client.force_login(n2.users["ent_a"])
    url = reverse("disinfection:record")
    form = client.get(url, {"area": "canteen", "round": "before_work"})
    page = body(form)
    assert "餐厅食堂 · 上班前" in page
    assert 'value="过氧乙酸"' in page and 'value="赵六"' in page  # the last round's values prefilled
    key = form.context["client_key"]
    data = {
        "day": timezone.localdate().isoformat(),
        "area": "canteen",
        "round": "before_work",
        "agent": "过氧乙酸",
        "concentration": "0.2%",
        "operator": "赵六",
        "done_time": "08:30",
        "client_key": key,
    }
    response = client.post(url, data)
    assert response.status_code == 302
    client.post(url, data)  # a double tap saves nothing more
    row = DisinfectionRecord.objects.get(area="canteen")
    assert timezone.localtime(row.done_at).time() == dt.time(8, 30)
    assert DisinfectionRecord.objects.count() == 2


def test_the_form_shows_every_error_at_once(client, n2, pinned_clock):
    client.force_login(n2.users["ent_a"])
    response = client.post(
        reverse("disinfection:record"),
        {
            "day": timezone.localdate().isoformat(),
            "area": "roof",
            "round": "before_work",
            "done_time": "23:59",
        },
    )
    assert response.status_code == 400
    page = body(response)
    for message in (
        "消毒剂：必须填写",
        "浓度：必须填写",
        "消杀人员：必须填写",
        "消杀时间：不能晚于现在",
        "区域：不是《",
    ):
        assert message in page
    assert not DisinfectionRecord.objects.exists()


def test_officers_see_their_firms_with_gaps(client, n2, pinned_clock):
    do_round(n2.users["ent_a"], n2.firm_a, yesterday(), "office", "before_work")
    client.force_login(n2.users["task_force"])
    response = client.get(INDEX, {"day": yesterday().isoformat()})
    rows = list(response.context["table"].page)
    assert [r.pk for r in rows] == [n2.firm_b.pk, n2.firm_a.pk]  # most overdue first
    by_pk = {r.pk: r for r in rows}
    assert (by_pk[n2.firm_a.pk].gap_count, by_pk[n2.firm_a.pk].overdue_count) == (11, 11)
    assert by_pk[n2.firm_a.pk].done_count == 1
    assert by_pk[n2.firm_b.pk].gap_count == 12
    assert n2.firm_c.name not in body(response)

    client.force_login(n2.users["town_a"])
    page = body(client.get(INDEX))
    assert n2.firm_a.name in page and n2.firm_b.name not in page

    searched = client.get(INDEX, {"firm": "店口"})
    assert n2.firm_b.name not in body(searched)  # town_a does not see 店口 even by name


def test_officer_list_sorts_and_searches(client, n2, pinned_clock):
    client.force_login(n2.users["task_force"])
    response = client.get(INDEX, {"firm": "暨阳", "sort": "name"})
    assert [r.pk for r in response.context["table"].page] == [n2.firm_a.pk]


def test_officer_list_queries_do_not_grow_with_firms(client, n2, pinned_clock, django_assert_num_queries):
    for _ in range(12):
        EnterpriseFactory(town=n2.town_a, status=EnterpriseStatus.RESUMED)
    client.force_login(n2.users["task_force"])
    client.get(INDEX)  # the first request of a session also writes it
    # session, user, region; firms, policy versions, policies, records, exemptions, due times; records
    # per firm; the count, the shell's notifications, the page of rows
    with django_assert_num_queries(13):
        response = client.get(INDEX)
    assert len(response.context["table"].page) == 14
    for _ in range(12):
        EnterpriseFactory(town=n2.town_b, status=EnterpriseStatus.RESUMED)
    with django_assert_num_queries(13):
        client.get(INDEX)


def test_outsider_sees_nothing_of_firm_a(client, n2, pinned_clock):
    do_round(n2.users["ent_a"], n2.firm_a, yesterday(), "office", "before_work", operator="机密张")
    client.force_login(n2.users["outsider"])
    page = body(client.get(INDEX, {"day": yesterday().isoformat()}))
    assert n2.firm_a.name not in page and n2.firm_c.name in page
    assert client.get(reverse("disinfection:firm_day", args=[n2.firm_a.pk])).status_code == 404
    records = body(client.get(reverse("disinfection:records"), {"start": yesterday().isoformat()}))
    assert "机密张" not in records
    assert client.get(reverse("disinfection:export"), {"enterprise": n2.firm_a.pk}).status_code == 404


def test_officer_reads_a_firms_day_without_editing(client, n2, pinned_clock):
    client.force_login(n2.users["town_a"])
    page = body(client.get(reverse("disinfection:firm_day", args=[n2.firm_a.pk])))
    assert page.count('data-testid="tile-') == 12
    assert reverse("disinfection:record") not in page
    assert client.get(reverse("disinfection:record")).status_code == 403
    assert client.get(reverse("disinfection:firm_day", args=[n2.firm_b.pk])).status_code == 404


@pytest.mark.parametrize("who", ["gate_a", "employee_a"])
def test_roles_without_the_capability_are_refused(client, n2, who):
    client.force_login(n2.users[who])
    assert client.get(INDEX).status_code == 403


def test_settings_page_sets_due_times_and_exemptions(client, n2, pinned_clock):
    client.force_login(n2.users["ent_a"])
    url = reverse("disinfection:settings")
    assert "上班前" in body(client.get(url))
    client.post(url, {"action": "schedule", "due_before_work": "07:30", "due_after_work": ""})
    client.post(url, {"action": "exempt", "area": "dormitory", "reason": "本厂无宿舍"})
    bad = client.post(url, {"action": "exempt", "area": "office", "reason": ""})
    assert bad.status_code == 400 and "原因：必须填写" in body(bad)
    page = body(client.get(INDEX, {"day": yesterday().isoformat()}))
    assert "本企业无此区域：本厂无宿舍" in page
    assert page.count('data-state="overdue"') == 10
    assert "07:30前完成" in body(client.get(INDEX))


def test_no_policy_areas_says_so(client, world, pinned_clock):
    from fugong.policy.services import apply_preset

    apply_preset(world.county, "N0", effective_from=dt.date(2020, 1, 1))
    client.force_login(world.users["ent_a"])
    page = body(client.get(INDEX))
    assert "当日政策未规定消杀区域" in page and 'data-testid="tile-' not in page


def test_records_list_and_excel_export_are_scoped_and_audited(client, n2, pinned_clock):
    do_round(n2.users["ent_a"], n2.firm_a, yesterday(), "office", "before_work", operator="甲")
    do_round(n2.users["ent_c"], n2.firm_c, yesterday(), "office", "before_work", operator="丙")
    client.force_login(n2.users["task_force"])
    page = body(client.get(reverse("disinfection:records")))
    assert "甲" in page and "丙" not in page and "办公室" in page

    start, end = yesterday() - dt.timedelta(days=3), timezone.localdate()
    response = client.get(
        reverse("disinfection:export"), {"start": start.isoformat(), "end": end.isoformat()}
    )
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("日期", "企业", "区域", "轮次")
    assert len(rows) == 2 and rows[1][1] == n2.firm_a.name and rows[1][7] == "甲"
    assert rows[1][4] == at(yesterday(), 7).astimezone(timezone.get_current_timezone()).replace(tzinfo=None)
    entry = AuditEntry.objects.get(action="disinfection.export")
    assert entry.after["rows"] == 1 and "日期范围" in entry.after["filters"]

    bad = client.get(reverse("disinfection:records"), {"start": end.isoformat(), "end": start.isoformat()})
    assert bad.status_code == 400 and "结束日期：不能早于开始日期" in body(bad)


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "2020-13-45", "x"])
def test_odd_days_do_not_break_the_pages(client, n2, day):
    client.force_login(n2.users["ent_a"])
    assert client.get(INDEX, {"day": day}).status_code == 200
    assert client.get(
        reverse("disinfection:record"), {"day": day, "area": "office", "round": "x"}
    ).status_code in (
        200,
        302,
    )
    assert client.get(reverse("disinfection:records"), {"start": day, "end": day}).status_code in (200, 400)
    client.force_login(n2.users["task_force"])
    assert client.get(INDEX, {"day": day}).status_code == 200
