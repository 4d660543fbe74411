from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "fugong.compliance"
    verbose_name = "检查清单与合规"
