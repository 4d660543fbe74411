from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "fugong.core"
    verbose_name = "核心"
