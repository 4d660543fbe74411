from django import forms
from django.utils.translation import gettext_lazy as _

from fugong.core.widgets import SearchableSelect
from fugong.workforce.models import Employee, EmployeeStatus


def firm_people(firm):
    return Employee.objects.filter(enterprise=firm).exclude(status=EmployeeStatus.LEFT).order_by("name", "pk")


class AssignForm(forms.Form):
    """One person into one place from a day. The service checks the rules; the form only shapes input."""

    employee = forms.ModelChoiceField(
        label=_("人员"),
        queryset=Employee.objects.none(),
        widget=SearchableSelect,
        empty_label=_("请选择人员"),
        error_messages={"required": _("请选择一名本企业员工"), "invalid_choice": _("不是本企业的在册员工")},
    )
    target = forms.ChoiceField(
        label=_("安排到"),
        widget=SearchableSelect,
        error_messages={
            "required": _("请选择宿舍、就餐批次、班车、私家车或网格单元"),
            "invalid_choice": _("不是本企业登记的去处"),
        },
    )
    starts_on = forms.DateField(
        label=_("起始日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("必须填写"), "invalid": _("应为有效日期")},
    )
    seat = forms.CharField(label=_("床位/座位/桌号"), max_length=10, required=False)

    def __init__(self, *args, firm, **kwargs):
        super().__init__(*args, **kwargs)
        from fugong.arrangements.pages import target_choices

        self.fields["employee"].queryset = firm_people(firm)
        self.fields["employee"].label_from_instance = lambda e: (
            f"{e.name}（{e.employee_no or e.id_number_masked[-4:]}）"
        )
        self.fields["target"].choices = [("", _("请选择去处"))] + target_choices(firm)


class CarpoolForm(forms.Form):
    plate = forms.CharField(label=_("车牌号"), max_length=12)
    seats = forms.CharField(
        label=_("核定座位数（含驾驶员）"), max_length=3, widget=forms.NumberInput(attrs={"min": 1, "max": 60})
    )
    driver = forms.ModelChoiceField(
        label=_("驾驶员"),
        queryset=Employee.objects.none(),
        required=False,
        widget=SearchableSelect,
        empty_label=_("不指定"),
        error_messages={"invalid_choice": _("应为本企业员工")},
    )

    def __init__(self, *args, firm, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["driver"].queryset = firm_people(firm)
