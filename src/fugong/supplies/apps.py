from django.apps import AppConfig


class SuppliesConfig(AppConfig):
    name = "fugong.supplies"
    verbose_name = "防疫物资"
