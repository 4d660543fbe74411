from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from fugong.accounts import throttle
from fugong.accounts.models import Department
from fugong.accounts.roles import Role
from fugong.core.widgets import SearchableSelect
from fugong.enterprises.models import Enterprise
from fugong.regions.models import Region, RegionLevel

# Above this many regions the picker stops at towns: a province with its villages would be 27,000 options.
MAX_REGION_CHOICES = 3000


class RegionChoiceField(forms.ModelChoiceField):
    widget = SearchableSelect

    def label_from_instance(self, obj):
        indent = "\u3000" * max(obj.path.count("/") - self.root_depth, 0)
        return f"{indent}{obj.name}"


class LoginForm(AuthenticationForm):
    """Django's login form; a locked account or address is told when it may try again instead of the
    usual "wrong username or password" (the backend refuses it before looking at the password)."""

    locked_until = None

    def clean(self):
        try:
            return super().clean()
        except ValidationError:
            self.locked_until = throttle.locked_until(self.request, self.cleaned_data.get("username"))
            if self.locked_until is not None:
                raise ValidationError(throttle.lock_message(self.locked_until), code="locked") from None
            raise


class ProfileForm(forms.Form):
    full_name = forms.CharField(label=_("姓名"), max_length=50, required=False)
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False)


class UserCreateForm(forms.Form):
    username = forms.CharField(
        label=_("用户名"), max_length=150, help_text=_("登录用，字母、数字或 @/./+/-/_")
    )
    full_name = forms.CharField(label=_("姓名"), max_length=50)
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False)
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    region = RegionChoiceField(
        label=_("管辖区域"), queryset=Region.objects.none(), required=False, empty_label=_("请选择")
    )
    department = forms.ModelChoiceField(
        label=_("部门"), queryset=Department.objects.all(), required=False, empty_label=_("不属于部门")
    )
    enterprise_uscc = forms.CharField(
        label=_("所属企业（统一社会信用代码）"), max_length=18, required=False, help_text=_("企业角色必填")
    )
    assigned_usccs = forms.CharField(
        label=_("包联企业（统一社会信用代码，每行一个）"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("网格员/驻企服务员填写"),
    )
    password1 = forms.CharField(
        label=_("初始密码"),
        strip=False,
        widget=forms.PasswordInput,
        help_text=_("至少 10 位，不能全是数字，不能是常见密码，也不能与用户名、姓名或手机号相近"),
    )
    password2 = forms.CharField(label=_("确认密码"), strip=False, widget=forms.PasswordInput)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        regions = Region.objects.within(actor.region)
        if regions.count() > MAX_REGION_CHOICES:
            regions = regions.filter(level__lte=RegionLevel.TOWN)
        self.fields["region"].queryset = regions.order_by("path")
        self.fields["region"].root_depth = actor.region.path.count("/")

    @staticmethod
    def _firm(uscc: str):
        # Resolved among all firms; the service then refuses anything outside the creator's scope
        # with the same message as for an unknown code.
        return Enterprise.objects.filter(uscc=uscc).select_related("town").first()

    def clean_enterprise_uscc(self):
        uscc = self.cleaned_data["enterprise_uscc"].strip().upper()
        if not uscc:
            return None
        firm = self._firm(uscc)
        if firm is None:
            raise forms.ValidationError(
                _("未找到统一社会信用代码为 %(uscc)s 的企业，或该企业不在您的管辖范围内。") % {"uscc": uscc}
            )
        return firm

    def clean_assigned_usccs(self):
        firms, missing = [], []
        for uscc in self.cleaned_data["assigned_usccs"].replace("，", "\n").replace(",", "\n").split():
            uscc = uscc.strip().upper()
            firm = self._firm(uscc)
            if firm is None:
                missing.append(uscc)
            elif firm not in firms:
                firms.append(firm)
        if missing:
            raise forms.ValidationError(
                _("未找到统一社会信用代码为 %(uscc)s 的企业，或该企业不在您的管辖范围内。")
                % {"uscc": "、".join(missing)}
            )
        return firms

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("password1")
            and cleaned.get("password2")
            and cleaned["password1"] != cleaned["password2"]
        ):
            self.add_error("password2", _("两次输入的密码不一致。"))
        return cleaned


class OTPCodeForm(forms.Form):
    """The six digits of an authenticator app (fugong.accounts.otp checks them)."""

    code = forms.CharField(label=_("验证码"), max_length=12)
