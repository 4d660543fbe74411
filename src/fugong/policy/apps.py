from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "fugong.policy"
    verbose_name = "防控政策"
