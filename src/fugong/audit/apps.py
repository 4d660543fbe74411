from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "fugong.audit"
    verbose_name = "审计日志"
