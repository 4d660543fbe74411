"""Forms for the employee-file pages. They only parse what people type; every rule (ID number, phone,
dates, transitions, release) is the service's, and its messages come back onto the fields they name."""

from django import forms
from django.utils.translation import gettext_lazy as _

from fugong.core.widgets import SearchableSelect
from fugong.enterprises.models import DormRoom, GridUnit, IsolationRoom, ShuttleRoute
from fugong.regions.catalog import NATION, TREE
from fugong.regions.widgets import RegionField
from fugong.workforce.models import (
    EmployeeStatus,
    EpisodeKind,
    Gender,
    HealthCode,
    ResidenceControl,
    ReturnDecision,
    Transport,
)
from fugong.workforce.returns.forms import ServiceErrorsMixin

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
BLANK = [("", "—")]


def _choices(choices):
    return BLANK + [(k, v) for k, v in choices.choices if k]


class RosterFilterForm(forms.Form):
    """The roster's filters; an invalid value is simply ignored."""

    firm = forms.ModelChoiceField(
        label=_("企业"), queryset=None, required=False, empty_label=_("全部企业"), widget=SearchableSelect
    )
    status = forms.ChoiceField(label=_("状态"), required=False)
    decision = forms.ChoiceField(label=_("返岗判定"), required=False)
    local = forms.ChoiceField(
        label=_("本地/外地"),
        required=False,
        choices=[("", _("全部")), ("yes", _("本地员工")), ("no", _("外地员工"))],
    )
    q = forms.CharField(label=_("姓名"), required=False, max_length=50)

    def __init__(self, *args, firms, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["firm"].queryset = firms
        self.fields["status"].choices = [("", _("全部状态")), *EmployeeStatus.choices]
        self.fields["decision"].choices = [
            ("", _("全部判定")),
            *ReturnDecision.choices,
            ("undecided", _("未判定")),
        ]


class EmployeeForm(ServiceErrorsMixin, forms.Form):
    """Create or edit a file. On edit the ID number may be left empty to keep the one on file."""

    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(
        label=_("身份证号"),
        max_length=18,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )
    phone = forms.CharField(
        label=_("电话"), max_length=20, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    employee_no = forms.CharField(label=_("员工编号"), max_length=40, required=False)
    gender = forms.ChoiceField(label=_("性别"), choices=_choices(Gender), required=False)
    native_place = forms.CharField(label=_("籍贯"), max_length=50, required=False)
    # The service takes only regions FuGong holds, so the residence is picked from the region table.
    residence_region = RegionField(label=_("居住地"), source=TREE, required=False)
    residence_address = forms.CharField(label=_("住址"), max_length=200, required=False)
    residence_control = forms.ChoiceField(
        label=_("居住地管控状态"), choices=ResidenceControl.choices, required=False
    )
    department_name = forms.CharField(label=_("部门"), max_length=50, required=False)
    job = forms.CharField(label=_("岗位"), max_length=50, required=False)
    grid_unit = forms.ModelChoiceField(
        label=_("网格单元"), queryset=None, required=False, empty_label=_("未分配")
    )
    dorm_room = forms.ModelChoiceField(
        label=_("宿舍"), queryset=None, required=False, empty_label=_("不住宿舍")
    )
    shuttle_route = forms.ModelChoiceField(
        label=_("通勤线路"), queryset=None, required=False, empty_label=_("不乘班车")
    )
    shuttle_seat = forms.CharField(label=_("座位号"), max_length=10, required=False)
    left_locality = forms.BooleanField(label=_("假期离开驻地"), required=False)
    left_on = forms.DateField(label=_("离开时间"), required=False, widget=DATE)
    destination_code = RegionField(label=_("所赴地"), source=NATION, required=False)
    destination = forms.CharField(
        label=_("所赴城市"), max_length=100, required=False, help_text=_("不填则按所选的所赴地填写")
    )
    has_returned = forms.BooleanField(label=_("已返回"), required=False)
    current_city = forms.CharField(label=_("目前所在城市"), max_length=100, required=False)
    return_from_code = RegionField(label=_("返程出发地"), source=NATION, required=False)
    return_from = forms.CharField(
        label=_("出发地名称"), max_length=100, required=False, help_text=_("不填则按所选的返程出发地填写")
    )
    return_date = forms.DateField(label=_("返回时间"), required=False, widget=DATE)
    transport = forms.ChoiceField(label=_("交通工具"), choices=_choices(Transport), required=False)
    transport_number = forms.CharField(label=_("车次/航班/车牌"), max_length=30, required=False)
    expected_return_date = forms.DateField(label=_("预计返岗日期"), required=False, widget=DATE)
    has_fever = forms.BooleanField(label=_("发热"), required=False)
    other_symptoms = forms.CharField(label=_("其他症状"), max_length=200, required=False)
    family_health = forms.CharField(label=_("同返家属及身体状况"), max_length=200, required=False)
    health_code = forms.ChoiceField(label=_("健康码"), choices=HealthCode.choices, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    PARTS = {"grid_unit": GridUnit, "dorm_room": DormRoom, "shuttle_route": ShuttleRoute}

    def __init__(self, *args, enterprise, employee=None, **kwargs):
        self.employee = employee
        if employee is not None and "initial" not in kwargs and not args:
            kwargs["initial"] = self.initial_from(employee)
        super().__init__(*args, **kwargs)
        for name, model in self.PARTS.items():
            self.fields[name].queryset = model.objects.filter(enterprise=enterprise)
        if employee is None:
            self.fields["id_number"].required = True
            del self.fields["version"]
        else:
            self.fields["id_number"].help_text = _("不修改请留空（当前：%(masked)s）") % {
                "masked": employee.id_number_masked
            }

    @classmethod
    def initial_from(cls, employee) -> dict:
        initial = {name: getattr(employee, name) for name in cls.base_fields if hasattr(employee, name)}
        initial["id_number"] = ""  # never put the clear number into a page
        initial["residence_region"] = employee.residence_region.code if employee.residence_region_id else ""
        for name in cls.PARTS:
            initial[name] = getattr(employee, f"{name}_id")
        return initial

    # A place newly picked while its name is left empty gets the picked place's name; an untouched file
    # is not rewritten by a save that changed nothing.
    NAMED_BY = {"destination": "destination_code", "return_from": "return_from_code"}

    def clean(self):
        cleaned = super().clean()
        before = self.initial_from(self.employee) if self.employee is not None else {}
        for text, picked in self.NAMED_BY.items():
            code = cleaned.get(picked)
            if code and not cleaned.get(text) and code != before.get(picked):
                cleaned[text] = self.fields[picked].describe(code)[:100]
        return cleaned

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        if not data.get("id_number"):
            data.pop("id_number")
        for name in ("gender", "transport"):
            data[name] = data.get(name) or ""
        data["residence_control"] = data.get("residence_control") or ResidenceControl.NONE
        if self.employee is not None:
            # Send only what changed, so that an untouched field is not re-validated or re-written.
            initial = self.initial_from(self.employee)
            data = {k: v for k, v in data.items() if k == "id_number" or _norm(v) != _norm(initial.get(k))}
        return data


def _norm(value):
    if value is None:
        return ""
    return getattr(value, "pk", value)


class StatusForm(ServiceErrorsMixin, forms.Form):
    status = forms.ChoiceField(label=_("选择新状态"), choices=EmployeeStatus.choices)
    reason = forms.CharField(label=_("原因"), max_length=500)


class EpisodeStartForm(ServiceErrorsMixin, forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=EpisodeKind.choices)
    started_on = forms.DateField(label=_("开始日期"), required=False, widget=DATE)
    place = forms.ModelChoiceField(
        label=_("隔离地点"), queryset=None, required=False, empty_label=_("请选择")
    )
    place_note = forms.CharField(label=_("地点说明"), max_length=200, required=False)
    reason = forms.CharField(label=_("原因"), max_length=500)

    def __init__(self, *args, enterprise, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = IsolationRoom.objects.filter(enterprise=enterprise)


class EpisodeReleaseForm(ServiceErrorsMixin, forms.Form):
    nucleic_negative_at = forms.DateTimeField(
        label=_("核酸阴性时间"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
    )
    note = forms.CharField(label=_("解除说明"), max_length=200, required=False)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("员工名册（.xlsx）"), widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"})
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("请上传 .xlsx 格式的 Excel 文件（可先下载导入模板）"))
        return upload


# -- travel stops and close contacts (14日内旅居史/接触史) ----------------------------------------------------
# The place is picked (a division code underneath); dates stay text and are checked by
# ``travel.set_travel``, whose messages name the row and the field, so the page and the API say the same.


class TravelStopForm(forms.Form):
    region_code = RegionField(label=_("地区"), source=NATION, required=False)
    place = forms.CharField(
        label=_("地点"), max_length=100, required=False, help_text=_("不填则按所选地区填写")
    )
    from_date = forms.CharField(
        label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    to_date = forms.CharField(
        label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("region_code") and not cleaned.get("place"):
            cleaned["place"] = self.fields["region_code"].describe(cleaned["region_code"])[:100]
        return cleaned


class CloseContactForm(forms.Form):
    contact_date = forms.CharField(
        label=_("接触日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    description = forms.CharField(label=_("接触情况"), max_length=300, required=False)
    with_case = forms.BooleanField(label=_("与确诊/疑似病例接触"), required=False)


# A row left wholly empty is ignored; 删除 drops a row; at most 50 rows of each.
TravelStopFormSet = forms.formset_factory(
    TravelStopForm, extra=0, can_delete=True, max_num=50, validate_max=True
)
CloseContactFormSet = forms.formset_factory(
    CloseContactForm, extra=0, can_delete=True, max_num=50, validate_max=True
)


class LinkAccountForm(ServiceErrorsMixin, forms.Form):
    """关联登录账号: one of the firm's employee-role accounts that no file uses yet."""

    user = forms.ModelChoiceField(
        label=_("登录账号"),
        queryset=None,
        empty_label=_("请选择"),
        error_messages={
            "required": _("「登录账号」请选择一个账号"),
            "invalid_choice": _("「登录账号」须为本企业尚未关联员工档案的员工账号"),
        },
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = candidates
        self.fields["user"].label_from_instance = lambda u: (
            f"{u.full_name}（{u.username}）" if u.full_name else u.username
        )
