"""Forms that say everything at once (issue 10, item 5): a summary of every error above the form with
links to the fields, required fields marked, only the choices the firm's state and the policy allow,
dates checked up front, phones checked, a confirmation before a final decision, and several files
uploaded at once, all or none."""

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from fugong.core.dates import format_date
from fugong.enterprises.models import EnterpriseStatus
from fugong.policy.models import Policy
from fugong.policy.selectors import policy_for
from fugong.policy.services import create_version
from fugong.resumption.approval import services as approval
from fugong.resumption.attachments import services as attachments
from fugong.resumption.models import ApplicationStatus, Attachment, ResumptionApplication, ReviewDecision
from tests.resumption.conftest import PDF, fill, submitted
from tests.resumption.test_pages import form_data, future_start

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def url(name, *args):
    return reverse(f"resumption:{name}", args=args)


def login(client, user):
    client.force_login(user)
    return client


def options(html: str, select_id: str) -> list[str]:
    select = re.search(rf'<select[^>]*id="{select_id}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.findall(r'<option value="([^"]*)"', select)


def set_params(world, **changes):
    policy = Policy.objects.get(region=world.county)
    create_version(
        policy,
        policy.latest_version().parameters | changes,
        effective_from=policy.latest_version().effective_from,
        based_on=policy.latest_number,
        allow_past=True,
        note="指挥部通知〔2026〕9号",
    )


# -- the error summary and required marks -------------------------------------------------------------


def test_every_error_at_once_in_a_summary_linked_to_the_fields(client, world, n0):
    login(client, world.users["ent_a"])
    response = client.post(
        url("create"),
        form_data(
            world.firm_a,
            kind="reopening_after_incident",
            planned_start="2020-01-01T08:00",
            staff_by_district="诸暨市九十人",
            resumption_mode="orderly_travel",
        ),
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert {"kind", "planned_start", "staff_by_district", "resumption_mode"} <= set(errors)
    html = response.content.decode()
    summary = re.search(r'<div class="msg msg-error form-errors" role="alert".*?</div>', html, re.S).group(0)
    # The summary comes before the first field and links each error to its field's id.
    assert html.index('data-testid="form-errors"') < html.index('id="id_kind"')
    for name in ("kind", "planned_start", "staff_by_district", "resumption_mode"):
        assert f'href="#id_{name}"' in summary
    assert "已经过去" in summary and "格式不正确" in summary
    assert not ResumptionApplication.objects.exists()


def test_required_fields_are_marked_and_the_form_stays_novalidate(client, world, n0):
    login(client, world.users["ent_a"])
    html = client.get(url("create")).content.decode()
    assert 'novalidate data-testid="application-form"' in html
    assert re.search(r'<select name="kind"[^>]*required', html)
    for name in ("planned_start", "reason", "scope_lines", "resumption_mode", "staff_total"):
        assert re.search(rf'<(input|textarea|select)[^>]*name="{name}"[^>]*aria-required="true"', html), name
    assert html.count('class="req"') >= 6


# -- choices the firm's state and the policy allow ---------------------------------------------------------


def test_only_kinds_the_firm_state_allows_and_modes_the_policy_allows(client, world, n0):
    login(client, world.users["ent_a"])
    html = client.get(url("create")).content.decode()
    kinds = options(html, "id_kind")
    assert world.firm_a.status == EnterpriseStatus.NOT_RESUMED
    assert "reopening_after_incident" not in kinds
    assert {"first_resumption", "key_staff_preparation", "backfill"} <= set(kinds)
    # N0 allows only living in the plant.
    assert options(html, "id_resumption_mode") == ["", "closed_in_plant"]
    assert "---------" not in html


def test_a_mode_the_policy_forbids_is_refused_with_its_citation(client, world, n0):
    login(client, world.users["ent_a"])
    response = client.post(url("create"), form_data(world.firm_a, resumption_mode="point_to_point"))
    assert response.status_code == 400
    message = str(response.context["form"].errors["resumption_mode"])
    assert "只允许以下复工方式" in message
    assert policy_for(world.firm_a.town).cite("resumption_modes_allowed") in message


# -- dates -------------------------------------------------------------------------------------------


def test_a_planned_start_in_the_past_is_refused(client, world, n0):
    login(client, world.users["ent_a"])
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).strftime("%Y-%m-%dT08:00")
    response = client.post(url("create"), form_data(world.firm_a, planned_start=yesterday))
    assert response.status_code == 400
    assert "已经过去" in str(response.context["form"].errors["planned_start"])
    assert client.post(url("create"), form_data(world.firm_a)).status_code == 302


def test_a_start_before_the_earliest_date_is_refused_citing_the_policy(client, world, n0):
    earliest = timezone.localdate() + dt.timedelta(days=60)
    set_params(
        world,
        earliest_resumption_at=f"{earliest.isoformat()}T00:00:00+08:00",
        early_resumption_needs_approval=False,
    )
    login(client, world.users["ent_a"])
    response = client.post(url("create"), form_data(world.firm_a, planned_start=future_start(10)))
    assert response.status_code == 400
    message = str(response.context["form"].errors["planned_start"])
    assert format_date(earliest) in message and "依据：指挥部通知〔2026〕9号" in message
    assert (
        client.post(url("create"), form_data(world.firm_a, planned_start=future_start(70))).status_code == 302
    )


def test_an_early_start_the_task_force_may_approve_is_kept_with_a_warning(client, world, n0):
    earliest = timezone.localdate() + dt.timedelta(days=60)
    set_params(
        world,
        earliest_resumption_at=f"{earliest.isoformat()}T00:00:00+08:00",
        early_resumption_needs_approval=True,
    )
    login(client, world.users["ent_a"])
    response = client.post(
        url("create"), form_data(world.firm_a, planned_start=future_start(10)), follow=True
    )
    assert ResumptionApplication.objects.filter(enterprise=world.firm_a).exists()
    text = " ".join(str(m) for m in response.context["messages"])
    assert "批准提前复工" in text and format_date(earliest) in text


# -- the review page: content first, then a confirmation stating the consequence ---------------------------


def test_decision_buttons_come_after_the_content(client, world, n0):
    app = submitted(world.users["ent_a"], world.firm_a)
    login(client, world.users["town_a"])
    html = client.get(url("review", app.pk)).content.decode()
    assert html.index('id="content"') < html.index('id="attachments"') < html.index('id="decide"')
    assert html.index('id="commitments"') < html.index('data-testid="decision-pass"')
    for label in ("通过", "退回修改", "不予批准"):
        assert f">{label}</button>" in html


@pytest.mark.parametrize(
    "decision, reasons, consequence",
    [
        ("pass", "", "通过后申请进入「"),
        ("return", "隔离观察点未落实", "退回后申请回到企业修改"),
        ("reject", "不符合复工条件", "不予批准后本申请即办结"),
    ],
)
def test_a_decision_without_confirm_shows_its_consequence_and_decides_nothing(
    client, world, n0, decision, reasons, consequence
):
    app = submitted(world.users["ent_a"], world.firm_a)
    login(client, world.users["town_a"])
    data = {"decision": decision, "reasons": reasons, "expected_step_key": "town_check"}
    response = client.post(url("decide", app.pk), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert consequence in html and 'name="confirm" value="1"' in html
    assert not ReviewDecision.objects.exists()
    app.refresh_from_db()
    assert app.status == ApplicationStatus.IN_REVIEW
    # Back to the review page keeps what the reviewer wrote; confirming decides.
    back = client.post(url("decide", app.pk), data | {"back": "1"})
    assert back.status_code == 200 and back.context["decision_form"]["reasons"].value() == reasons
    assert not ReviewDecision.objects.exists()
    assert client.post(url("decide", app.pk), data | {"confirm": "1"}).status_code == 302
    assert ReviewDecision.objects.get().decision == decision


def test_the_last_step_names_approval_and_the_firm_status(client, world, n0):
    u = world.users
    app = submitted(u["ent_a"], world.firm_a)
    for who, key in (
        ("town_a", "town_check"),
        ("dept_health", "joint_review"),
        ("dept_industry", "joint_review"),
    ):
        approval.decide(u[who], app, "pass", "", key)
        app.refresh_from_db()
    approval.decide(u["task_force"], app, "pass", "", "task_force_approval")
    app.refresh_from_db()
    login(client, u["task_force"])
    data = {"decision": "pass", "reasons": "", "expected_step_key": app.current_step_key}
    html = client.post(url("decide", app.pk), data).content.decode()
    assert "最后一个审核环节" in html and "签发复工证明" in html and "已复工" in html


def test_a_joint_step_says_who_is_still_to_pass(client, world, n0):
    u = world.users
    app = submitted(u["ent_a"], world.firm_a)
    approval.decide(u["town_a"], app, "pass", "", "town_check")
    login(client, u["dept_health"])
    data = {"decision": "pass", "reasons": "", "expected_step_key": "joint_review"}
    html = client.post(url("decide", app.pk), data).content.decode()
    assert "联合审核" in html and "尚待" in html


def test_return_without_reasons_is_an_error_not_a_confirmation(client, world, n0):
    app = submitted(world.users["ent_a"], world.firm_a)
    login(client, world.users["town_a"])
    response = client.post(
        url("decide", app.pk), {"decision": "reject", "reasons": " ", "expected_step_key": "town_check"}
    )
    assert response.status_code == 400
    assert 'href="#id_reasons"' in response.content.decode()


# -- several files at once -----------------------------------------------------------------------------


def pdf(name, body=b""):
    return SimpleUploadedFile(name, PDF + body + name.encode(), content_type="application/pdf")


def test_several_files_of_several_types_in_one_request(client, world, n0):
    app = fill(world.users["ent_a"], world.firm_a)
    Attachment.objects.all().delete()
    login(client, world.users["ent_a"])
    html = client.get(url("attachments", app.pk)).content.decode()
    assert 'type="file" name="file_prevention_plan"' in html and "multiple" in html
    assert 'data-max-bytes="20971520"' in html and "fugong/upload.js" in html
    response = client.post(
        url("attachments", app.pk),
        {
            "file_prevention_plan": [pdf("方案.pdf"), pdf("方案附件.pdf")],
            "file_commitment_letter": [pdf("承诺书.pdf")],
        },
        follow=True,
    )
    assert response.redirect_chain[-1][1] == 302
    assert Attachment.objects.filter(application=app).count() == 3
    assert "已上传3份材料" in " ".join(str(m) for m in response.context["messages"])


def test_one_bad_file_stores_none_and_every_error_is_listed(client, world, n0):
    app = fill(world.users["ent_a"], world.firm_a)
    Attachment.objects.all().delete()
    login(client, world.users["ent_a"])
    response = client.post(
        url("attachments", app.pk),
        {
            "file_prevention_plan": [pdf("方案.pdf"), SimpleUploadedFile("病毒.exe", b"MZ\x90")],
            "file_commitment_letter": [SimpleUploadedFile("承诺书.pdf", b"MZ not a pdf")],
            "file_staff_roster": [pdf("台账.pdf")],
        },
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "病毒.exe" in str(errors["file_prevention_plan"])
    assert "内容与扩展名" in str(errors["file_commitment_letter"])
    html = response.content.decode()
    assert 'href="#id_file_prevention_plan"' in html and 'href="#id_file_commitment_letter"' in html
    assert not Attachment.objects.exists()


def test_too_large_a_file_is_refused_by_the_server(client, world, n0, monkeypatch):
    monkeypatch.setattr(attachments, "MAX_ATTACHMENT_BYTES", 100)
    app = fill(world.users["ent_a"], world.firm_a)
    Attachment.objects.all().delete()
    login(client, world.users["ent_a"])
    response = client.post(url("attachments", app.pk), {"file_prevention_plan": [pdf("大.pdf", b"x" * 200)]})
    assert response.status_code == 400 and "上限" in str(
        response.context["form"].errors["file_prevention_plan"]
    )
    assert not Attachment.objects.exists()


def test_nothing_chosen_says_so(client, world, n0):
    app = fill(world.users["ent_a"], world.firm_a)
    login(client, world.users["ent_a"])
    response = client.post(url("attachments", app.pk), {})
    assert response.status_code == 400 and "请选择要上传的文件" in response.content.decode()


def test_the_upload_script_gets_json_to_follow(client, world, n0):
    app = fill(world.users["ent_a"], world.firm_a)
    login(client, world.users["ent_a"])
    response = client.post(
        url("attachments", app.pk),
        {"file_other": [pdf("其他.pdf")]},
        HTTP_X_REQUESTED_WITH="XMLHttpRequest",
    )
    assert response.status_code == 200 and response.json() == {"redirect": url("attachments", app.pk)}
