from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "fugong.operations"
    verbose_name = "门岗与日常运行"
