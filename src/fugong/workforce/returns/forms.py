"""Forms for pre-reports and checkpoint arrivals. They only parse input into what ``services`` takes;
every rule (lead time, who may be reported, ID number checks, matching) is the service's, and its
messages come back onto the fields they name."""

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from fugong.enterprises.selectors import visible_towns
from fugong.regions.catalog import NATION
from fugong.regions.models import RegionLevel
from fugong.regions.widgets import RegionField
from fugong.workforce.models import Employee
from fugong.workforce.returns import selectors


class ServiceErrorsMixin:
    """Puts a service ValidationError on the field it names, or on the form when it names none."""

    def add_service_errors(self, exc: ValidationError) -> None:
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc.messages)
            return
        for name, messages in exc.message_dict.items():
            self.add_error(name if name in self.fields else None, messages)


class EmployeeChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        # Masked only: the firm's officer picks people, they need not read ID numbers to do it.
        return f"{obj.name}（{obj.id_number_masked}）"


class PreReportForm(ServiceErrorsMixin, forms.Form):
    expected_arrival = forms.DateField(
        label=_("预计抵达日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    employees = EmployeeChoiceField(
        label=_("返岗人员"),
        queryset=Employee.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("返岗人员：请至少选择一名员工"),
            "invalid_choice": _("返岗人员：所选员工不在本企业可报备的名单中"),
        },
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["employees"].queryset = selectors.reportable_employees(user)


class CheckpointForm(ServiceErrorsMixin, forms.Form):
    """One person at a checkpoint, typed on a phone: big fields, the numeric keypad for numbers."""

    town = forms.ModelChoiceField(label=_("目的地镇街"), queryset=None, empty_label=None)
    checkpoint = forms.CharField(
        label=_("卡口"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off", "enterkeyhint": "next"}),
    )
    name = forms.CharField(
        label=_("姓名"),
        max_length=50,
        widget=forms.TextInput(attrs={"autocomplete": "off", "enterkeyhint": "next", "autofocus": True}),
    )
    # Numeric keypad; the last character may be X, which a button next to the field appends.
    id_number = forms.CharField(
        label=_("身份证号"),
        max_length=18,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "off",
                "maxlength": "18",
                "pattern": "[0-9]{17}[0-9Xx]",
                "enterkeyhint": "next",
            }
        ),
    )
    phone = forms.CharField(
        label=_("手机号"),
        required=False,
        max_length=20,
        widget=forms.TextInput(
            attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off", "enterkeyhint": "next"}
        ),
    )
    came_from = forms.CharField(
        label=_("来自"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("如：江西省上饶市"), "enterkeyhint": "next"}),
    )
    vehicle = forms.CharField(
        label=_("车牌/车次"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"enterkeyhint": "next"}),
    )
    stated_employer = forms.CharField(
        label=_("自报单位"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"enterkeyhint": "done"}),
    )
    # The service records a source no broader than a county (6, 9 or 12 digits).
    came_from_code = RegionField(
        label=_("来源地"), source=NATION, min_level=RegionLevel.COUNTY, required=False
    )
    arrived_at = forms.DateTimeField(
        label=_("抵达时间"),
        required=False,
        help_text=_("不填即为提交时间；补录时填写"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    client_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        towns = visible_towns(user).order_by("code")
        self.fields["town"].queryset = towns
        self.single_town = towns.first() if towns.count() == 1 else None
        if self.single_town is not None:
            # A town officer records for their own town: no choice to make on a small screen.
            self.fields["town"].initial = self.single_town.pk
            self.fields["town"].widget = forms.HiddenInput()
            self.fields["town"].required = False
        if not self.is_bound:
            self.initial.setdefault("client_key", uuid.uuid4().hex)

    def clean_town(self):
        return self.cleaned_data.get("town") or self.single_town

    def clean(self):
        cleaned = super().clean()
        # A place picked with 来自 left empty: 来自 gets its name, as the officer would have typed it.
        if cleaned.get("came_from_code") and not cleaned.get("came_from"):
            cleaned["came_from"] = self.fields["came_from_code"].describe(cleaned["came_from_code"])[:100]
        return cleaned

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        return {
            "town": data.pop("town"),
            "client_key": data.pop("client_key") or None,
            **data,
        }


class ResolveForm(ServiceErrorsMixin, forms.Form):
    note = forms.CharField(
        label=_("处置说明"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("如：已电话联系，本人无工作单位，已劝返")}),
    )


class MatchForm(ServiceErrorsMixin, forms.Form):
    employee = forms.ModelChoiceField(
        label=_("匹配员工"),
        queryset=Employee.objects.none(),
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("匹配员工：未找到该员工，或不在您的管辖范围内")},
    )

    def __init__(self, *args, candidates=None, **kwargs):
        super().__init__(*args, **kwargs)
        if candidates is not None:
            self.fields["employee"].queryset = candidates
        self.fields["employee"].label_from_instance = lambda e: (
            f"{e.name}（{e.id_number_masked}）· {e.enterprise.name}"
        )
