from django.apps import AppConfig


class GatheringsConfig(AppConfig):
    name = "fugong.gatherings"
    verbose_name = "聚集性活动"
