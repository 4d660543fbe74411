"""The project's URLs plus views that fail on purpose; only the error-page tests load this."""

from django.core.exceptions import SuspiciousOperation
from django.db import OperationalError
from django.urls import path

from fugong.urls import handler400, handler403, handler404, handler500, urlpatterns  # noqa: F401


def boom(request):
    raise RuntimeError("boom")


def database_down(request):
    raise OperationalError("could not connect to server")


def suspicious(request):
    raise SuspiciousOperation("bad request")


def api_boom(request):
    raise RuntimeError("boom")


urlpatterns = [
    path("test-errors/boom/", boom),
    path("test-errors/db-down/", database_down),
    path("test-errors/bad/", suspicious),
    path("api/v1/test-errors/boom/", api_boom),
    *urlpatterns,
]
