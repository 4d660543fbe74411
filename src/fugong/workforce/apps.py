from django.apps import AppConfig


class WorkforceConfig(AppConfig):
    name = "fugong.workforce"
    verbose_name = "员工档案"

    def ready(self):
        from fugong.workforce import receivers  # noqa: F401  (re-evaluation when risk areas change)
