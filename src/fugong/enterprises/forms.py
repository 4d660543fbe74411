"""Forms only parse what people type; every rule lives in services, which these forms report back."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from fugong.accounts.models import Department
from fugong.accounts.roles import Role
from fugong.enterprises import services
from fugong.enterprises.importing import ON_DUPLICATE_CHOICES, ON_DUPLICATE_ERROR
from fugong.enterprises.models import (
    STATUS_TRANSITIONS,
    TAG_FIELDS,
    Enterprise,
    EnterpriseStatus,
    IndustryClass,
)
from fugong.enterprises.selectors import visible_towns

# (legend, fields) in the order a town officer reads a firm's file.
FIELD_GROUPS = [
    (_("登记信息"), ["name", "uscc", "legal_representative", "legal_representative_phone", "address"]),
    (_("属地与行业"), ["town", "department", "industry_class"]),
    (_("防疫负责人"), ["prevention_lead", "prevention_lead_phone"]),
    (
        _("生产经营"),
        [
            "normal_headcount",
            "normal_daily_output",
            "local_employee_share",
            "resumption_mode",
            "efficiency_class",
        ],
    ),
    (_("重点标签"), [*TAG_FIELDS, "local_tags"]),
]


class TagsField(forms.CharField):
    """A town's own tags for a firm, typed as one line (高新技术企业、节水标杆); the service splits
    and checks them."""

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "、".join(str(v) for v in value)
        return value


class EnterpriseForm(forms.ModelForm):
    # Wider than the stored 18 characters: pasted codes often carry spaces that services strip.
    uscc = forms.CharField(label=_("统一社会信用代码"), max_length=40)
    local_tags = TagsField(
        label=_("本地标签"),
        required=False,
        max_length=1000,
        help_text=_("本地政策优先审批因素所用的标签，多个用顿号、逗号或换行分隔，如：高新技术企业、节水标杆"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Enterprise
        fields = services.EDITABLE_FIELDS
        widgets = {
            "address": forms.TextInput(),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if user.role == Role.ENTERPRISE:
            for name in services.GOVERNMENT_FIELDS:
                del self.fields[name]
        else:
            self.fields["town"].queryset = visible_towns(user).select_related("parent")
            self.fields["town"].label_from_instance = lambda town: (
                f"{town.parent.name} {town.name}" if town.parent_id else town.name
            )
            self.fields["department"].queryset = Department.objects.filter(is_industry=True)
            self.fields["industry_class"].queryset = IndustryClass.objects.order_by("code")
            self.fields["industry_class"].label = _("所属大类（国民经济行业分类）")
        # A dropdown never offers "---------": an empty choice says what it means.
        for field in self.fields.values():
            if getattr(field, "empty_label", None) == "---------":
                field.empty_label = _("请选择")
            if (
                isinstance(field, forms.TypedChoiceField)
                and field.choices
                and field.choices[0][1] == "---------"
            ):
                field.choices = [("", _("请选择")), *field.choices[1:]]
        if self.instance.pk is None:
            del self.fields["version"]
        for name in services.PHONE_FIELDS:
            if name in self.fields:
                field = self.fields[name]
                field.widget.input_type = "tel"
                field.widget.attrs.update({"inputmode": "tel", "autocomplete": "tel"})
                field.help_text = _("11位手机号，或带区号的固定电话，如0575-87012345")

    def _post_clean(self):
        # Model validation is the service's job: it normalises values first and words the messages.
        pass

    @property
    def groups(self):
        return [
            (legend, [self[name] for name in names if name in self.fields]) for legend, names in FIELD_GROUPS
        ]

    def service_data(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if name != "version"}

    def add_service_errors(self, exc: ValidationError) -> None:
        for name, messages in exc.message_dict.items():
            self.add_error(name if name in self.fields else None, messages)


class StatusChangeForm(forms.Form):
    # Offers only the allowed next states but accepts any value, so that a refused transition gets the
    # service's message naming both states rather than a generic "invalid choice".
    status = forms.CharField(label=_("变更为"), widget=forms.Select)
    reason = forms.CharField(label=_("原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, enterprise: Enterprise, **kwargs):
        kwargs.setdefault("initial", {"version": enterprise.version})
        super().__init__(*args, **kwargs)
        allowed = STATUS_TRANSITIONS[enterprise.status]
        self.fields["status"].widget.choices = [
            (v, label) for v, label in EnterpriseStatus.choices if v in allowed
        ]


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Excel文件（.xlsx）"), widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"})
    )
    on_duplicate = forms.ChoiceField(
        label=_("已登记的企业"),
        choices=ON_DUPLICATE_CHOICES,
        initial=ON_DUPLICATE_ERROR,
        widget=forms.RadioSelect,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise ValidationError(_("请上传 .xlsx 格式的Excel文件（旧版 .xls 请先另存为 .xlsx）。"))
        if upload.size > 5 * 1024 * 1024:
            raise ValidationError(_("文件不能超过5MB。"))
        return upload
