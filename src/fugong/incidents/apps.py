from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "fugong.incidents"
    verbose_name = "疫情处置"
