"""Widgets shared by the apps' forms."""

from django import forms
from django.utils.translation import gettext_lazy


class SearchableSelect(forms.Select):
    """A drop-down of firms, towns or people with a search box before it (static/fugong/select_search.js,
    loaded by the shell); without JavaScript it is a plain select."""

    def __init__(self, attrs=None, choices=()):
        base = {
            "data-searchable": "",
            "data-search-placeholder": gettext_lazy("输入名称筛选"),
            "data-search-label": gettext_lazy("筛选"),
        }
        super().__init__({**base, **(attrs or {})}, choices)
