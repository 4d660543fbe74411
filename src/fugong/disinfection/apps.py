from django.apps import AppConfig


class DisinfectionConfig(AppConfig):
    name = "fugong.disinfection"
    verbose_name = "环境消杀"
