from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import IsAuthenticated

from fugong.accounts.views import LoginView, capability_required, login_otp
from fugong.core import views as core_views
from fugong.core.api import HasCapability


class SchemaView(SpectacularAPIView):
    """The OpenAPI schema, for signed-in roles that use the API (session or token); others get 403."""

    permission_classes = [IsAuthenticated, HasCapability]
    capabilities = {"*": "api.docs"}


# The docs page sends a visitor to the login page first, and answers the Chinese 403 page to a role
# without the capability; the page then fetches the schema above with the same session.
api_docs = capability_required("api.docs")(SpectacularSwaggerView.as_view(url_name="api-schema"))

urlpatterns = [
    path("", core_views.home, name="home"),
    path("login/", LoginView.as_view(), name="login"),
    path("login/otp/", login_otp, name="login_otp"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/schema/", SchemaView.as_view(), name="api-schema"),
    path("api/docs/", api_docs, name="api-docs"),
    path("api/v1/", include("fugong.core.api_urls")),
    path("enterprises/", include("fugong.enterprises.urls")),
    path("regions/", include("fugong.regions.urls")),
    path("policy/", include("fugong.policy.urls")),
    path("audit/", include("fugong.audit.urls")),
    path("accounts/", include("fugong.accounts.urls")),
    path("resumption/", include("fugong.resumption.urls")),
    path("monitoring/", include("fugong.monitoring.urls")),
    path("gate/", include("fugong.operations.urls")),
    path("workforce/", include("fugong.workforce.urls")),
    path("reports/", include("fugong.reports.urls")),
    path("disinfection/", include("fugong.disinfection.urls")),
    path("supplies/", include("fugong.supplies.urls")),
    path("arrangements/", include("fugong.arrangements.urls")),
    path("gatherings/", include("fugong.gatherings.urls")),
    path("compliance/", include("fugong.compliance.urls")),
    path("surveys/", include("fugong.surveys.urls")),
    path("incidents/", include("fugong.incidents.urls")),
    # Public: anyone holding a certificate's QR code may check it, without an account.
    path("verify/", include("fugong.resumption.public.urls")),
]

# Chinese pages in the layout (JSON under /api/); a scope refusal answers the same 404 as a missing object.
handler400 = "fugong.core.errors.bad_request"
handler403 = "fugong.core.errors.permission_denied"
handler404 = "fugong.core.errors.page_not_found"
handler500 = "fugong.core.errors.server_error"
