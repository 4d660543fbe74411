from django.apps import AppConfig


class ArrangementsConfig(AppConfig):
    name = "fugong.arrangements"
    verbose_name = "住宿、就餐、通勤与网格安排"
