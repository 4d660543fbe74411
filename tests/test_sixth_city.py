"""A sixth city runs on its own notice with no code change (issue 9): its preset file, written here,
is loaded through the command users run, and the whole flow follows it — the return decision, the
check-in rounds and their windows, the fever alert, the application's review chain and priority, and
the checklist — each citing the city's own notice."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from fugong.monitoring import services as monitoring
from fugong.monitoring.models import Alert
from fugong.policy.selectors import policy_for
from fugong.resumption import priority
from fugong.workforce.models import ReturnDecision
from tests.resumption.conftest import submitted
from tests.workforce.conftest import make_employee, returner

CITY = """
format: 1
key: demo_city_2026
name: 兰溪示范市复工防控规定（2026）
notice:
  code: LX2026
  title: 兰溪示范市关于企业复工复产疫情防控的规定
  short_title: 兰溪示范市复工防控规定
  issuer: 兰溪示范市防控指挥部
  issued_on: 2026-11-20
  published_at: 指挥部网站
  text: |
    第一条 外县返岗人员居厂隔离观察7天。
    第二条 每日早、午、晚三次测温，37.5℃及以上为发热。
    第三条 高新技术企业优先审批。
    第四条 复工前须设隔离观察室。
parameters:
  isolation_days_out_of_region:
    value: 7
    section: 第一条
    quote: 外县返岗人员居厂隔离观察7天
  out_of_region_level:
    value: county
    section: 第一条
    quote: 外县返岗人员
  travel_history_lookback_days:
    value: 7
    section: 第一条
  fever_threshold_c:
    value: 37.5
    section: 第二条
    quote: 37.5℃及以上为发热
  temperature_checks_per_day:
    value: 3
    section: 第二条
  temperature_rounds:
    value:
    - {name: 早班, opens: "06:00", due: "09:00"}
    - {name: 午间, opens: "11:00", due: "13:30"}
    - {name: 晚班, opens: "17:00", due: "20:00"}
    section: 第二条
    quote: 每日早、午、晚三次测温
  review_chain:
    value:
    - {key: town_check, name: 镇街核查, participants: [town], mode: any}
    - {key: approval, name: 指挥部批准, participants: [task_force], mode: any}
    section: 第三条
  priority_factors:
    value:
    - {key: hi_tech, name: 高新技术企业, weight: 30, tag: 高新技术企业}
    - {key: listed, name: 上市公司, weight: 10, field: is_listed}
    section: 第三条
    quote: 高新技术企业优先审批
  required_checklists:
    value: [LX2026_basics]
    section: 第四条
checklists:
- key: LX2026_basics
  name: 兰溪示范市复工基本条件
  section: 第四条
  items:
  - {code: LX-1, section: 第四条, method: data, rule: has_isolation_room, text: 设有隔离观察室}
  - {code: LX-2, method: self_assessment, text: 每日通风三次}
"""
NOTICE = "《兰溪示范市复工防控规定》"


@pytest.fixture
def city(world, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    path = tmp_path / "city.yaml"
    path.write_text(CITY, encoding="utf-8")
    call_command("load_preset", str(path), "--region", world.county.code, "--effective-from", "2020-01-01")
    return policy_for(world.county)


def test_return_decisions_follow_the_citys_notice(world, city):
    # Another county of the same prefecture is "外县" here.
    other_county = returner(world.firm_a, "330602", "越城区", back_days_ago=2)
    assert other_county.decision == ReturnDecision.ISOLATE
    assert other_county.release_date == timezone.localdate() - dt.timedelta(days=2) + dt.timedelta(days=7)
    assert other_county.decision_reason.startswith(f"{NOTICE}第一条：")
    assert "7天" in other_county.decision_reason and "14" not in other_county.decision_reason
    # A town of the firm's own county is not.
    same_county = returner(world.firm_a, "330681104", "店口镇", back_days_ago=2)
    assert same_county.decision == ReturnDecision.MAY_RETURN


def test_three_rounds_with_the_citys_windows_and_its_fever_threshold(world, city, pinned_clock):
    person = make_employee(world.firm_a, residence_region=world.town_a.code)
    pinned_clock(8, 30)
    row, created = monitoring.record_checkin(None, person, temperature="36.5", source="bulk")
    assert created and row.round == 1
    pinned_clock(10, 0)
    with pytest.raises(ValidationError) as info:
        monitoring.record_checkin(None, person, temperature="36.6", source="bulk")
    assert "午间" in str(info.value) and "11:00" in str(info.value)
    pinned_clock(12, 0)
    row, created = monitoring.record_checkin(None, person, temperature="37.4", source="bulk")
    assert created and row.round == 2
    assert not Alert.objects.filter(employee=person).exists()  # 37.4 is below this city's 37.5
    pinned_clock(18, 0)
    monitoring.record_checkin(None, person, temperature="37.5", source="bulk")
    alert = Alert.objects.get(employee=person)
    assert alert.policy_version_id == city.version_id


def test_applications_follow_the_citys_chain_and_priority(world, city):
    world.firm_a.local_tags = ["高新技术企业"]
    world.firm_a.save(update_fields=["local_tags"])
    start = (timezone.localtime() + dt.timedelta(days=10)).strftime("%Y-%m-%d 08:00")
    application = submitted(world.users["ent_a"], world.firm_a, planned_start=start)
    assert [s.name for s in application.steps.order_by("order")] == ["镇街核查", "指挥部批准"]
    result = priority.compute(application, policy_for(world.firm_a.town))
    assert result.score == 30
    assert [r["label"] for r in result.reasons] == ["高新技术企业"]


def test_the_citys_checklist_and_every_value_cites_its_notice(world, city):
    assert [c.key for c in city.checklists()] == ["LX2026_basics"]
    assert city.cite("fever_threshold_c") == f"{NOTICE}第二条"
    assert city.cite("temperature_rounds") == f"{NOTICE}第二条"
    for key in city.parameters.to_json():
        assert city.cite(key).startswith(NOTICE), key
