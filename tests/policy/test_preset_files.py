"""Preset files (SPEC §2): read and checked with Chinese errors naming the key, loaded by the command
users run, exported back in the same format, and every value citing where it came from."""

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from fugong.audit.models import AuditEntry
from fugong.policy.loading import apply_preset, export_version, load_preset
from fugong.policy.models import ChecklistDefinition, Notice, Preset
from fugong.policy.preset_files import read_preset, shipped_preset_paths, shipped_presets
from fugong.policy.selectors import policy_for
from fugong.policy.services import create_version
from tests.test_sixth_city import CITY

SIXTH = CITY  # a made-up city's own notice, shared with the end-to-end test


def test_shipped_files_are_valid_and_every_value_has_a_source():
    presets = shipped_presets()
    assert len(presets) == len(shipped_preset_paths()) == 5
    for preset in presets:
        assert preset.notice["text"], preset.key  # the notice's full text ships beside it
        for key, source in preset.provenance().items():
            assert source["section"] or source["note"], (preset.key, key)


def test_errors_name_every_key_in_chinese():
    text = SIXTH.replace("value: 37.5", "value: 45").replace("format: 1", "format: 2")
    text = text.replace(
        "    section: 第一条\n    quote: 外县返岗人员\n", ""
    )  # out_of_region_level loses its source
    text = text.replace("  issuer: 兰溪示范市防控指挥部\n", "")
    with pytest.raises(ValidationError) as info:
        read_preset(text)
    errors = info.value.message_dict
    assert errors["format"] == ["「format」须为以下之一：1。"]
    assert errors["notice"] == ["「notice」缺少必填项：issuer。"]
    assert "须写明出处" in errors["parameters.out_of_region_level"][0]


def test_parameter_values_are_checked_with_the_parameter_named():
    with pytest.raises(ValidationError) as info:
        read_preset(SIXTH.replace("value: 37.5", "value: 45"))
    assert info.value.message_dict["parameters.fever_threshold_c"][0].startswith(
        "parameters.fever_threshold_c：「发热体温阈值（达到即异常）」须为 36.5 至 39 之间"
    )


def test_not_yaml_and_unknown_keys():
    with pytest.raises(ValidationError) as info:
        read_preset("format: [1\nkey: x")
    assert "不是有效的 YAML" in info.value.message_dict["file"][0]
    with pytest.raises(ValidationError) as info:
        read_preset(SIXTH.replace("  out_of_region_level:", "  mayor_mood:"))
    assert info.value.message_dict["parameters.mayor_mood"] == [
        "「parameters.mayor_mood」不是系统认识的参数。"
    ]


@pytest.mark.django_db
def test_load_preset_command_loads_a_sixth_notice_and_applies_it(world, tmp_path):
    path = tmp_path / "sixth.yaml"
    path.write_text(SIXTH, encoding="utf-8")
    out = io.StringIO()
    call_command("load_preset", str(path), "--region", "330681", "--effective-from", "2026-11-25", stdout=out)
    assert "demo_city_2026" in out.getvalue() and "第1版" in out.getvalue()
    notice = Notice.objects.get(code="LX2026")
    assert notice.short_title == "兰溪示范市复工防控规定" and "每日早、午、晚三次测温" in notice.text
    assert ChecklistDefinition.objects.get(key="LX2026_basics").notice == notice
    policy = policy_for(world.county, dt.date(2026, 11, 26))
    assert policy.parameters.isolation_days_out_of_region == 7
    assert policy.cite("isolation_days_out_of_region") == "《兰溪示范市复工防控规定》第一条"
    assert [r.name for r in policy.parameters.temperature_rounds] == ["早班", "午间", "晚班"]
    assert AuditEntry.objects.filter(action="policy.preset.load").exists()
    # Loading the same file again changes nothing.
    out = io.StringIO()
    call_command("load_preset", str(path), stdout=out)
    assert "无变化" in out.getvalue()
    assert Preset.objects.filter(key="demo_city_2026").count() == 1


@pytest.mark.django_db
def test_load_preset_command_refuses_a_bad_file_with_every_problem(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(
        SIXTH.replace("value: county", "value: village").replace(
            "value: 7\n    section: 第一条\n    quote", "value: -7\n    section: 第一条\n    quote"
        ),
        encoding="utf-8",
    )
    with pytest.raises(CommandError) as info:
        call_command("load_preset", str(path))
    message = str(info.value)
    assert "「“外地返岗人员”的范围」须为以下之一" in message
    assert "「外地返岗人员隔离观察天数」须为 0 至 60 之间的整数" in message
    assert not Preset.objects.filter(key="demo_city_2026").exists()


@pytest.mark.django_db
def test_a_local_edit_cites_the_local_version_and_its_basis(world):
    apply_preset(world.county, "N0", effective_from=dt.date(2020, 2, 1))
    policy = world.county.policy
    base = policy.latest_version().parameters
    with pytest.raises(ValidationError) as info:
        create_version(
            policy, {**base, "isolation_days_out_of_region": 7}, effective_from=dt.date.today(), based_on=1
        )
    assert "须在「修改依据」中写明" in info.value.message_dict["note"][0]
    create_version(
        policy,
        {**base, "isolation_days_out_of_region": 7},
        effective_from=dt.date.today(),
        based_on=1,
        actor=world.users["task_force"],
        note="诸防控〔2026〕3号",
    )
    resolved = policy_for(world.county)
    cite = resolved.cite("isolation_days_out_of_region")
    assert cite.startswith("诸暨市复工复产防控政策第2版（") and "依据：诸防控〔2026〕3号" in cite
    assert "tf_zhuji" in cite
    # Values that were not touched keep the notice they came from.
    assert (
        resolved.cite("pre_report_lead_days")
        == "《诸暨市企业复工和疫情防控实施方案》二、返岗阶段 2．有序对接"
    )


@pytest.mark.django_db
@pytest.mark.parametrize("notice", ["N0", "N1", "N2", "N3", "N4"])
def test_shipped_presets_round_trip_through_export(world, notice):
    apply_preset(world.county, notice, effective_from=dt.date(2020, 2, 1))
    original = world.county.policy.latest_version()
    text = export_version(original)
    preset, outcome = load_preset(text.replace(f"key: {notice}_", f"key: again_{notice}_", 1))
    assert outcome == "created"
    apply_preset(world.other_county, preset, effective_from=dt.date(2020, 2, 1))
    copy = world.other_county.policy.latest_version()
    assert copy.parameters == original.parameters
    assert copy.params == original.params
    here, there = (
        policy_for(world.county, dt.date(2020, 3, 1)),
        policy_for(world.other_county, dt.date(2020, 3, 1)),
    )
    assert {k: here.cite(k) for k in original.parameters} == {k: there.cite(k) for k in original.parameters}
    assert {(a.region_code, a.name) for a in here.no_return_areas()} <= {
        (a.region_code, a.name) for a in there.no_return_areas()
    }


@pytest.mark.django_db
def test_task_force_uploads_previews_and_applies_a_preset_file(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    apply_preset(world.county, "N0", effective_from=dt.date(2020, 2, 1))
    client.force_login(world.users["task_force"])
    url = reverse("policy:presets")
    upload = SimpleUploadedFile("sixth.yaml", SIXTH.encode(), content_type="application/x-yaml")
    today = dt.date.today()
    response = client.post(
        url, {"file": upload, "region": world.town_a.pk, "effective_from": today.isoformat()}
    )
    body = response.content.decode()
    assert response.status_code == 200 and 'data-testid="preset-preview"' in body
    assert (
        'data-changed="isolation_days_out_of_region"' in body and "《兰溪示范市复工防控规定》第一条" in body
    )
    assert not Preset.objects.filter(key="demo_city_2026").exists()  # a preview stores nothing
    response = client.post(
        url,
        {"content": SIXTH, "confirm": "on", "region": world.town_a.pk, "effective_from": today.isoformat()},
    )
    assert response.status_code == 302
    assert policy_for(world.town_a).parameters.isolation_days_out_of_region == 7
    # A bad file answers every problem and stores nothing.
    bad = SimpleUploadedFile("bad.yaml", SIXTH.replace("value: county", "value: moon").encode())
    body = client.post(url, {"file": bad}).content.decode()
    assert "「“外地返岗人员”的范围」须为以下之一" in body


@pytest.mark.django_db
def test_export_download_and_notice_page(client, world):
    from django.urls import reverse

    apply_preset(world.county, "N2", effective_from=dt.date(2020, 2, 1))
    client.force_login(world.users["town_a"])
    response = client.get(reverse("policy:export", args=[world.county.policy.pk]))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    assert read_preset(response.content).parameter_values()["isolation_days_out_of_region"] == 14
    page = client.get(reverse("policy:notice", args=["N2"])).content.decode()
    assert "六个必消" in page
    client.force_login(world.users["outsider"])
    assert client.get(reverse("policy:export", args=[world.county.policy.pk])).status_code == 404
