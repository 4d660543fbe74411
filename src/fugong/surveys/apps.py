from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "fugong.surveys"
    verbose_name = "摸排调查"
