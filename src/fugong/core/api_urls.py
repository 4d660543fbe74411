"""Every app registers its viewsets on this one router under /api/v1/."""

from importlib import import_module

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from fugong.accounts.api import TokenView
from fugong.core.ping import PingView

API_MODULES = [
    "fugong.regions.api",
    "fugong.accounts.api",
    "fugong.enterprises.api",
    "fugong.enterprises.parts.api",
    "fugong.policy.api",
    "fugong.resumption.api",
    "fugong.audit.api",
    "fugong.workforce.returns.api",
    "fugong.workforce.api",
    "fugong.monitoring.api",
    "fugong.operations.api",
    "fugong.monitoring.testing.api",
    "fugong.monitoring.access.api",
    "fugong.reports.api",
    "fugong.disinfection.api",
    "fugong.supplies.api",
    "fugong.arrangements.api",
    "fugong.gatherings.api",
    "fugong.compliance.api",
    "fugong.surveys.api",
    "fugong.incidents.api",
    "fugong.incidents.contacts.api",
    "fugong.incidents.seals.api",
    "fugong.incidents.notices.api",
]

router = DefaultRouter()
for module_name in API_MODULES:
    try:
        module = import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        continue
    module.register(router)

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("ping/", PingView.as_view(), name="api-ping"),
    path("", include(router.urls)),
]
