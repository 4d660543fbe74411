"""The structured parameters on the edit page are rows of real inputs, never JSON (issue 10): the page a
browser gets posts every shipped notice's values back unchanged; steps are added, removed and moved as
rows; a bad row is answered in Chinese naming the parameter, the row and the field, beside that input,
and nothing is saved."""

import datetime as dt
import re
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from django.urls import reverse
from django.utils import timezone

from fugong.policy.selectors import policy_for
from fugong.policy.services import apply_preset

PRESETS = Path(__file__).resolve().parents[2] / "src" / "fugong" / "policy" / "presets"
SHIPPED = sorted(yaml.safe_load(p.read_text("utf-8"))["key"] for p in PRESETS.glob("*.yaml"))
STRUCTURED = (
    "review_chain",
    "commitments",
    "temperature_rounds",
    "health_code_outcomes",
    "residence_control_outcomes",
    "incident_steps",
    "disinfection_areas",
    "disinfection_rounds",
    "document_types",
    "plan_sections",
    "priority_factors",
    "page_notices",
)


class _FormReader(HTMLParser):
    """The fields of each <form> on a page and what a browser would send for them untouched."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[list[tuple[str, str]]] = []
        self.textareas: list[str] = []
        self._form = None
        self._select = None  # [name, multiple, options [(value, selected)]]
        self._option = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = []
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name") and a.get("type", "text") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self._form.append((a["name"], a.get("value", "on")))
            else:
                self._form.append((a["name"], a.get("value", "")))
        elif tag == "select" and a.get("name"):
            self._select = [a["name"], "multiple" in a, []]
        elif tag == "option" and self._select is not None:
            self._option = [a.get("value"), "selected" in a, ""]
            self._select[2].append(self._option)
        elif tag == "textarea" and a.get("name"):
            self._textarea = [a["name"], ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data
        elif self._option is not None:
            self._option[2] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "option":
            self._option = None
        elif tag == "select" and self._select is not None:
            name, multiple, options = self._select
            chosen = [o for o in options if o[1]] or ([] if multiple else options[:1])
            for value, _selected, text in chosen:
                self._form.append((name, value if value is not None else text.strip()))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            name, text = self._textarea
            text = text[1:] if text.startswith("\n") else text  # the newline after <textarea> is not content
            self._form.append((name, text))
            self.textareas.append(text)
            self._textarea = None


def read_page(body: str) -> tuple[dict, _FormReader]:
    """The edit form's POST data as the browser sends it untouched (lists for repeated names)."""
    reader = _FormReader()
    reader.feed(body)
    form = next(f for f in reader.forms if any(name == "based_on_version" for name, _v in f))
    data: dict = {}
    for name, value in form:
        data.setdefault(name, []).append(value)
    return data, reader


def visible_text(body: str) -> str:
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", body))


def edit_url(policy):
    return reverse("policy:edit", args=[policy.pk])


def open_page(client, world, policy) -> dict:
    client.force_login(world.users["task_force"])
    response = client.get(edit_url(policy))
    assert response.status_code == 200
    data, _reader = read_page(response.content.decode())
    data["note"] = ["指挥部会议纪要"]
    data["effective_from"] = [timezone.localdate().isoformat()]
    return data


def rows(data: dict, prefix: str) -> list[int]:
    return sorted({int(m.group(1)) for k in data for m in [re.fullmatch(rf"{prefix}-(\d+)-\w+", k)] if m})


@pytest.fixture
def policy(world):
    return apply_preset(world.county, "N0", effective_from=dt.date(2020, 2, 1))


@pytest.mark.django_db
@pytest.mark.parametrize("preset", SHIPPED)
def test_every_shipped_preset_round_trips_through_the_page(client, world, preset):
    from django.http import QueryDict

    from fugong.policy.forms import PolicyVersionForm

    policy = apply_preset(world.county, preset, effective_from=dt.date(2020, 2, 1))
    before = policy_for(world.county).parameters
    client.force_login(world.users["task_force"])
    body = client.get(edit_url(policy)).content.decode()
    data, reader = read_page(body)
    # No parameter is a JSON text any more, and participants are words, not codes.
    assert not [t for t in reader.textareas if t.strip()[:1] in ("[", "{")]
    text = visible_text(body)
    assert "dept:" not in text and "@industry" not in text and "participants" not in text
    data.update(note=["原样保存"], effective_from=[timezone.localdate().isoformat()])

    # What the untouched page posts is read back into exactly the values it was built from …
    posted = QueryDict(mutable=True)
    for name, values in data.items():
        posted.setlist(name, values)
    form = PolicyVersionForm(posted, params=before)
    assert form.is_valid(), form.errors
    assert form.parameters_json == before.to_json()
    # … so publishing it is refused as a version identical to the one in force.
    response = client.post(edit_url(policy), data)
    assert response.status_code == 200
    assert "参数与第1版完全相同，无需发布新版本。" in response.content.decode()
    assert policy.versions.count() == 1


@pytest.mark.django_db
def test_structured_values_are_shown_as_inputs_in_words(client, world, policy):
    client.force_login(world.users["task_force"])
    body = client.get(edit_url(policy)).content.decode()
    for key in STRUCTURED:
        assert f'id="id_{key}"' in body, key  # each has its block, which the error summary links to
    assert 'name="review_chain-1-participants" value="dept:@industry"' in body
    assert "企业的行业主管部门" in body and "卫生健康局" in body
    assert 'name="temperature_rounds-0-opens" value="05:00"' in body and 'type="time"' in body
    assert re.search(r'<option value="measure:preparedness" selected>', body)
    assert re.search(r'name="health_code_outcomes-red".*?<option value="barred" selected>', body, re.S)
    # Incident steps map to who handles them, not to the return outcomes.
    assert re.search(r'name="incident_steps-transfer".*?<option value="enterprise" selected>', body, re.S)
    assert re.search(r'name="incident_steps-close".*?<option value="dept:health">', body, re.S)
    assert 'src="/static/fugong/row_editor.js"' in body


@pytest.mark.django_db
def test_adding_a_review_step_in_the_spare_row_saves_it_with_a_code(client, world, policy):
    data = open_page(client, world, policy)
    spare = rows(data, "review_chain")[-1]
    assert spare == 4  # four steps, then one spare empty row
    data.update(
        {
            f"review_chain-{spare}-name": ["卫健局复核"],
            f"review_chain-{spare}-key": [""],
            f"review_chain-{spare}-participants": ["dept:health", "town"],
            f"review_chain-{spare}-mode": ["all"],
        }
    )

    assert client.post(edit_url(policy), data).status_code == 302

    chain = policy.latest_version().params.review_chain
    assert [s.key for s in chain] == ["town_check", "joint_review", "task_force_approval", "filed", "step_5"]
    assert (chain[-1].name, chain[-1].participants, chain[-1].mode) == (
        "卫健局复核",
        ("dept:health", "town"),
        "all",
    )
    page = client.get(reverse("policy:index")).content.decode()
    assert "卫健局复核" in page


@pytest.mark.django_db
def test_removing_and_moving_review_steps_save(client, world, policy):
    data = open_page(client, world, policy)
    # The browser removes the second step's row and renumbers; a gap left behind reads the same.
    for key in [k for k in data if k.startswith("review_chain-1-")]:
        del data[key]
    # The last step moved above the third: the row numbers give the order.
    for key in [k for k in data if k.startswith("review_chain-3-")]:
        data[key.replace("-3-", "-9-")] = data.pop(key)
    for key in [k for k in data if k.startswith("review_chain-2-")]:
        data[key.replace("-2-", "-10-")] = data.pop(key)

    assert client.post(edit_url(policy), data).status_code == 302

    chain = policy.latest_version().params.review_chain
    assert [s.key for s in chain] == ["town_check", "filed", "task_force_approval"]


@pytest.mark.django_db
def test_without_javascript_a_cleared_row_is_dropped_and_a_spare_row_adds(client, world, policy):
    data = open_page(client, world, policy)
    before = policy.latest_version().params.commitments
    for column in ("code", "group", "text"):
        data[f"commitments-0-{column}"] = [""]
    # N0 lists no disinfection areas: the page offers two empty rows; one is filled, without a code.
    assert rows(data, "disinfection_areas") == [0, 1]
    data["disinfection_areas-1-name"] = ["车间"]

    assert client.post(edit_url(policy), data).status_code == 302

    params = policy.latest_version().params
    assert params.commitments == before[1:]
    assert policy.latest_version().parameters["disinfection_areas"] == [{"key": "item_1", "name": "车间"}]


@pytest.mark.django_db
def test_outcomes_texts_factors_and_rounds_edit_as_fields(client, world, policy):
    data = open_page(client, world, policy)
    data["health_code_outcomes-yellow"] = ["buffer"]
    data["health_code_outcomes-red"] = [""]  # 不适用
    data["incident_steps-close"] = ["town"]
    data["incident_steps-observe"] = [""]
    data["page_notices-roster"] = ["第一行\r\n第二行"]
    data["priority_factors-0-weight"] = ["25.5"]
    data["priority_factors-1-basis"] = ["tag"]
    data["priority_factors-1-tag"] = ["白名单企业"]
    data["temperature_rounds-1-due"] = ["18:30:00"]

    assert client.post(edit_url(policy), data).status_code == 302

    params = policy.latest_version().params
    assert params.health_code_outcomes == {"yellow": "buffer"}
    assert params.incident_steps == {
        "report": "enterprise",
        "transfer": "enterprise",
        "seal_disinfect": "town",
        "close": "town",
    }
    assert params.page_notices["roster"] == "第一行\n第二行"
    assert str(params.priority_factors[0].weight) == "25.5"
    assert (params.priority_factors[1].measure, params.priority_factors[1].tag) == ("", "白名单企业")
    assert params.temperature_rounds[1].due == dt.time(18, 30)


@pytest.mark.django_db
def test_a_review_step_without_name_is_named_beside_its_input_and_nothing_is_saved(client, world, policy):
    data = open_page(client, world, policy)
    data["review_chain-1-name"] = [""]
    data["review_chain-1-participants"] = []

    response = client.post(edit_url(policy), data)

    assert response.status_code == 200
    body = response.content.decode()
    message = "「审批流程」第2步：环节名称 name 不能为空；参与方 participants 至少一个。"
    assert message in unescape(body)
    # The summary links to the row's input, and the input is marked invalid with the message beside it.
    assert 'href="#id_review_chain-1-name"' in body
    assert re.search(r'name="review_chain-1-name"[^>]*aria-invalid="true"', body)
    assert policy.versions.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "message", "field"),
    [
        (
            {"temperature_rounds-1-opens": "19:00"},
            "「每日体温检测的轮次与时段」第2轮的开始时间须早于截止时间。",
            "temperature_rounds-1-opens",
        ),
        (
            {"priority_factors-2-weight": "150"},
            "「优先审批因素与权重」第3项：权重 weight 须为 0 至 100 之间、最多两位小数的数值。",
            "priority_factors-2-weight",
        ),
        (
            {"commitments-3-code": "N0-4M-1"},
            "「企业承诺事项」第4条：编号「N0-4M-1」重复。",
            "commitments-3-code",
        ),
        (
            {"plan_sections-0-documents": []},
            "「复工方案的章节」第1章须列出所属的材料 documents。",
            "plan_sections-0-documents",
        ),
        (
            {"priority_factors-0-basis": ""},
            "「优先审批因素与权重」第1项：须且仅须指定 measure、field、tag 之一。",
            "priority_factors-0-basis",
        ),
        (
            {"page_notices-returns": "字" * 1001},
            "「页面上向使用者展示的政策原文」中「返岗报备与卡口对接页」的文字须为 1–1000 字。",
            "page_notices-returns",
        ),
        (
            {"document_types-2-name": "很长" * 31},
            "「复工申请材料种类」第3条的名称 name 须为 1–60 字。",
            "document_types-2-name",
        ),
    ],
)
def test_a_bad_row_names_parameter_row_and_field(client, world, policy, changes, message, field):
    data = open_page(client, world, policy)
    data.update({k: v if isinstance(v, list) else [v] for k, v in changes.items()})

    response = client.post(edit_url(policy), data)

    assert response.status_code == 200
    body = unescape(response.content.decode())
    assert message in body
    assert f'href="#id_{field}' in body
    assert policy.versions.count() == 1


@pytest.mark.django_db
def test_a_department_removed_since_stays_listed_and_is_refused(client, world, policy):
    from fugong.accounts.models import Department
    from fugong.policy.services import create_version

    Department.objects.create(code="old_bureau", name="旧局")
    chain = policy.latest_version().parameters["review_chain"]
    chain[0]["participants"] = ["town", "dept:old_bureau"]
    create_version(
        policy,
        {**policy.latest_version().parameters, "review_chain": chain},
        effective_from=timezone.localdate(),
        based_on=1,
        actor=world.users["task_force"],
        note="旧局参与核查",
    )
    Department.objects.filter(code="old_bureau").delete()
    data = open_page(client, world, policy)
    assert data["review_chain-0-participants"] == ["town", "dept:old_bureau"]

    response = client.post(edit_url(policy), data)

    assert response.status_code == 200
    body = unescape(response.content.decode())
    assert "已不存在的部门（old_bureau）" in body
    assert "「审批流程」中的部门「old_bureau」不存在。" in body and 'href="#id_review_chain"' in body
    assert policy.versions.count() == 2


@pytest.mark.django_db
def test_too_many_rows_are_refused(client, world, policy):
    data = open_page(client, world, policy)
    for n in range(10, 112):
        data[f"disinfection_rounds-{n}-name"] = [f"第{n}次"]

    response = client.post(edit_url(policy), data)

    assert "「每日消杀轮次」最多 100 行。" in unescape(response.content.decode())
    assert policy.versions.count() == 1
