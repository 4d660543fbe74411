from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "fugong.regions"
    verbose_name = "行政区划"
