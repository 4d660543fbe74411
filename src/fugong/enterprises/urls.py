from importlib import import_module

from django.urls import include, path

from fugong.enterprises import views

app_name = "enterprises"
urlpatterns = [
    path("", views.enterprise_list, name="list"),
    path("new/", views.enterprise_create, name="create"),
    path("export/", views.enterprise_export, name="export"),
    path("import/", views.enterprise_import, name="import"),
    path("import/template/", views.import_template, name="import_template"),
    path("<int:pk>/", views.enterprise_detail, name="detail"),
    path("<int:pk>/edit/", views.enterprise_edit, name="edit"),
    path("<int:pk>/status/", views.enterprise_status, name="status"),
]

# The pages for the parts inside a firm live in their own module, which may not exist yet; its
# patterns join this namespace (enterprises:<name>) when it does.
PARTS_URLS = "fugong.enterprises.parts.urls"
try:
    import_module(PARTS_URLS)
except ModuleNotFoundError as exc:
    if exc.name != PARTS_URLS:
        raise
else:
    urlpatterns.append(path("", include(PARTS_URLS)))
