"""The forms of the supplies pages. They only carry the input: the services parse and check it and name
every bad field; ``add_service_errors`` puts their messages on the fields so that all show at once."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from fugong.policy.parameters import SUPPLY_CHOICES

NUMBER = {"inputmode": "numeric", "min": 0, "pattern": "[0-9]*", "autocomplete": "off"}


class _Keyed(forms.Form):
    client_key = forms.CharField(required=False, widget=forms.HiddenInput)


class ReceiveForm(_Keyed):
    item = forms.CharField(label=_("物资"), required=False, widget=forms.Select(choices=SUPPLY_CHOICES))
    quantity = forms.CharField(label=_("入库数量"), required=False, widget=forms.TextInput(attrs=NUMBER))
    unit = forms.CharField(label=_("单位"), required=False, max_length=10)
    counterparty = forms.CharField(label=_("来源"), required=False, max_length=100)
    note = forms.CharField(label=_("备注"), required=False, max_length=300)


class IssueForm(_Keyed):
    # Radio buttons, not a select: on a phone the item is one tap.
    item = forms.CharField(label=_("物资"), required=False, widget=forms.RadioSelect(choices=SUPPLY_CHOICES))
    quantity = forms.CharField(label=_("领用数量"), required=False, widget=forms.TextInput(attrs=NUMBER))
    counterparty = forms.CharField(
        label=_("领用人/部门"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"list": "takers"}),
    )
    note = forms.CharField(label=_("备注"), required=False, max_length=300)

    def __init__(self, *args, items=None, **kwargs):
        super().__init__(*args, **kwargs)
        if items is not None:
            self.fields["item"].widget.choices = items


class AdjustForm(forms.Form):
    item = forms.CharField(label=_("物资"), required=False, widget=forms.Select(choices=SUPPLY_CHOICES))
    counted_quantity = forms.CharField(
        label=_("盘点数量"), required=False, widget=forms.TextInput(attrs=NUMBER)
    )
    note = forms.CharField(label=_("盘点说明"), required=False, max_length=300)


class DemandForm(_Keyed):
    item = forms.CharField(label=_("物资"), required=False, widget=forms.Select(choices=SUPPLY_CHOICES))
    quantity = forms.CharField(label=_("需求数量"), required=False, widget=forms.TextInput(attrs=NUMBER))
    needed_by = forms.CharField(
        label=_("需要日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(
        label=_("无法自行解决的原因"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class EscalateForm(forms.Form):
    note = forms.CharField(label=_("上报说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    due_on = forms.CharField(
        label=_("答复期限"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    version = forms.CharField(required=False, widget=forms.HiddenInput)


class AnswerForm(forms.Form):
    fulfilled = forms.ChoiceField(
        label=_("结果"),
        required=False,
        choices=[("yes", _("已协调解决")), ("no", _("无法协调"))],
        widget=forms.RadioSelect,
    )
    answer = forms.CharField(label=_("答复"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.CharField(required=False, widget=forms.HiddenInput)


def add_service_errors(form, exc: ValidationError) -> None:
    """The service's messages on the form's fields (without repeating the field's label, which the error
    summary shows); a message for a field the form does not have goes on top."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for name, messages in exc.message_dict.items():
        if name in form.fields and not form.fields[name].widget.is_hidden:
            label = str(form.fields[name].label)
            for message in messages:
                form.add_error(name, message.removeprefix(f"{label}："))
        else:
            for message in messages:
                form.add_error(None, message)
