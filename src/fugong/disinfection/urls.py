from django.urls import path

from fugong.disinfection import views

app_name = "disinfection"
urlpatterns = [
    path("", views.index, name="index"),
    path("firms/<int:pk>/", views.firm_day, name="firm_day"),
    path("record/", views.record, name="record"),
    path("settings/", views.settings_page, name="settings"),
    path("records/", views.records, name="records"),
    path("records/export/", views.records_export, name="export"),
]
