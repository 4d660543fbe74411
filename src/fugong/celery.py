import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fugong.settings")
app = Celery("fugong")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
