from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "fugong.monitoring"
    verbose_name = "日常监测"
