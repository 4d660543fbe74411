from django import forms
from django.utils.translation import gettext_lazy as _


class GridForm(forms.Form):
    name = forms.CharField(label=_("网格名称"), max_length=100, help_text=_("例如：第一网格、工业园区网格"))
